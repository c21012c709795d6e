/**
 * Prism's version, reported by `prism --version` and handed to plugins.
 *
 * @module
 */

/** The version of this build.
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(VERSION);
 * ```
 */
export const VERSION = "0.1.0";
