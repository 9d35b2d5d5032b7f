// The pool's throttle state in one SharedArrayBuffer that every worker thread gets: a retry
// Backoff (this file), the endpoints' adaptive concurrency (endpoint-limits.ts) and the
// process-wide byte and request rates (shared-rate.ts: --bwlimit, --tpslimit). Throttling
// is answered by the adaptive limits, request by request; the pool-wide pause here is only for a
// burst — most answers of the last second were throttling — and stays short: a steady trickle of
// SlowDowns must not idle every worker (it did, before: issue 12).
import { isOverloadAnswer } from './classify.ts';
import { ENDPOINT_LIMITS_BYTES, EndpointLimits } from './endpoint-limits.ts';
import type { Backoff } from './retry.ts';
import { SHARED_RATES_BYTES, sharedRatesOf } from './shared-rate.ts';
import type { SharedRate, SharedRates } from './shared-rate.ts';

/** Slots of the backoff's BigInt64Array, at the start of the buffer. */
const PAUSED_UNTIL = 0; // ms since the epoch; 0 = no pause
const LEVEL = 1; // consecutive bursts, 0 = calm
const LAST_CHANGE = 2; // ms since the epoch of the last level change
const WINDOW_START = 3; // ms since the epoch when the current counting window began
const WINDOW_THROTTLES = 4;
const WINDOW_SUCCESSES = 5;
const SLOTS = 6;
const BACKOFF_BYTES = SLOTS * BigInt64Array.BYTES_PER_ELEMENT;

/** Allocates the shared state; post it to every thread (e.g. in piscina's `workerData`). */
export function createBackoffBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(BACKOFF_BYTES + ENDPOINT_LIMITS_BYTES + SHARED_RATES_BYTES);
}

/** The byte and request rates over a buffer of {@link createBackoffBuffer} (no limit until set). */
export function sharedRates(buffer: SharedArrayBuffer): SharedRates {
  return sharedRatesOf(buffer, BACKOFF_BYTES + ENDPOINT_LIMITS_BYTES);
}

/** The endpoints' adaptive limits over a buffer of {@link createBackoffBuffer}. */
export function endpointLimitsOf(buffer: SharedArrayBuffer): EndpointLimits {
  return new EndpointLimits(buffer, BACKOFF_BYTES);
}

/** Options of {@link SharedBackoff}. */
export type SharedBackoffOptions = {
  /** Scale of one request's own full-jitter window (first retry). @default 100 */
  baseMs?: number;
  /** Upper bound of one request's own wait. @default 20000 */
  capMs?: number;
  /** Pool pause after the first burst; doubles per further burst. @default 500 */
  pauseBaseMs?: number;
  /** Longest pool pause. @default 4000 */
  pauseCapMs?: number;
  /** Throttling answers within one window that can make a burst. @default 8 */
  burstMin?: number;
  /** The window in which throttling answers and successes are compared. @default 1000 */
  windowMs?: number;
  /** Quiet time (successes, no throttling) before the level drops by one. @default 2000 */
  decayAfterMs?: number;
  /** Random spread added after a pause so the pool does not restart in lockstep. @default 100 */
  spreadMs?: number;
  /** @default Math.random */
  random?: () => number;
  /** @default Date.now */
  now?: () => number;
};

/**
 * Pool-wide backoff over a shared buffer. Every thread builds its own instance over the same
 * buffer; pass it as `backoff` to createS3Client (and to the transfer retry loop).
 *
 * Each retry waits its own full-jitter delay. A burst — at least `burstMin` throttling answers in
 * one window, and more of them than successes — pauses the pool for `pauseBaseMs × 2^(level-1)`
 * (capped), unless a pause is running already; the level relaxes by one per quiet interval.
 * Every retry waits at least until a pause ends; new requests wait for it too
 * ({@link SharedBackoff.pauseRemainingMs}).
 *
 * @example
 * const buffer = createBackoffBuffer(); // main thread, posted to workers
 * const backoff = new SharedBackoff(buffer); // in each thread
 * createS3Client(spec, { backoff });
 */
export class SharedBackoff implements Backoff {
  readonly #state: BigInt64Array;
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #pauseBaseMs: number;
  readonly #pauseCapMs: number;
  readonly #decayAfterMs: number;
  readonly #burstMin: number;
  readonly #windowMs: number;
  readonly #spreadMs: number;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(buffer: SharedArrayBuffer, options: SharedBackoffOptions = {}) {
    if (buffer.byteLength < BACKOFF_BYTES) {
      throw new RangeError('the shared backoff buffer is too small: use createBackoffBuffer()');
    }
    this.#state = new BigInt64Array(buffer, 0, SLOTS);
    this.#baseMs = options.baseMs ?? 100;
    this.#capMs = options.capMs ?? 20_000;
    this.#pauseBaseMs = options.pauseBaseMs ?? 500;
    this.#pauseCapMs = options.pauseCapMs ?? 4_000;
    this.#decayAfterMs = options.decayAfterMs ?? 2_000;
    this.#burstMin = options.burstMin ?? 8;
    this.#windowMs = options.windowMs ?? 1_000;
    this.#spreadMs = options.spreadMs ?? 100;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /** Current burst level (0 = calm), shared by every instance over the buffer. */
  get level(): number {
    return Number(Atomics.load(this.#state, LEVEL));
  }

  /** Milliseconds until the pool-wide pause ends (0 when there is none). */
  pauseRemainingMs(): number {
    const until = Number(Atomics.load(this.#state, PAUSED_UNTIL));
    return Math.max(0, until - this.#now());
  }

  /** When the pool-wide pause ends (ms since the epoch; 0 when none was ever set). */
  pausedUntil(): number {
    return Number(Atomics.load(this.#state, PAUSED_UNTIL));
  }

  /**
   * Pauses the pool until `untilMs` (ms since the epoch) unless it already pauses longer, without
   * raising the level: a pause another process of the same job started (src/distributed).
   */
  holdUntil(untilMs: number): void {
    const until = BigInt(Math.ceil(untilMs));
    for (;;) {
      const current = Atomics.load(this.#state, PAUSED_UNTIL);
      if (current >= until) return;
      if (Atomics.compareExchange(this.#state, PAUSED_UNTIL, current, until) === current) return;
    }
  }

  /** Counts one answer in the current window, starting a new window when it is over. */
  #count(now: number, slot: number): void {
    const start = Atomics.load(this.#state, WINDOW_START);
    if (now - Number(start) >= this.#windowMs) {
      if (Atomics.compareExchange(this.#state, WINDOW_START, start, BigInt(now)) === start) {
        Atomics.store(this.#state, WINDOW_THROTTLES, 0n);
        Atomics.store(this.#state, WINDOW_SUCCESSES, 0n);
      }
    }
    Atomics.add(this.#state, slot, 1n);
  }

  /** Whether the current window holds a burst of throttling answers. */
  #isBurst(): boolean {
    const throttles = Atomics.load(this.#state, WINDOW_THROTTLES);
    const successes = Atomics.load(this.#state, WINDOW_SUCCESSES);
    return throttles >= BigInt(this.#burstMin) && throttles > successes;
  }

  /** Registers a throttling answer seen now (also called by delayBeforeRetryMs). */
  recordThrottle(): void {
    const now = this.#now();
    this.#count(now, WINDOW_THROTTLES);
    const current = Atomics.load(this.#state, PAUSED_UNTIL);
    if (Number(current) > now) return; // a pause is already running
    if (!this.#isBurst()) return;
    const level = Math.min(40, Number(Atomics.load(this.#state, LEVEL)) + 1);
    const pauseMs = Math.min(this.#pauseCapMs, this.#pauseBaseMs * 2 ** (level - 1));
    const until = BigInt(Math.ceil(now + pauseMs));
    // Only the thread that starts the pause raises the level: one burst, one step.
    if (Atomics.compareExchange(this.#state, PAUSED_UNTIL, current, until) !== current) return;
    // The answers of this burst are spent: the next pause needs a burst of its own.
    Atomics.store(this.#state, WINDOW_THROTTLES, 0n);
    this.#raiseLevel(now);
  }

  delayBeforeRetryMs(retry: number, error: unknown): number {
    if (isOverloadAnswer(error)) this.recordThrottle();
    const window = Math.min(this.#capMs, this.#baseMs * 2 ** Math.max(0, retry - 1));
    const own = Math.floor(this.#random() * window);
    const pause = this.pauseRemainingMs();
    if (pause === 0) return own;
    return Math.max(own, pause + Math.floor(this.#random() * this.#spreadMs));
  }

  recordSuccess(): void {
    const now = this.#now();
    this.#count(now, WINDOW_SUCCESSES);
    if (Number(Atomics.load(this.#state, PAUSED_UNTIL)) > now) return;
    for (;;) {
      const level = Atomics.load(this.#state, LEVEL);
      if (level === 0n) return;
      const last = Number(Atomics.load(this.#state, LAST_CHANGE));
      if (now - last < this.#decayAfterMs) return;
      if (Atomics.compareExchange(this.#state, LEVEL, level, level - 1n) === level) {
        Atomics.store(this.#state, LAST_CHANGE, BigInt(now));
        return;
      }
    }
  }

  #raiseLevel(now: number): void {
    for (;;) {
      const level = Atomics.load(this.#state, LEVEL);
      // 40 doublings exceed any cap; stop counting so the arithmetic stays small.
      const next = level >= 40n ? level : level + 1n;
      if (Atomics.compareExchange(this.#state, LEVEL, level, next) === level) {
        Atomics.store(this.#state, LAST_CHANGE, BigInt(now));
        return;
      }
    }
  }
}

/**
 * What every client of a pool gets from the pool's throttle buffer: the shared backoff, the
 * endpoints' adaptive limits and the request rate (spread into createS3Client's options).
 */
export function poolThrottle(buffer: SharedArrayBuffer): {
  backoff: SharedBackoff;
  limits: EndpointLimits;
  requestRate: SharedRate;
} {
  return {
    backoff: new SharedBackoff(buffer),
    limits: endpointLimitsOf(buffer),
    requestRate: sharedRates(buffer).requests,
  };
}
