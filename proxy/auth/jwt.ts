/**
 * Bearer-token authentication (CONTRACT §7): JWTs verified with `jose`
 * against a JWKS (a file, or an HTTPS URL fetched and cached, fetched again
 * when a token names an unknown key — at most once per cooldown — so keys
 * rotate without a restart) or, for development, an HS256 secret from the
 * environment. Issuer, audience, expiry and not-before are checked with the
 * configured clock skew; `alg: none` and algorithms the key was not made for
 * (an HS256 token "signed" with an RSA public key) are refused.
 *
 * A verified token is remembered (by its exact text, until it expires and
 * at most a minute) so that a client that sends the same token with every
 * call pays for one signature check, not one per call.
 *
 * @module
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { status, StatusError } from "../../proto/status.ts";

/**
 * The `auth.jwt` block of the config.
 *
 * @example
 * ```ts
 * import type { JwtConfig } from "./jwt.ts";
 * const cfg: JwtConfig = { issuer: "https://id.example.com", audience: "prism", jwks_file: "jwks.json", clock_skew_seconds: 30 };
 * console.log(cfg.audience);
 * ```
 */
export interface JwtConfig {
  issuer: string;
  audience: string;
  jwks_file?: string;
  jwks_url?: string;
  /** PEM file of a CA to trust for `jwks_url` (besides the system's). */
  jwks_ca_file?: string;
  hs256_secret_env?: string;
  clock_skew_seconds: number;
  /** After a JWKS fetch, how long an unknown key id waits before it can cause another (default 30). */
  jwks_cooldown_seconds?: number;
}

/**
 * Who a verified token speaks for, and what it may do.
 *
 * @example
 * ```ts
 * import type { Principal } from "./jwt.ts";
 * const p: Principal = { subject: "svc-a", scopes: new Set(["prism:cache:read"]) };
 * console.log(p.scopes.has("prism:cache:read")); // true
 * ```
 */
export interface Principal {
  /** The token's `sub` ("" when it has none). */
  subject: string;
  /** Its scopes: `scope` (space-separated) and `scp` (a list) together. */
  scopes: ReadonlySet<string>;
}

/** Asymmetric algorithms accepted with a JWKS. */
const JWKS_ALGORITHMS = ["RS256", "ES256", "EdDSA", "Ed25519"];
const HMAC_ALGORITHMS = ["HS256"];
/** Verified tokens remembered at most this long, and at most this many. */
const CACHE_MS = 60_000;
const CACHE_SIZE = 10_000;

/** The scopes of a payload: `scope` (space-separated) and `scp` (a list or a string). */
function scopesOf(payload: JWTPayload): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    const list = typeof v === "string" ? v.split(/\s+/) : Array.isArray(v) ? v : [];
    for (const s of list) if (typeof s === "string" && s !== "") out.add(s);
  };
  add(payload.scope);
  add(payload.scp);
  return out;
}

/** The client-facing message for a verification failure (never the token itself). */
function reasonOf(err: unknown, cfg: JwtConfig): StatusError {
  const unauthenticated = (why: string) => new StatusError(status.UNAUTHENTICATED, why);
  if (err instanceof errors.JWTExpired) return unauthenticated("the token has expired");
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case "nbf":
        return unauthenticated("the token is not valid yet (nbf)");
      case "iss":
        return unauthenticated(`the token's issuer is not "${cfg.issuer}"`);
      case "aud":
        return unauthenticated(`the token's audience does not include "${cfg.audience}"`);
      case "iat":
        return unauthenticated("the token was issued in the future (iat)");
      default:
        return unauthenticated(`the token's "${err.claim}" claim is not acceptable`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return unauthenticated("the token's algorithm is not accepted for this key");
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return unauthenticated("the token's signature does not verify");
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return unauthenticated("no key of the JWKS matches the token (kid or algorithm)");
  }
  if (err instanceof errors.JWKSMultipleMatchingKeys) {
    return unauthenticated("the token names no key id and several keys could match");
  }
  if (err instanceof errors.JWKSTimeout) {
    return new StatusError(status.UNAVAILABLE, "cannot verify tokens: the JWKS URL timed out");
  }
  if (
    err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported
  ) {
    return unauthenticated("the token is malformed or uses an unsupported algorithm");
  }
  if (err instanceof errors.JOSEError) {
    return new StatusError(
      status.UNAVAILABLE,
      `cannot verify tokens: the JWKS is not available (${err.code})`,
    );
  }
  return new StatusError(
    status.UNAVAILABLE,
    `cannot verify tokens: ${(err as Error)?.message ?? String(err)}`,
  );
}

type KeySource = Parameters<typeof jwtVerify>[1];

/**
 * Verifies bearer tokens.
 *
 * @example
 * ```ts
 * import { JwtVerifier } from "./jwt.ts";
 * const v = await JwtVerifier.create(
 *   { issuer: "me", audience: "prism", hs256_secret_env: "S", clock_skew_seconds: 30 },
 *   () => "a development secret of thirty-two bytes",
 * );
 * try {
 *   await v.verify(undefined);
 * } catch (err) {
 *   console.log((err as Error).message); // "missing bearer token (authorization: Bearer <JWT>)"
 * }
 * ```
 */
export class JwtVerifier {
  readonly #cfg: JwtConfig;
  readonly #key: KeySource;
  readonly #algorithms: string[];
  readonly #cache = new Map<string, { principal: Principal; until: number }>();

  private constructor(cfg: JwtConfig, key: KeySource, algorithms: string[]) {
    this.#cfg = cfg;
    this.#key = key;
    this.#algorithms = algorithms;
  }

  /**
   * Loads the key source: reads `jwks_file`, sets up `jwks_url` (fetched
   * on first use), or reads the secret named by `hs256_secret_env`.
   *
   * @throws {Error} naming what is wrong with the source.
   */
  static async create(
    cfg: JwtConfig,
    env: (name: string) => string | undefined = (n) => Deno.env.get(n),
  ): Promise<JwtVerifier> {
    if (cfg.hs256_secret_env !== undefined) {
      const secret = env(cfg.hs256_secret_env);
      if (secret === undefined || secret.length < 32) {
        throw new Error(
          `auth.jwt.hs256_secret_env: environment variable ${cfg.hs256_secret_env} must hold a secret of at least 32 characters (${
            secret === undefined ? "it is not set" : `it has ${secret.length}`
          })`,
        );
      }
      return new JwtVerifier(cfg, new TextEncoder().encode(secret), HMAC_ALGORITHMS);
    }
    if (cfg.jwks_file !== undefined) {
      let jwks: JSONWebKeySet;
      try {
        jwks = JSON.parse(await Deno.readTextFile(cfg.jwks_file));
      } catch (err) {
        throw new Error(
          `auth.jwt.jwks_file: cannot read "${cfg.jwks_file}": ${(err as Error).message}`,
        );
      }
      if (!Array.isArray(jwks?.keys)) {
        throw new Error(`auth.jwt.jwks_file: "${cfg.jwks_file}" is not a JWKS (no "keys" list)`);
      }
      return new JwtVerifier(cfg, createLocalJWKSet(jwks), JWKS_ALGORITHMS);
    }
    const url = new URL(cfg.jwks_url!);
    let fetchImpl: typeof fetch | undefined;
    if (cfg.jwks_ca_file !== undefined) {
      let ca: string;
      try {
        ca = await Deno.readTextFile(cfg.jwks_ca_file);
      } catch (err) {
        throw new Error(
          `auth.jwt.jwks_ca_file: cannot read "${cfg.jwks_ca_file}": ${(err as Error).message}`,
        );
      }
      const client = Deno.createHttpClient({ caCerts: [ca] });
      fetchImpl = (input, init) => fetch(input, { ...init, client } as unknown as RequestInit);
    }
    const remote = createRemoteJWKSet(url, {
      cooldownDuration: (cfg.jwks_cooldown_seconds ?? 30) * 1000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5000,
      ...(fetchImpl ? { [customFetch]: fetchImpl } : {}),
    });
    return new JwtVerifier(cfg, remote, JWKS_ALGORITHMS);
  }

  /**
   * Verifies the value of an `authorization` header; resolves (or returns,
   * for a token verified before) with the principal, or throws a
   * {@linkcode StatusError}: UNAUTHENTICATED saying what is wrong, or
   * UNAVAILABLE when the keys cannot be had.
   */
  verify(header: string | undefined): Principal | Promise<Principal> {
    if (header === undefined || header === "") {
      throw new StatusError(
        status.UNAUTHENTICATED,
        "missing bearer token (authorization: Bearer <JWT>)",
      );
    }
    const m = /^Bearer +([A-Za-z0-9_\-.=]+)$/i.exec(header);
    if (!m) {
      throw new StatusError(
        status.UNAUTHENTICATED,
        "malformed authorization header (expected: Bearer <JWT>)",
      );
    }
    const token = m[1];
    const hit = this.#cache.get(token);
    if (hit !== undefined) {
      if (Date.now() < hit.until) return hit.principal;
      this.#cache.delete(token);
    }
    return this.#verify(token);
  }

  async #verify(token: string): Promise<Principal> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new StatusError(status.UNAUTHENTICATED, "the token is malformed (not a signed JWT)");
    }
    if (typeof alg !== "string" || !this.#algorithms.includes(alg)) {
      // alg "none", or an algorithm the keys were not made for (HS256 against an RSA key).
      throw new StatusError(
        status.UNAUTHENTICATED,
        `the token's algorithm ${
          JSON.stringify(alg ?? null).slice(0, 20)
        } is not accepted (accepted: ${
          this.#algorithms.filter((a) => a !== "Ed25519").join(", ")
        })`,
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#key as never, {
        issuer: this.#cfg.issuer,
        audience: this.#cfg.audience,
        clockTolerance: this.#cfg.clock_skew_seconds,
        algorithms: this.#algorithms,
      }));
    } catch (err) {
      throw reasonOf(err, this.#cfg);
    }
    const principal: Principal = { subject: payload.sub ?? "", scopes: scopesOf(payload) };
    const now = Date.now();
    const expires = payload.exp === undefined
      ? Infinity
      : (payload.exp + this.#cfg.clock_skew_seconds) * 1000;
    if (this.#cache.size >= CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(token, { principal, until: Math.min(expires, now + CACHE_MS) });
    return principal;
  }
}
