// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export interface PluginMetadata {
  "name"?: string;
  "version"?: string;
  /**
   * Fully qualified service names the plugin serves, e.g.
   * "prism.interfaces.keyvalue.KeyValueBasicInterface".
   */
  "interfaces"?: (string)[];
}

export interface PluginMetadata__Output {
  "name": string;
  "version": string;
  /**
   * Fully qualified service names the plugin serves, e.g.
   * "prism.interfaces.keyvalue.KeyValueBasicInterface".
   */
  "interfaces": (string)[];
}
