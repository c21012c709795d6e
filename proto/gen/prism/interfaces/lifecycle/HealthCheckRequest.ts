// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export interface HealthCheckRequest {
}

export interface HealthCheckRequest__Output {
}
