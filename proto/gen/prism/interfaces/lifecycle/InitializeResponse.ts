// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

import type {
  PluginMetadata as _prism_interfaces_lifecycle_PluginMetadata,
  PluginMetadata__Output as _prism_interfaces_lifecycle_PluginMetadata__Output,
} from "../../../prism/interfaces/lifecycle/PluginMetadata.ts";

export interface InitializeResponse {
  "metadata"?: _prism_interfaces_lifecycle_PluginMetadata | null;
}

export interface InitializeResponse__Output {
  "metadata": _prism_interfaces_lifecycle_PluginMetadata__Output | null;
}
