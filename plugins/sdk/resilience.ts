/**
 * Resilience for backend calls, built on `cockatiel`: retries with
 * exponential backoff and decorrelated jitter, a consecutive-failure circuit
 * breaker, and a timeout per attempt — all bounded by the gRPC call's
 * deadline (no attempt starts, and no backoff sleeps, past it).
 *
 * - Only idempotent operations are retried (reads, `SET`, `DEL`, `EXPIRE`;
 *   never list pushes or pops), and only for errors the policy calls
 *   retryable (a connection that dropped mid-call).
 * - The breaker counts failures (retryable errors and attempt timeouts) and,
 *   after `breaker_threshold` in a row, fails calls at once for
 *   `breaker_cooldown_ms` before letting one through to test the backend.
 *
 * {@linkcode RESILIENCE_SETTINGS} is the config fragment plugins spread into
 * their schema; {@linkcode resilienceOptionsFrom} turns a loaded config into
 * {@linkcode ResilienceOptions}.
 *
 * @module
 */
import { deadlineTimers, expiring } from "../../proto/transport/deadline_timers.ts";
import {
  circuitBreaker,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  retry,
  type RetryPolicy,
} from "cockatiel";
import {
  AttemptTimeoutError,
  BackendUnavailableError,
  DeadlineError,
  isNetworkError,
} from "./errors.ts";
import { defineSchema } from "./config.ts";
import type { HealthCheck } from "./health.ts";

/** Settings of a {@linkcode ResiliencePolicy}.
 *
 * @example
 * ```ts
 * import { DEFAULT_RESILIENCE, type ResilienceOptions } from "./resilience.ts";
 * const opts: ResilienceOptions = { ...DEFAULT_RESILIENCE, retryAttempts: 0 };
 * console.log(opts.retryAttempts);
 * ```
 */
export interface ResilienceOptions {
  /** Retries after the first attempt (0: none). */
  retryAttempts: number;
  /** First backoff delay, in milliseconds. */
  retryInitialDelayMs: number;
  /** Longest backoff delay, in milliseconds. */
  retryMaxDelayMs: number;
  /** Consecutive failures that open the circuit (0: no breaker). */
  breakerThreshold: number;
  /** How long an open circuit fails calls at once before testing the backend again. */
  breakerCooldownMs: number;
  /** Timeout of one attempt, in milliseconds (the call's deadline may cut it shorter). */
  attemptTimeoutMs: number;
  /** Errors worth another attempt (default {@linkcode isTransientError}). */
  isRetryable?: (err: unknown) => boolean;
  /** Errors the breaker counts (default: retryable errors and attempt timeouts). */
  isFailure?: (err: unknown) => boolean;
}

/**
 * Defaults: 2 retries from 10 ms up to 200 ms, breaker after 10 failures
 * for 1 s, 1 s per attempt.
 *
 * @example
 * ```ts
 * import { DEFAULT_RESILIENCE } from "./resilience.ts";
 * console.log(DEFAULT_RESILIENCE.retryAttempts); // 2
 * ```
 */
export const DEFAULT_RESILIENCE: Readonly<ResilienceOptions> = Object.freeze({
  retryAttempts: 2,
  retryInitialDelayMs: 10,
  retryMaxDelayMs: 200,
  breakerThreshold: 10,
  breakerCooldownMs: 1000,
  attemptTimeoutMs: 1000,
});

/**
 * The config settings behind {@linkcode ResilienceOptions}, to spread into
 * a plugin's schema.
 *
 * @example
 * ```ts
 * import { defineSchema } from "./config.ts";
 * import { RESILIENCE_SETTINGS } from "./resilience.ts";
 * const schema = defineSchema({ ...RESILIENCE_SETTINGS });
 * console.log(Object.keys(schema).includes("retry_attempts")); // true
 * ```
 */
export const RESILIENCE_SETTINGS = defineSchema({
  command_timeout_ms: {
    type: "integer",
    default: DEFAULT_RESILIENCE.attemptTimeoutMs,
    min: 1,
    max: 600_000,
    description: "timeout of one backend command (the call's deadline may cut it shorter)",
  },
  retry_attempts: {
    type: "integer",
    default: DEFAULT_RESILIENCE.retryAttempts,
    min: 0,
    max: 10,
    description: "retries of an idempotent command after a connection error (0: none)",
  },
  breaker_threshold: {
    type: "integer",
    default: DEFAULT_RESILIENCE.breakerThreshold,
    min: 0,
    max: 1_000_000,
    description: "consecutive backend failures that open the circuit breaker (0: no breaker)",
  },
  breaker_cooldown_ms: {
    type: "integer",
    default: DEFAULT_RESILIENCE.breakerCooldownMs,
    min: 1,
    max: 600_000,
    description: "how long an open circuit fails calls at once before testing the backend",
  },
});

/**
 * Builds {@linkcode ResilienceOptions} from a config loaded with
 * {@linkcode RESILIENCE_SETTINGS}.
 *
 * @example
 * ```ts
 * import { resilienceOptionsFrom } from "./resilience.ts";
 * const opts = resilienceOptionsFrom({
 *   command_timeout_ms: 500, retry_attempts: 1, breaker_threshold: 5, breaker_cooldown_ms: 2000,
 * });
 * console.log(opts.attemptTimeoutMs, opts.breakerThreshold); // 500 5
 * ```
 */
export function resilienceOptionsFrom(config: {
  command_timeout_ms: number;
  retry_attempts: number;
  breaker_threshold: number;
  breaker_cooldown_ms: number;
}): ResilienceOptions {
  return {
    ...DEFAULT_RESILIENCE,
    attemptTimeoutMs: config.command_timeout_ms,
    retryAttempts: config.retry_attempts,
    breakerThreshold: config.breaker_threshold,
    breakerCooldownMs: config.breaker_cooldown_ms,
  };
}

/**
 * The default "worth retrying" test: a socket error, or a
 * {@linkcode BackendUnavailableError} marked retryable.
 *
 * @example
 * ```ts
 * import { isTransientError } from "./resilience.ts";
 * console.log(isTransientError(Object.assign(new Error("reset"), { code: "ECONNRESET" }))); // true
 * console.log(isTransientError(new Error("WRONGTYPE"))); // false
 * ```
 */
export function isTransientError(err: unknown): boolean {
  if (err instanceof BackendUnavailableError) return err.retryable;
  return isNetworkError(err);
}

/** Per-call options of {@linkcode ResiliencePolicy.execute}.
 *
 * @example
 * ```ts
 * import type { ExecuteOptions } from "./resilience.ts";
 * const opts: ExecuteOptions = { deadline: Date.now() + 1000, idempotent: false };
 * console.log(opts.idempotent);
 * ```
 */
export interface ExecuteOptions {
  /** The call's deadline (ms since the epoch); Infinity or absent: none. */
  deadline?: number;
  /** Whether the operation may run twice (only idempotent ones are retried). */
  idempotent: boolean;
}

/** The breaker's state, for health reports.
 *
 * @example
 * ```ts
 * import type { BreakerState } from "./resilience.ts";
 * const s: BreakerState = "open";
 * console.log(s);
 * ```
 */
export type BreakerState = "closed" | "open" | "half-open" | "disabled";

/** One retried execution: its deadline, its last error, and whether to stop retrying. */
interface Execution {
  deadline: number;
  minBudgetMs: number;
  giveUp: boolean;
  lastError?: unknown;
}

/** Executions by their abort signal (what cockatiel hands the backoff). */
const executions = new WeakMap<AbortSignal, Execution>();

/** Thrown instead of a further attempt when the deadline leaves no room for it. */
class GiveUp extends Error {}

/**
 * Exponential backoff with jitter that never sleeps past the call's
 * deadline: when the next delay (plus a minimal attempt) would not fit, it
 * tells the execution to give up with the last error instead.
 */
class DeadlineBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  readonly #inner: IBackoffFactory<IRetryBackoffContext<unknown>>;
  constructor(inner: IBackoffFactory<IRetryBackoffContext<unknown>>) {
    this.#inner = inner;
  }
  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    return clamp(this.#inner.next(context), context);
  }
}

function clamp(
  b: IBackoff<IRetryBackoffContext<unknown>>,
  context: IRetryBackoffContext<unknown>,
): IBackoff<IRetryBackoffContext<unknown>> {
  const execution = executions.get(context.signal);
  let duration = b.duration;
  if (
    execution !== undefined && duration + execution.minBudgetMs >= execution.deadline - Date.now()
  ) {
    execution.giveUp = true;
    duration = 0;
  }
  return { duration, next: (ctx) => clamp(b.next(ctx), ctx) };
}

/**
 * Runs `promise`, failing with {@linkcode AttemptTimeoutError} after
 * `timeoutMs`, or with {@linkcode DeadlineError} at `deadline` when that
 * comes first.
 *
 * @example
 * ```ts
 * import { withTimeout } from "./resilience.ts";
 * const v = await withTimeout(Promise.resolve(42), 100);
 * console.log(v); // 42
 * ```
 */
export function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  deadline = Infinity,
): Promise<T> {
  const untilDeadline = deadline - Date.now();
  if (untilDeadline <= 0) {
    promise.catch(() => {}); // the result no longer matters
    return Promise.reject(new DeadlineError());
  }
  const byDeadline = untilDeadline <= timeoutMs;
  const ms = byDeadline ? untilDeadline : timeoutMs;
  const at = Date.now() + ms;
  return new Promise<T>((resolve, reject) => {
    // A timer shared with every other call's (most attempts end long before it).
    const item = expiring(() =>
      reject(byDeadline ? new DeadlineError() : new AttemptTimeoutError(timeoutMs))
    );
    deadlineTimers.add(at, item);
    promise.then(
      (v) => {
        deadlineTimers.delete(at, item);
        resolve(v);
      },
      (e) => {
        deadlineTimers.delete(at, item);
        reject(e);
      },
    );
  });
}

/**
 * Retries, circuit breaker and attempt timeouts for one backend. Share one
 * policy per backend connection (the breaker's count is per policy).
 *
 * @example
 * ```ts
 * import { ResiliencePolicy } from "./resilience.ts";
 * const policy = new ResiliencePolicy({
 *   retryAttempts: 2, retryInitialDelayMs: 1, retryMaxDelayMs: 5,
 *   breakerThreshold: 5, breakerCooldownMs: 1000, attemptTimeoutMs: 100,
 * });
 * let calls = 0;
 * const v = await policy.execute(async () => {
 *   if (++calls < 2) throw Object.assign(new Error("reset"), { code: "ECONNRESET" });
 *   return "ok";
 * }, { idempotent: true, deadline: Date.now() + 1000 });
 * console.log(v, calls); // "ok" 2
 * ```
 */
export class ResiliencePolicy {
  readonly options: Readonly<ResilienceOptions>;
  readonly #retry: RetryPolicy | undefined;
  readonly #isRetryable: (err: unknown) => boolean;
  readonly #breaker: CircuitBreakerPolicy | undefined;
  /** The breaker's failure count (cockatiel's own object, which it consults). */
  readonly #consecutive: ConsecutiveBreaker | undefined;
  readonly #isFailure: (err: unknown) => boolean;
  /** Minimum time left for a retry to be worth starting. */
  readonly #minRetryBudgetMs: number;

  constructor(options: ResilienceOptions) {
    this.options = { ...options };
    const isRetryable = options.isRetryable ?? isTransientError;
    this.#isRetryable = isRetryable;
    const isFailure = options.isFailure ??
      ((err: unknown) => isRetryable(err) || err instanceof AttemptTimeoutError);
    this.#isFailure = isFailure;
    this.#minRetryBudgetMs = Math.max(1, options.retryInitialDelayMs);
    if (options.retryAttempts > 0) {
      this.#retry = retry(handleWhen(isRetryable), {
        maxAttempts: options.retryAttempts,
        backoff: new DeadlineBackoff(
          new ExponentialBackoff({
            initialDelay: options.retryInitialDelayMs,
            maxDelay: options.retryMaxDelayMs,
          }),
        ),
      });
    }
    if (options.breakerThreshold > 0) {
      this.#consecutive = new ConsecutiveBreaker(options.breakerThreshold);
      this.#breaker = circuitBreaker(handleWhen(isFailure), {
        halfOpenAfter: options.breakerCooldownMs,
        breaker: this.#consecutive,
      });
    }
  }

  /** The circuit breaker's state. */
  get breakerState(): BreakerState {
    if (this.#breaker === undefined) return "disabled";
    switch (this.#breaker.state) {
      case CircuitState.Closed:
        return "closed";
      case CircuitState.HalfOpen:
        return "half-open";
      default:
        return "open";
    }
  }

  /** Calls `listener` whenever the breaker changes state; returns a function that stops it. */
  onBreakerStateChange(listener: (state: BreakerState) => void): () => void {
    if (this.#breaker === undefined) return () => {};
    const sub = this.#breaker.onStateChange(() => listener(this.breakerState));
    return () => sub.dispose();
  }

  /**
   * Runs `fn` under the policy: each attempt gets the time left (at most
   * the attempt timeout); idempotent operations are retried on retryable
   * errors while the deadline allows; an open circuit fails at once.
   */
  execute<T>(fn: () => Promise<T>, options: ExecuteOptions): Promise<T> {
    const deadline = options.deadline ?? Infinity;
    const attempt = () =>
      Date.now() >= deadline
        ? Promise.reject(new DeadlineError())
        : withTimeout(fn(), this.options.attemptTimeoutMs, deadline);
    const guarded = this.#breaker === undefined ? attempt : () => this.#guard(attempt);
    if (!options.idempotent || this.#retry === undefined) return guarded();
    // The first attempt runs bare: almost every call succeeds with it, and
    // the retry machinery (a signal, its state, cockatiel's wrappers; about
    // a sixth of what the redis plugin allocated per call) is built only
    // after a failure, which it sees as its own first attempt: the same
    // attempts, backoff and deadline checks as running it all inside.
    return guarded().catch((err) => this.#retryAfter(err, guarded, deadline));
  }

  /**
   * `attempt` under the breaker. While the circuit is closed the attempt
   * runs bare and its outcome is told to the breaker afterwards, as
   * cockatiel's closed state would record it: a success resets the failure
   * count, a failure the breaker counts is replayed through it (which
   * counts it and opens the circuit at the threshold), any other error
   * leaves the count alone. Cockatiel's closed-state wrapper (an async
   * executor and a result object per call) was an eighth of what the redis
   * plugin allocated per call. Open, half-open and isolated circuits go
   * through cockatiel as they are.
   */
  #guard<T>(attempt: () => Promise<T>): Promise<T> {
    const breaker = this.#breaker!;
    if (breaker.state !== CircuitState.Closed) return breaker.execute(attempt) as Promise<T>;
    return attempt().then(
      (value) => {
        this.#consecutive!.success();
        return value;
      },
      (err) => {
        // Still closed: count it as cockatiel would have (opening the circuit
        // at the threshold). Opened meanwhile by other calls: nothing to count.
        if (!this.#isFailure(err) || breaker.state !== CircuitState.Closed) throw err;
        return breaker.execute(() => Promise.reject(err)) as Promise<T>;
      },
    );
  }

  #retryAfter<T>(first: unknown, guarded: () => Promise<T>, deadline: number): Promise<T> {
    if (!this.#isRetryable(first)) return Promise.reject(first);
    const controller = new AbortController();
    const execution: Execution = {
      deadline,
      minBudgetMs: this.#minRetryBudgetMs,
      giveUp: false,
      lastError: first,
    };
    executions.set(controller.signal, execution);
    let replayed = false;
    return this.#retry!.execute(async () => {
      if (!replayed) {
        replayed = true;
        throw first;
      }
      if (execution.giveUp) throw new GiveUp();
      try {
        return await guarded();
      } catch (err) {
        execution.lastError = err;
        throw err;
      }
    }, controller.signal).catch((err) => {
      throw err instanceof GiveUp ? execution.lastError : err;
    });
  }
}

/**
 * A health check on a policy's circuit breaker: `DEGRADED` while it is open
 * or half-open (`what` fail fast, or are being tested), `HEALTHY` otherwise.
 *
 * @example
 * ```ts
 * import { breakerHealthCheck, DEFAULT_RESILIENCE, ResiliencePolicy } from "./resilience.ts";
 * const policy = new ResiliencePolicy(DEFAULT_RESILIENCE);
 * const check = breakerHealthCheck(policy, "calls");
 * console.log(check.name, (check.check(new AbortController().signal) as { status: string }).status);
 * // "breaker" "HEALTHY"
 * ```
 */
export function breakerHealthCheck(policy: ResiliencePolicy, what: string): HealthCheck {
  return {
    name: "breaker",
    check() {
      const state = policy.breakerState;
      const open = state === "open" || state === "half-open";
      return {
        status: open ? "DEGRADED" : "HEALTHY",
        message: open
          ? `circuit ${state} after ${policy.options.breakerThreshold} consecutive failures: ${what} fail fast`
          : `circuit ${state}`,
        details: { state },
      };
    },
  };
}
