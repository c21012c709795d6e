// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export interface StopRequest {
  "timeout_seconds"?: number;
}

export interface StopRequest__Output {
  "timeout_seconds": number;
}
