// Process-wide rate limits (--bwlimit, --tpslimit), shared by every thread of a pool through the
// throttle buffer (shared-backoff.ts). Each limit is a GCRA cell (the token bucket written as one
// "theoretical arrival time"), so taking from it is a single compare-and-swap whichever thread
// takes: no thread owns the bucket and no message crosses threads.
//
// Two ways to take:
// - `reserve(units)`: bytes. The units are booked at once and the caller sleeps until its booked
//   time; many streams then wait without polling. Lateness of one sleeper does not matter over
//   a transfer, only the average does.
// - `admit()`: requests. A request is let through only when its time has come, and the next one
//   is spaced from the moment it was really let through, so no one-second window ever holds more
//   than the rate (plus the burst) — counted at the server, where the limit is promised. Requests
//   are spaced ADMIT_MARGIN wider than the rate: a request delayed on its way (a new connection,
//   a busy event loop) would otherwise bring the next second's first one into its window.

/** Fields of one rate's cell (BigInt64 each). */
const RATE = 0; // units per second; 0 = no limit
const BURST = 1; // units that may go at once after a quiet spell
const TAT = 2; // theoretical arrival time, µs since the epoch
const FIELDS = 3;

/** The rates a pool shares: bytes moved and requests sent. */
const BYTES = 0;
const REQUESTS = 1;
const RATES = 2;

/** Bytes of the rates region (see createBackoffBuffer). */
export const SHARED_RATES_BYTES = RATES * FIELDS * BigInt64Array.BYTES_PER_ELEMENT;

/**
 * How much wider than the rate requests are spaced: the rate+1th request of a window leaves
 * 1.02 s after the first, so arrivals at the server may shift by 20 ms, at any rate, before a
 * one-second window there holds one request too many. (test/e2e/limits-cli.test.ts counted 21
 * within a second at --tpslimit 20 on a loaded CI machine without it.)
 */
const ADMIT_MARGIN = 0.02;

/** Microseconds since the epoch, comparable across threads (performance.now() is per thread). */
function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

/** Sleeps `us` microseconds (rounded up to whole ms: timers never fire early), or until aborted. */
function sleepUs(us: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.ceil(us / 1000),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One shared rate. Every thread builds its own instance over the same region and sees the same
 * limit; {@link SharedRate.set} changes it for all of them (a --bwlimit timetable).
 */
export class SharedRate {
  readonly #state: BigInt64Array;
  readonly #base: number;

  constructor(state: BigInt64Array, base: number) {
    this.#state = state;
    this.#base = base;
  }

  /** Units per second (0: no limit). */
  get rate(): number {
    return Number(Atomics.load(this.#state, this.#base + RATE));
  }

  /**
   * Sets the limit: `perSecond` units per second (0 or Infinity: none), of which `burst` may go
   * at once after a quiet spell.
   */
  set(perSecond: number, burst = 1): void {
    const rate = Number.isFinite(perSecond) ? Math.max(0, Math.floor(perSecond)) : 0;
    Atomics.store(this.#state, this.#base + BURST, BigInt(Math.max(1, Math.floor(burst))));
    // The clock starts again: a new rate owes nothing to the old one's bookings.
    Atomics.store(this.#state, this.#base + TAT, 0n);
    Atomics.store(this.#state, this.#base + RATE, BigInt(rate));
  }

  /**
   * Books `units` (bytes) and waits until their time. Returns undefined when no wait is needed
   * (no limit, or within the burst), so the common case costs no promise.
   */
  reserve(units: number, signal?: AbortSignal): Promise<void> | undefined {
    const rate = this.rate;
    if (rate === 0 || units <= 0) return undefined;
    const index = this.#base + TAT;
    const costUs = (units * 1e6) / rate;
    const toleranceUs = (Number(Atomics.load(this.#state, this.#base + BURST)) * 1e6) / rate;
    for (;;) {
      const seen = Atomics.load(this.#state, index);
      const now = nowUs();
      const next = Math.max(Number(seen), now) + costUs;
      if (Atomics.compareExchange(this.#state, index, seen, BigInt(Math.ceil(next))) !== seen) {
        continue;
      }
      const waitUs = next - toleranceUs - now;
      return waitUs > 0 ? sleepUs(waitUs, signal) : undefined;
    }
  }

  /**
   * Lets one request through when its time has come. Returns undefined when it may go at once,
   * else a promise that resolves when it may (and has been counted).
   */
  admit(signal?: AbortSignal): Promise<void> | undefined {
    const waitUs = this.#tryAdmit();
    if (waitUs === 0) return undefined;
    return (async () => {
      let wait = waitUs;
      while (wait > 0) {
        await sleepUs(wait, signal);
        wait = this.#tryAdmit();
      }
    })();
  }

  /** Takes one unit if its time has come (0), else the µs to wait before trying again. */
  #tryAdmit(): number {
    const rate = this.rate;
    if (rate === 0) return 0;
    const index = this.#base + TAT;
    const intervalUs = (1e6 / rate) * (1 + ADMIT_MARGIN);
    const toleranceUs = (Number(Atomics.load(this.#state, this.#base + BURST)) - 1) * intervalUs;
    for (;;) {
      const seen = Atomics.load(this.#state, index);
      const now = nowUs();
      const earliest = Number(seen) - toleranceUs;
      if (earliest > now) return earliest - now;
      const next = BigInt(Math.ceil(Math.max(Number(seen), now) + intervalUs));
      if (Atomics.compareExchange(this.#state, index, seen, next) === seen) return 0;
    }
  }
}

/** The pool's two rates over a region of a shared buffer. */
export type SharedRates = { bytes: SharedRate; requests: SharedRate };

/** The rates in `buffer` from `byteOffset` ({@link SHARED_RATES_BYTES} long). */
export function sharedRatesOf(buffer: SharedArrayBuffer, byteOffset: number): SharedRates {
  const state = new BigInt64Array(buffer, byteOffset, RATES * FIELDS);
  return {
    bytes: new SharedRate(state, BYTES * FIELDS),
    requests: new SharedRate(state, REQUESTS * FIELDS),
  };
}
