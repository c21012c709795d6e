/**
 * Authorization per namespace (CONTRACT §7): a call needs the scope
 * `prism:<namespace>:read` or `prism:<namespace>:write` by its method (write
 * implies read; `*` in place of the namespace means every namespace).
 *
 * @module
 */
import { status, StatusError } from "../../proto/status.ts";
import type { Principal } from "./jwt.ts";

/** Methods that only read (every other data method writes). */
const READ_METHODS: ReadonlySet<string> = new Set([
  "Get",
  "Exists",
  "Scan",
  "ScanKeys",
  "Count",
  "GetTTL",
  "Length",
  "Subscribe",
  "Read",
]);

/**
 * Whether a method (its name, e.g. `PopLeft`) reads or writes.
 *
 * @example
 * ```ts
 * import { accessOf } from "./scopes.ts";
 * console.log(accessOf("Get"), accessOf("PopLeft")); // "read" "write"
 * ```
 */
export function accessOf(method: string): "read" | "write" {
  return READ_METHODS.has(method) ? "read" : "write";
}

/**
 * Checks that `principal` may call `method` on `namespace`; throws
 * PERMISSION_DENIED naming the namespace and the scope it needs.
 *
 * @example
 * ```ts
 * import { authorize } from "./scopes.ts";
 * const p = { subject: "svc", scopes: new Set(["prism:cache:write"]) };
 * authorize(p, "cache", "Get"); // write implies read
 * try {
 *   authorize(p, "events", "Publish");
 * } catch (err) {
 *   console.log((err as Error).message);
 *   // "Publish on namespace \"events\" needs scope \"prism:events:write\" (the token of \"svc\" has prism:cache:write)"
 * }
 * ```
 */
export function authorize(principal: Principal, namespace: string, method: string): void {
  const access = accessOf(method);
  const s = principal.scopes;
  if (
    s.has(`prism:${namespace}:${access}`) || s.has(`prism:*:${access}`) ||
    (access === "read" && (s.has(`prism:${namespace}:write`) || s.has("prism:*:write")))
  ) return;
  const has = [...s].filter((x) => x.startsWith("prism:")).join(" ") || "no prism scopes";
  throw new StatusError(
    status.PERMISSION_DENIED,
    `${method} on namespace "${namespace}" needs scope "prism:${namespace}:${access}" (the token of "${principal.subject}" has ${has})`,
  );
}
