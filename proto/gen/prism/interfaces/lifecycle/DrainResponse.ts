// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

import type { Long } from "@grpc/proto-loader";

export interface DrainResponse {
  /**
   * In-flight calls that completed during the drain.
   */
  "drained"?: number | string | Long;
  /**
   * In-flight calls cut off when the timeout passed.
   */
  "aborted"?: number | string | Long;
}

export interface DrainResponse__Output {
  /**
   * In-flight calls that completed during the drain.
   */
  "drained": number;
  /**
   * In-flight calls cut off when the timeout passed.
   */
  "aborted": number;
}
