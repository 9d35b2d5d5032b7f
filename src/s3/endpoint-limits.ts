// Adaptive concurrency per S3 endpoint, shared by every thread of a pool: the number of requests
// in flight to one endpoint shrinks multiplicatively when it throttles (SlowDown, 503, 429, the
// vendor codes) and grows back by one per round of answers (AIMD, as TCP does with its
// congestion window). Unlike a pool-wide pause, the pool keeps working at the rate the server
// takes; other errors (500, resets, timeouts) are retried per request and never shrink it.
//
// The limit moves once per round: about `limit` answers (at least 32), one round trip of the
// pool. A round cuts when more than a tenth of its answers were throttling, and grows otherwise.
// An overloaded server throttles a large share of what it is sent, so it is cut within a round;
// a steady few percent of stray SlowDowns (a noisy neighbour, a proxy's random faults) are
// retried without starving the pool — each single answer cutting the limit took a run with 2 %
// SlowDowns and a few stalled requests down to four requests in flight, all of them stalled
// (measured: 2× the fault-free wall; docs/benchmarks.md). Client-side throttling by the share of
// refused requests rather than by any one refusal is what Google's SRE book describes too.
//
// The state lives in a SharedArrayBuffer region (the pool's throttle buffer, shared-backoff.ts),
// one slot per endpoint claimed by the hash of its key, so each worker thread's own client for
// the same endpoint counts against the same limit.
import type { ProfileSpec } from '../shared/profile.ts';

/** Fields of one endpoint's slot (BigInt64 each). */
const KEY = 0; // 64-bit hash of the endpoint key; 0 = free slot
const LIMIT = 1;
const IN_FLIGHT = 2;
const ROUND_ANSWERS = 3; // answers (throttling or not) in the current round
const ROUND_THROTTLES = 4;
const THROTTLES = 5; // throttling answers seen
const DECREASES = 6;
const LOWEST = 7; // lowest limit reached
const FIELDS = 8;

/** Endpoints one pool can track; a run talks to two or three. */
export const ENDPOINT_SLOTS = 32;

/** Bytes of the limits region (see createBackoffBuffer). */
export const ENDPOINT_LIMITS_BYTES = ENDPOINT_SLOTS * FIELDS * BigInt64Array.BYTES_PER_ELEMENT;

/**
 * The ceiling: higher than any pool's own concurrency, so an endpoint that never throttles is not
 * limited at all — the pool's task and socket counts are.
 */
export const MAX_LIMIT = 4096;

/**
 * The floor. Throttling answers that do not depend on load (a proxy's random faults, a noisy
 * neighbour) must not starve the run; the per-request backoff still spaces the retries.
 */
export const MIN_LIMIT = 4;

/** Multiplicative decrease: the limit after a throttling round, as a share of the requests in flight. */
export const DECREASE_FACTOR = 0.7;

/** Share of a round's answers that must be throttling for the round to cut the limit. */
export const THROTTLE_SHARE = 0.1;

/** Answers per round: the limit, within these bounds. */
export const MIN_ROUND = 32;
export const MAX_ROUND = 256;

/** How long a waiting request sleeps before it looks again if no slot was released. */
const WAIT_SLICE_MS = 50;

/** Atomics.waitAsync (Node ≥ 16; typed only from TypeScript's es2024 lib). */
type WaitAsync = (
  array: BigInt64Array,
  index: number,
  value: bigint,
  timeoutMs: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync: WaitAsync = (array, index, value, timeoutMs) =>
  (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(array, index, value, timeoutMs);

function noop(): void {
  // The keep-alive timer's callback.
}

/** The error of an attempt cancelled while it waited for a slot, shaped as the SDK's. */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

/** The key of the endpoint a profile's requests go to. */
export function endpointKeyOf(spec: Pick<ProfileSpec, 'endpointUrl' | 'region'>): string {
  return spec.endpointUrl ?? `aws:${spec.region}`;
}

/** FNV-1a over the key, 64 bits, never 0 (0 marks a free slot). */
function hashKey(key: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= BigInt(key.charCodeAt(i));
    hash = BigInt.asIntN(64, hash * 0x100000001b3n);
  }
  return hash === 0n ? 1n : hash;
}

/** One endpoint's state as the progress display and the report show it. */
export type EndpointLimitState = {
  /** Requests allowed in flight now. */
  limit: number;
  inFlight: number;
  /** Throttling answers seen since the pool started. */
  throttles: number;
  /** Times the limit was cut. */
  decreases: number;
  /** The lowest limit reached. */
  lowest: number;
};

/**
 * The limit of one endpoint. `acquire()` before sending an attempt, `release()` when its answer's
 * headers arrived (or it failed); `onThrottle`/`onSuccess` count answers, and each round of them
 * adapts the limit.
 */
export class AdaptiveLimit {
  readonly #state: BigInt64Array;
  readonly #base: number;

  constructor(state: BigInt64Array, base: number) {
    this.#state = state;
    this.#base = base;
  }

  #load(field: number): number {
    return Number(Atomics.load(this.#state, this.#base + field));
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return this.#load(LIMIT);
  }

  /** Takes a slot, waiting (without blocking the thread) while the endpoint is at its limit. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const index = this.#base + IN_FLIGHT;
    for (;;) {
      const inFlight = Atomics.load(this.#state, index);
      if (Number(inFlight) < this.limit) {
        if (Atomics.compareExchange(this.#state, index, inFlight, inFlight + 1n) === inFlight) {
          return;
        }
        continue;
      }
      if (signal?.aborted === true) throw abortError(signal);
      // Woken by a release in any thread, or after a slice (a raised limit notifies no one).
      const waited = waitAsync(this.#state, index, inFlight, WAIT_SLICE_MS);
      if (!waited.async) continue;
      // waitAsync's own timeout does not keep the event loop alive; this timer does.
      const keepAlive = setTimeout(noop, 2 * WAIT_SLICE_MS);
      await waited.value;
      clearTimeout(keepAlive);
    }
  }

  /** Gives a slot back and wakes one waiting request. */
  release(): void {
    Atomics.sub(this.#state, this.#base + IN_FLIGHT, 1n);
    Atomics.notify(this.#state, this.#base + IN_FLIGHT, 1);
  }

  /** A throttling answer (SlowDown, 503, 429, a vendor code). */
  onThrottle(): void {
    Atomics.add(this.#state, this.#base + THROTTLES, 1n);
    Atomics.add(this.#state, this.#base + ROUND_THROTTLES, 1n);
    this.#answer();
  }

  /** An answer that shows the server coping (any status below 500). */
  onSuccess(): void {
    this.#answer();
  }

  /** Counts an answer; the answer that completes a round adapts the limit. */
  #answer(): void {
    const answers = Atomics.add(this.#state, this.#base + ROUND_ANSWERS, 1n) + 1n;
    const limit = this.limit;
    const round = Math.max(MIN_ROUND, Math.min(limit, MAX_ROUND));
    if (answers < BigInt(round)) return;
    // One thread closes the round: the one whose count reset it.
    const roundIndex = this.#base + ROUND_ANSWERS;
    if (Atomics.compareExchange(this.#state, roundIndex, answers, 0n) !== answers) return;
    const throttles = Atomics.exchange(this.#state, this.#base + ROUND_THROTTLES, 0n);
    if (Number(throttles) > THROTTLE_SHARE * Number(answers)) this.#cut(limit);
    else if (limit < MAX_LIMIT) Atomics.add(this.#state, this.#base + LIMIT, 1n);
  }

  #cut(limit: number): void {
    // Cut from what was really in flight: a limit far above the pool's own concurrency would
    // otherwise take several rounds before it slowed anything.
    const base = Math.min(limit, this.#load(IN_FLIGHT) + 1);
    const next = BigInt(Math.max(MIN_LIMIT, Math.floor(base * DECREASE_FACTOR)));
    Atomics.store(this.#state, this.#base + LIMIT, next);
    Atomics.add(this.#state, this.#base + DECREASES, 1n);
    const lowest = this.#base + LOWEST;
    for (;;) {
      const seen = Atomics.load(this.#state, lowest);
      if (seen <= next) break;
      if (Atomics.compareExchange(this.#state, lowest, seen, next) === seen) break;
    }
  }

  /** The state, for progress and the report. */
  snapshot(): EndpointLimitState {
    return {
      limit: this.limit,
      inFlight: this.#load(IN_FLIGHT),
      throttles: this.#load(THROTTLES),
      decreases: this.#load(DECREASES),
      lowest: this.#load(LOWEST),
    };
  }
}

/**
 * The limits of every endpoint, over a shared region: each thread builds its own instance over
 * the same buffer and gets the same slot for the same endpoint key.
 *
 * @example
 * const limits = new EndpointLimits(buffer, offset); // offset: where the region starts
 * const limit = limits.for(endpointKeyOf(spec));
 * await limit.acquire(signal); try { … } finally { limit.release(); }
 */
export class EndpointLimits {
  readonly #state: BigInt64Array;
  readonly #known = new Map<string, AdaptiveLimit>();

  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    if (buffer.byteLength < byteOffset + ENDPOINT_LIMITS_BYTES) {
      throw new RangeError('the endpoint limits region does not fit the buffer');
    }
    this.#state = new BigInt64Array(buffer, byteOffset, ENDPOINT_SLOTS * FIELDS);
  }

  /** The limit of `endpointKey`, claiming its slot on first use in any thread. */
  for(endpointKey: string): AdaptiveLimit {
    const known = this.#known.get(endpointKey);
    if (known !== undefined) return known;
    const limit = new AdaptiveLimit(this.#state, this.#claim(endpointKey));
    this.#known.set(endpointKey, limit);
    return limit;
  }

  /** The state of `endpointKey`'s limit, if any thread has used it. */
  stateOf(endpointKey: string): EndpointLimitState | undefined {
    const base = this.#find(hashKey(endpointKey));
    return base === undefined ? undefined : new AdaptiveLimit(this.#state, base).snapshot();
  }

  /** Slot bases in probing order for `hash` (open addressing, linear probing). */
  *#probe(hash: bigint): Generator<number> {
    const start = Number(BigInt.asUintN(64, hash) % BigInt(ENDPOINT_SLOTS));
    for (let probe = 0; probe < ENDPOINT_SLOTS; probe += 1) {
      yield ((start + probe) % ENDPOINT_SLOTS) * FIELDS;
    }
  }

  #find(hash: bigint): number | undefined {
    for (const base of this.#probe(hash)) {
      const key = Atomics.load(this.#state, base + KEY);
      if (key === hash) return base;
      if (key === 0n) return undefined;
    }
    return undefined;
  }

  #claim(endpointKey: string): number {
    const hash = hashKey(endpointKey);
    for (const base of this.#probe(hash)) {
      const previous = Atomics.compareExchange(this.#state, base + KEY, 0n, hash);
      if (previous === 0n) {
        // Fields are zero until the claim: a thread that finds the key before they are set
        // reads limit 0 and waits one slice, no more.
        Atomics.store(this.#state, base + LOWEST, BigInt(MAX_LIMIT));
        Atomics.store(this.#state, base + LIMIT, BigInt(MAX_LIMIT));
        return base;
      }
      if (previous === hash) return base;
    }
    throw new RangeError(`more than ${ENDPOINT_SLOTS} endpoints in one pool`);
  }
}
