// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export const HealthStatus = {
  HEALTH_STATUS_UNSPECIFIED: "HEALTH_STATUS_UNSPECIFIED",
  HEALTHY: "HEALTHY",
  DEGRADED: "DEGRADED",
  UNHEALTHY: "UNHEALTHY",
} as const;

export type HealthStatus =
  | "HEALTH_STATUS_UNSPECIFIED"
  | 0
  | "HEALTHY"
  | 1
  | "DEGRADED"
  | 2
  | "UNHEALTHY"
  | 3;

export type HealthStatus__Output = typeof HealthStatus[keyof typeof HealthStatus];
