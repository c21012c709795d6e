// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

export interface InitializeRequest {
  /**
   * Namespace name the plugin serves.
   */
  "name"?: string;
  /**
   * Proxy version.
   */
  "version"?: string;
  /**
   * The namespace's `config` block, JSON-encoded.
   */
  "config"?: string;
}

export interface InitializeRequest__Output {
  /**
   * Namespace name the plugin serves.
   */
  "name": string;
  /**
   * Proxy version.
   */
  "version": string;
  /**
   * The namespace's `config` block, JSON-encoded.
   */
  "config": string;
}
