// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export interface StartResponse {
}

export interface StartResponse__Output {
}
