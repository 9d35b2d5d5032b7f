// A retry Backoff whose state lives in a SharedArrayBuffer, so every worker thread of a pool slows
// down together: a SlowDown/503 anywhere pauses everyone until a shared deadline; the pause grows
// with consecutive throttling episodes and relaxes one level per quiet interval of successes.
import { classifyS3Error } from './classify.ts';
import type { Backoff } from './retry.ts';

/** Slots of the shared BigInt64Array. */
const PAUSED_UNTIL = 0; // ms since the epoch; 0 = no pause
const LEVEL = 1; // consecutive throttling episodes, 0 = calm
const LAST_CHANGE = 2; // ms since the epoch of the last level change
const SLOTS = 3;

/** Allocates the shared state; post it to every thread (e.g. in piscina's `workerData`). */
export function createBackoffBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * BigInt64Array.BYTES_PER_ELEMENT);
}

/** Options of {@link SharedBackoff}. */
export type SharedBackoffOptions = {
  /** Scale of one request's own full-jitter window (first retry). @default 100 */
  baseMs?: number;
  /** Upper bound of one request's own wait. @default 20000 */
  capMs?: number;
  /** Pool pause after the first throttling episode; doubles per further episode. @default 500 */
  pauseBaseMs?: number;
  /** Longest pool pause. @default 20000 */
  pauseCapMs?: number;
  /** Quiet time (successes, no throttling) before the level drops by one. @default 2000 */
  decayAfterMs?: number;
  /** Random spread added after a pause so the pool does not restart in lockstep. @default 100 */
  spreadMs?: number;
  /** @default Math.random */
  random?: () => number;
  /** @default Date.now */
  now?: () => number;
};

/** True for answers that should slow the whole pool: throttling codes, 429 and 503. */
export function isPoolThrottle(error: unknown): boolean {
  const classified = classifyS3Error(error);
  return classified.kind === 'throttled' || classified.httpStatus === 503;
}

/**
 * Pool-wide backoff over a shared buffer. Every thread builds its own instance over the same
 * buffer; pass it as `backoff` to createS3Client (and to the transfer retry loop).
 *
 * A throttling answer starts an "episode" unless a pause is already running (answers to requests
 * sent before the pause began belong to the same episode), raising the level by one and pausing
 * the pool for `pauseBaseMs × 2^(level-1)` (capped). Every retry waits at least until the pause
 * ends; new requests can wait for it too ({@link SharedBackoff.pauseRemainingMs}).
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
  readonly #spreadMs: number;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(buffer: SharedArrayBuffer, options: SharedBackoffOptions = {}) {
    if (buffer.byteLength < SLOTS * BigInt64Array.BYTES_PER_ELEMENT) {
      throw new RangeError('the shared backoff buffer is too small: use createBackoffBuffer()');
    }
    this.#state = new BigInt64Array(buffer, 0, SLOTS);
    this.#baseMs = options.baseMs ?? 100;
    this.#capMs = options.capMs ?? 20_000;
    this.#pauseBaseMs = options.pauseBaseMs ?? 500;
    this.#pauseCapMs = options.pauseCapMs ?? 20_000;
    this.#decayAfterMs = options.decayAfterMs ?? 2_000;
    this.#spreadMs = options.spreadMs ?? 100;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /** Current throttling level (0 = calm), shared by every instance over the buffer. */
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

  /** Registers a throttling answer seen now (also called by delayBeforeRetryMs). */
  recordThrottle(): void {
    const now = this.#now();
    const current = Atomics.load(this.#state, PAUSED_UNTIL);
    if (Number(current) > now) return; // same episode: a pause is already running
    const level = Math.min(40, Number(Atomics.load(this.#state, LEVEL)) + 1);
    const pauseMs = Math.min(this.#pauseCapMs, this.#pauseBaseMs * 2 ** (level - 1));
    const until = BigInt(Math.ceil(now + pauseMs));
    // Only the thread that starts the pause raises the level: one episode, one step.
    if (Atomics.compareExchange(this.#state, PAUSED_UNTIL, current, until) !== current) return;
    this.#raiseLevel(now);
  }

  delayBeforeRetryMs(retry: number, error: unknown): number {
    if (isPoolThrottle(error)) this.recordThrottle();
    const window = Math.min(this.#capMs, this.#baseMs * 2 ** Math.max(0, retry - 1));
    const own = Math.floor(this.#random() * window);
    const pause = this.pauseRemainingMs();
    if (pause === 0) return own;
    return Math.max(own, pause + Math.floor(this.#random() * this.#spreadMs));
  }

  recordSuccess(): void {
    const now = this.#now();
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
