// Roots of a local-to-local run for engine unit tests: the real roots (listing, locations),
// with no profile or client behind them.
import { openRoots } from '../../src/engine/roots.ts';
import type { Roots } from '../../src/engine/session.ts';

/** Opens `src` and `dst` (local directories) as a sync's roots. */
export async function localRoots(src: string, dst: string): Promise<Roots> {
  return openRoots(src, dst, {
    config: {
      profile: () => {
        throw new Error('a local run needs no profile');
      },
    },
    clientFor: () => {
      throw new Error('a local run needs no client');
    },
    requests: {},
    onLocalIssue: () => undefined,
  });
}
