// One explicit retry budget per request: at most `maxRetries` retries after the first attempt,
// with full-jitter exponential backoff and no retry quota, so the budget is exact (the SDK's
// standard strategy adds its own attempts and a token bucket; megfile stacks 10 × 5 attempts).
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { classifyS3Error, isRetryableS3Error, isThrottlingS3Error } from './classify.ts';
import type { AdaptiveLimit } from './endpoint-limits.ts';
import { isUnprovenEndpointError, UNPROVEN_ENDPOINT_ATTEMPTS } from './endpoint-trust.ts';
import { noteRetry } from './wire-tally.ts';

/**
 * Decides how long to wait before a retry. Pass one shared object to every client to make a
 * whole pool back off together (e.g. on SlowDown).
 */
export type Backoff = {
  /** Milliseconds to wait before retry number `retry` (1 = first retry) after `error`. */
  delayBeforeRetryMs(retry: number, error: unknown): number;
  /** Called after every successful request, so a shared backoff can relax. */
  recordSuccess?(): void;
};

/** Options of {@link fullJitterBackoff}. */
export type FullJitterBackoffOptions = {
  /** Scale of the first retry's window. @default 100 */
  baseMs?: number;
  /** Upper bound of any single wait. @default 20000 */
  capMs?: number;
  /** Source of randomness in [0, 1); inject a constant in tests. @default Math.random */
  random?: () => number;
};

/**
 * "Full jitter" exponential backoff: a uniform wait in [0, min(cap, base × 2^(retry-1))).
 * Spreads retries of many concurrent requests instead of synchronising them.
 * @example fullJitterBackoff({ baseMs: 1 }) // fast retries for tests
 */
export function fullJitterBackoff(options: FullJitterBackoffOptions = {}): Backoff {
  const baseMs = options.baseMs ?? 100;
  const capMs = options.capMs ?? 20_000;
  const random = options.random ?? Math.random;
  return {
    delayBeforeRetryMs(retry: number): number {
      const window = Math.min(capMs, baseMs * 2 ** Math.max(0, retry - 1));
      return Math.floor(random() * window);
    },
  };
}

/** Counters a retry strategy updates; read them in tests or progress output. */
export type RetryStats = {
  /** Requests started (first attempts). */
  requests: number;
  /** Attempts sent: first attempts plus retries. */
  attempts: number;
  /** Retries granted. */
  retries: number;
  /** Retries granted after a throttling answer (SlowDown, 429…). */
  throttled: number;
};

/** A zeroed {@link RetryStats}. */
export function createRetryStats(): RetryStats {
  return { requests: 0, attempts: 0, retries: 0, throttled: 0 };
}

/** Options of {@link BudgetRetryStrategy}. */
export type BudgetRetryStrategyOptions = {
  /** Retries after the first attempt (`MEGFILE_S3_MAX_RETRY_TIMES`). */
  maxRetries: number;
  /** @default fullJitterBackoff() */
  backoff?: Backoff;
  /** Counters to update; pass one object to several clients to count them together. */
  stats?: RetryStats;
  /** Longest wait the server may ask for with Retry-After. @default 20000 */
  maxRetryAfterMs?: number;
  /**
   * The endpoint's adaptive concurrency, told of throttling codes under statuses other than 503
   * and 429 (the request handler reports those, and successes: limited-handler.ts).
   */
  limit?: AdaptiveLimit;
};

class Token implements RetryToken {
  readonly #retryCount: number;
  readonly #delayMs: number;
  constructor(retryCount: number, delayMs: number) {
    this.#retryCount = retryCount;
    this.#delayMs = delayMs;
  }
  getRetryCount(): number {
    return this.#retryCount;
  }
  getRetryDelay(): number {
    return this.#delayMs;
  }
}

/**
 * SDK v3 retry strategy (RetryStrategyV2) with an exact budget: a request is sent at most
 * `maxRetries + 1` times. Retryability comes from classify.ts. The SDK's retry middleware
 * sleeps for the delay of the returned token.
 *
 * Note: the SDK never retries requests with a stream body (it cannot rewind them); those fail
 * after one attempt and must be retried by the caller with a fresh stream.
 */
export class BudgetRetryStrategy implements RetryStrategyV2 {
  readonly maxRetries: number;
  readonly stats: RetryStats;
  readonly #backoff: Backoff;
  readonly #maxRetryAfterMs: number;
  readonly #limit: AdaptiveLimit | undefined;

  constructor(options: BudgetRetryStrategyOptions) {
    if (!Number.isInteger(options.maxRetries) || options.maxRetries < 0) {
      throw new RangeError(`maxRetries must be a whole number >= 0, got ${options.maxRetries}`);
    }
    this.maxRetries = options.maxRetries;
    this.stats = options.stats ?? createRetryStats();
    this.#backoff = options.backoff ?? fullJitterBackoff();
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 20_000;
    this.#limit = options.limit;
  }

  acquireInitialRetryToken(_retryTokenScope: string): Promise<RetryToken> {
    this.stats.requests += 1;
    this.stats.attempts += 1;
    return Promise.resolve(new Token(0, 0));
  }

  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const error: unknown = errorInfo.error;
    const retry = token.getRetryCount() + 1;
    if (this.#limit !== undefined && isThrottlingS3Error(error)) {
      const status = classifyS3Error(error).httpStatus;
      if (status !== 503 && status !== 429) {
        this.#limit.onThrottle();
      }
    }
    // An endpoint that has never answered as S3 gets a few attempts, not the whole budget.
    const budget = isUnprovenEndpointError(error)
      ? Math.min(this.maxRetries, UNPROVEN_ENDPOINT_ATTEMPTS - 1)
      : this.maxRetries;
    if (retry > budget || !isRetryableS3Error(error)) {
      // Rejecting makes the SDK rethrow the request's own error.
      return Promise.reject(error instanceof Error ? error : new Error('not retried'));
    }
    let delayMs = this.#backoff.delayBeforeRetryMs(retry, error);
    if (errorInfo.retryAfterHint !== undefined) {
      const askedMs = errorInfo.retryAfterHint.getTime() - Date.now();
      delayMs = Math.max(delayMs, Math.min(askedMs, this.#maxRetryAfterMs));
    }
    this.stats.retries += 1;
    this.stats.attempts += 1;
    noteRetry();
    if (isThrottlingS3Error(error)) this.stats.throttled += 1;
    return Promise.resolve(new Token(retry, Math.max(0, delayMs)));
  }

  recordSuccess(_token: RetryToken): void {
    this.#backoff.recordSuccess?.();
  }
}
