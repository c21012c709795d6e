// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export interface MetricsRequest {
}

export interface MetricsRequest__Output {
}
