// --bwlimit and --tpslimit of a run: checked, then set on the pool's shared rates
// (src/s3/shared-rate.ts) before the first request, and for a bandwidth timetable changed at each
// of its times (local time, as rclone's `08:00,10MiB 20:00,off`).
import { usageError } from '../shared/errors.ts';
import type { SharedRates } from '../s3/shared-rate.ts';

/** From `minuteOfDay` (local time, 0–1439) on, `bytesPerSecond` (0: no limit). */
export type BandwidthSlot = { minuteOfDay: number; bytesPerSecond: number };

/** Bytes per second for the whole process (0: none), or a daily timetable of them. */
export type BandwidthLimit = number | readonly BandwidthSlot[];

/** The rate options of a run (SyncOptions carries them under these names). */
export type RateLimitOptions = {
  /** `--bwlimit`: bytes per second moved through this process, all threads together. */
  bwlimit?: BandwidthLimit;
  /** `--tpslimit`: HTTP requests per second sent by this process, all threads together. */
  tpslimit?: number;
  /** `--tpslimit-burst`: requests that may go at once after a quiet spell. @default 1 */
  tpslimitBurst?: number;
};

/** The most any rate can be set to; beyond it a limit limits nothing on any link. */
const MAX_RATE = 2 ** 48;
const MAX_BURST = 100_000;

function checkRate(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_RATE) {
    throw usageError(`${what} must be a whole number of at least 0 (0: no limit), got ${value}`);
  }
}

/**
 * The options as given, checked.
 * @throws S3FerryError (kind `usage`, exit 2) naming the flag.
 */
export function checkRateLimits(options: RateLimitOptions): void {
  const { bwlimit, tpslimit, tpslimitBurst } = options;
  if (typeof bwlimit === 'number') checkRate(bwlimit, 'the bandwidth limit (--bwlimit)');
  else if (bwlimit !== undefined) {
    if (bwlimit.length === 0) throw usageError('--bwlimit: the timetable has no entries');
    let previous = -1;
    for (const slot of bwlimit) {
      const { minuteOfDay } = slot;
      if (!Number.isInteger(minuteOfDay) || minuteOfDay < 0 || minuteOfDay > 1439) {
        throw usageError(
          `--bwlimit: a timetable time must be 00:00–23:59, got minute ${minuteOfDay}`,
        );
      }
      if (minuteOfDay <= previous) {
        throw usageError('--bwlimit: the timetable times must rise through the day');
      }
      previous = minuteOfDay;
      checkRate(slot.bytesPerSecond, 'the bandwidth limit (--bwlimit)');
    }
  }
  if (tpslimit !== undefined) checkRate(tpslimit, 'the request rate limit (--tpslimit)');
  if (tpslimitBurst !== undefined) {
    if (!Number.isSafeInteger(tpslimitBurst) || tpslimitBurst < 1 || tpslimitBurst > MAX_BURST) {
      throw usageError(
        `the request burst (--tpslimit-burst) must be a whole number from 1 to ${MAX_BURST}, got ${tpslimitBurst}`,
      );
    }
    if (tpslimit === undefined || tpslimit === 0) {
      throw usageError(
        '--tpslimit-burst shapes --tpslimit, which was not given',
        'add --tpslimit N',
      );
    }
  }
}

/** The entry of `timetable` in force at `at` (local time): the last one begun, else yesterday's last. */
function slotAt(timetable: readonly BandwidthSlot[], at: Date): BandwidthSlot {
  const minute = at.getHours() * 60 + at.getMinutes();
  let current = timetable[timetable.length - 1] as BandwidthSlot;
  for (const slot of timetable) if (slot.minuteOfDay <= minute) current = slot;
  return current;
}

/** Bytes per second in force at `at` (0: none). */
export function bandwidthAt(limit: BandwidthLimit, at: Date): number {
  return typeof limit === 'number' ? limit : slotAt(limit, at).bytesPerSecond;
}

/** Milliseconds from `at` to the next change of `timetable` (at most a day). */
export function msToNextChange(timetable: readonly BandwidthSlot[], at: Date): number {
  const minute = at.getHours() * 60 + at.getMinutes();
  const next = timetable.find((slot) => slot.minuteOfDay > minute) ?? timetable[0];
  const nextMinute = (next as BandwidthSlot).minuteOfDay;
  const minutesAhead = nextMinute > minute ? nextMinute - minute : 24 * 60 - minute + nextMinute;
  const secondsIn = at.getSeconds() + at.getMilliseconds() / 1000;
  return Math.max(1, Math.round((minutesAhead * 60 - secondsIn) * 1000));
}

function setBandwidth(rates: SharedRates, bytesPerSecond: number): void {
  // A tenth of a second's bytes may go at once: smooth at the scale of a progress bar.
  rates.bytes.set(bytesPerSecond, Math.max(1, Math.floor(bytesPerSecond / 10)));
}

/**
 * Sets `rates` from the options, and follows a bandwidth timetable until the returned function
 * is called (its timer never keeps the process alive).
 */
export function applyRateLimits(
  rates: SharedRates,
  options: RateLimitOptions,
  now: () => Date = () => new Date(),
): () => void {
  if (options.tpslimit !== undefined) rates.requests.set(options.tpslimit, options.tpslimitBurst);
  const { bwlimit } = options;
  if (bwlimit === undefined) return () => undefined;
  setBandwidth(rates, bandwidthAt(bwlimit, now()));
  if (typeof bwlimit === 'number') return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const follow = (): void => {
    const at = now();
    setBandwidth(rates, bandwidthAt(bwlimit, at));
    timer = setTimeout(follow, msToNextChange(bwlimit, at));
    timer.unref();
  };
  timer = setTimeout(follow, msToNextChange(bwlimit, now()));
  timer.unref();
  return () => {
    clearTimeout(timer);
  };
}
