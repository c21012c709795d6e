// Original file: proto/prism/interfaces/stream/stream_basic.proto

export interface TrimResponse {
}

export interface TrimResponse__Output {
}
