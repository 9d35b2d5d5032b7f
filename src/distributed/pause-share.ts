// Throttling seen by one worker slows every worker of the job. Each process keeps its own
// pool-wide pause (s3/shared-backoff.ts: SlowDown/503/429 pause every thread, doubling per
// episode, relaxing after quiet time); a distributed job also shares it through one Redis key
// (`s3ferry:job:NAME:pause`, the end of the pause in ms since the epoch, expiring with it). On
// every range tick a worker publishes a pause of its own that outlasts the shared one, and holds
// its pool until the shared one ends. Holding does not raise the level: only the worker that saw
// the throttling escalates, and everyone recovers when the key expires. The adaptive concurrency
// of issue 12 replaces the pause itself.

/** What one tick does: publish the local pause's end, hold the pool until the shared one's. */
export type PauseExchange = { publish?: number; hold?: number };

/**
 * @param localUntil when this process's pause ends (0 or past: none)
 * @param sharedUntil when the job's shared pause ends (0 or past: none)
 * @param published the last end this process published
 */
export function exchangePause(
  localUntil: number,
  sharedUntil: number,
  published: number,
  now: number,
): PauseExchange {
  const out: PauseExchange = {};
  if (localUntil > now && localUntil > sharedUntil && localUntil > published) {
    out.publish = localUntil;
  }
  if (sharedUntil > now && sharedUntil > localUntil) out.hold = sharedUntil;
  return out;
}
