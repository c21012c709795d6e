// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export interface MetricsResponse {
  /**
   * The metric families as JSON: prom-client's Registry.getMetricsAsJSON()
   * (name, help, type, values with labels).
   */
  "json"?: string;
}

export interface MetricsResponse__Output {
  /**
   * The metric families as JSON: prom-client's Registry.getMetricsAsJSON()
   * (name, help, type, values with labels).
   */
  "json": string;
}
