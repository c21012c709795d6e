/**
 * The namespace's slice of a shared Redis: every key the plugin touches is
 * `key_prefix + key`, so namespaces sharing one Redis never see each
 * other's keys; scans match the literal prefix (glob characters escaped).
 *
 * @module
 */

/**
 * Escapes Redis glob characters (`* ? [ ] \`) so that `s` matches itself
 * in `SCAN … MATCH`.
 *
 * @example
 * ```ts
 * import { escapeGlob } from "./keys.ts";
 * console.log(escapeGlob("a*b?[c]\\d")); // "a\\*b\\?\\[c\\]\\\\d"
 * ```
 */
export function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, "\\$&");
}

/**
 * A namespace's keys in Redis.
 *
 * @example
 * ```ts
 * import { KeySpace } from "./keys.ts";
 * const ks = new KeySpace("cache:");
 * console.log(ks.key("user:1"), ks.pattern("user:*"), ks.strip("cache:user:1"));
 * // "cache:user:1" "cache:user:\\**" "user:1"
 * ```
 */
export class KeySpace {
  /** The namespace's prefix (`key_prefix`). */
  readonly prefix: string;
  constructor(prefix: string) {
    this.prefix = prefix;
  }
  /** The Redis key of a client key. */
  key(key: string): string {
    return this.prefix + key;
  }
  /** The client key of a Redis key (which must start with the prefix). */
  strip(redisKey: string): string {
    return redisKey.slice(this.prefix.length);
  }
  /** The `MATCH` pattern of every key whose client key starts with the literal `prefix`. */
  pattern(prefix: string): string {
    return `${escapeGlob(this.prefix + prefix)}*`;
  }
}
