// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export interface StopResponse {
}

export interface StopResponse__Output {
}
