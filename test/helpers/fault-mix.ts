// A mix of faults at a fixed rate, for soak tests and the fault bench: each request a proxy sees
// draws one seeded number and gets at most one fault, each kind with an equal share of `rate`.
import { faults, seededRandom } from './fault-proxy.ts';
import type { ActiveRule, Fault, FaultProxy, ProxiedRequest } from './fault-proxy.ts';

/** The fault kinds of a mix. `stall` holds a request for `stallMs` before forwarding it. */
export type FaultKind =
  'slowDown' | 'internalError' | 'resetMidBody' | 'truncate' | 'stall' | 'drop';

/** The five kinds of issue 12's fault table: 503 SlowDown, 500, reset mid-body, truncation, a stall. */
export const TABLE_KINDS: readonly FaultKind[] = [
  'slowDown',
  'internalError',
  'resetMidBody',
  'truncate',
  'stall',
];

/** Options of {@link addFaultMix}. */
export type FaultMixOptions = {
  /** Share of requests that get a fault, all kinds together (0.1 = 10 %). */
  rate: number;
  kinds: readonly FaultKind[];
  /** Seed of the draw: the same seed picks the same arrivals. @default 1 */
  seed?: number;
  /** How long a `stall` holds its request. @default 4000 */
  stallMs?: number;
  /** Only requests this accepts may get a fault. */
  match?: (req: ProxiedRequest) => boolean;
};

function faultOf(kind: FaultKind, stallMs: number): Fault {
  return kind === 'stall' ? faults.delay(stallMs) : faults[kind]();
}

/**
 * Adds the mix to `proxy`: one rule per kind, matched by a single draw per request, so each kind
 * hits `rate / kinds.length` of the requests. Returns the rules (their `hits` count the faults).
 */
export function addFaultMix(proxy: FaultProxy, options: FaultMixOptions): ActiveRule[] {
  const random = seededRandom(options.seed ?? 1);
  const share = options.rate / options.kinds.length;
  // The draw of the request being matched, taken when the first rule looks at it.
  let drawnFor = -1;
  let draw = 1;
  const drawOf = (req: ProxiedRequest): number => {
    if (req.seq !== drawnFor) {
      drawnFor = req.seq;
      draw = random();
    }
    return draw;
  };
  return options.kinds.map((kind, index) =>
    proxy.addRule({
      match: (req) => {
        if (options.match !== undefined && !options.match(req)) return false;
        const d = drawOf(req);
        return d >= index * share && d < (index + 1) * share;
      },
      fault: faultOf(kind, options.stallMs ?? 4_000),
    }),
  );
}

/** Faults injected so far by a mix, by kind. */
export function faultCounts(
  kinds: readonly FaultKind[],
  rules: readonly ActiveRule[],
): Record<string, number> {
  return Object.fromEntries(kinds.map((kind, i) => [kind, rules[i]?.hits ?? 0]));
}
