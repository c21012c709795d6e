// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

import type {
  HealthStatus as _prism_interfaces_lifecycle_HealthStatus,
  HealthStatus__Output as _prism_interfaces_lifecycle_HealthStatus__Output,
} from "../../../prism/interfaces/lifecycle/HealthStatus.ts";

export interface HealthCheckResponse {
  "status"?: _prism_interfaces_lifecycle_HealthStatus;
  "message"?: string;
  "details"?: { [key: string]: string };
}

export interface HealthCheckResponse__Output {
  "status": _prism_interfaces_lifecycle_HealthStatus__Output;
  "message": string;
  "details": { [key: string]: string };
}
