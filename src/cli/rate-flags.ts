// --bwlimit and --tpslimit on the command line (rclone's syntax): a rate (`10MiB`, `512k`,
// `off`), or a daily timetable of them (`08:00,10MiB 20:00,off`, local time). Pure.
import type { BandwidthLimit, BandwidthSlot } from '../engine/rate-limits.ts';
import { usageError } from '../shared/errors.ts';
import { parseSize } from './size.ts';

const RATE_HINT =
  'use bytes per second such as 10MiB, 512k or off, or a timetable: "08:00,10MiB 20:00,off"';

/** Bytes per second of one rate (`off` and `0`: no limit). */
function parseRate(text: string): number {
  const trimmed = text.trim().replace(/\/s$/, '');
  if (/^off$/i.test(trimmed)) return 0;
  try {
    return parseSize(trimmed, '--bwlimit');
  } catch {
    throw usageError(`--bwlimit: invalid rate '${text}'`, RATE_HINT);
  }
}

/** `HH:MM,RATE` → a timetable entry. */
function parseSlot(entry: string): BandwidthSlot {
  const match = /^(\d{1,2}):(\d{2}),(.+)$/.exec(entry);
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (match === null || hours > 23 || minutes > 59) {
    throw usageError(`--bwlimit: invalid timetable entry '${entry}'`, RATE_HINT);
  }
  return { minuteOfDay: hours * 60 + minutes, bytesPerSecond: parseRate(match[3] ?? '') };
}

/**
 * The value of --bwlimit.
 * @throws S3FerryError (kind `usage`, exit 2) naming the flag and the value.
 * @example parseBandwidthLimit('10MiB') // 10485760
 * @example parseBandwidthLimit('08:00,10MiB 20:00,off') // [{ minuteOfDay: 480, … }, …]
 */
export function parseBandwidthLimit(text: string): BandwidthLimit {
  const entries = text.trim().split(/\s+/);
  if (entries.length === 1 && !entries[0]?.includes(',')) return parseRate(text);
  const slots = entries.map(parseSlot).sort((a, b) => a.minuteOfDay - b.minuteOfDay);
  for (let i = 1; i < slots.length; i += 1) {
    if (slots[i]?.minuteOfDay === slots[i - 1]?.minuteOfDay) {
      throw usageError(`--bwlimit: the timetable names the same time twice in '${text}'`);
    }
  }
  return slots;
}

/**
 * A whole number of requests per second (--tpslimit, `off`/0: none) or of requests in a burst.
 * @throws S3FerryError (kind `usage`, exit 2) naming the flag and the value.
 */
export function parseRequestRate(text: string, flag: string): number {
  const trimmed = text.trim();
  if (flag === '--tpslimit' && /^off$/i.test(trimmed)) return 0;
  if (!/^\d{1,15}$/.test(trimmed)) {
    throw usageError(
      `${flag}: invalid number '${text}'`,
      flag === '--tpslimit'
        ? 'use a whole number of requests per second, e.g. 100, or off'
        : 'use a whole number, e.g. 10',
    );
  }
  return Number(trimmed);
}
