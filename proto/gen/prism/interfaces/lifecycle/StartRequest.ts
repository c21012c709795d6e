// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export interface StartRequest {
}

export interface StartRequest__Output {
}
