// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export interface DrainRequest {
  "timeout_seconds"?: number;
  "reason"?: string;
}

export interface DrainRequest__Output {
  "timeout_seconds": number;
  "reason": string;
}
