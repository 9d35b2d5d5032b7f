// Durations on the command line (`--older-than 36h`) and ages in output (`3h12m`). Pure.
import { usageError } from './errors.ts';
import type { S3FerryError } from './errors.ts';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const UNIT_MS: Record<string, number> = { s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };

/**
 * Milliseconds of a duration argument: one or more `<number><unit>` with the units `s m h d`
 * (`30m`, `36h`, `7d`, `1d12h`, `1.5h`), or `0`. A bare number other than 0 is refused: minutes
 * or hours would be a guess.
 * @throws S3FerryError (kind `usage`) naming the flag and the value.
 * @example parseDuration('36h', '--older-than') // 129600000
 */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  if (/^0+$/.test(trimmed)) return 0;
  const invalid = (): S3FerryError =>
    usageError(
      `${flag}: invalid duration '${text}'`,
      'use a number with a unit: 30m, 36h, 7d, 1d12h (s, m, h, d), or 0',
    );
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(trimmed)) throw invalid();
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) {
    ms += Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
  }
  const rounded = Math.round(ms);
  if (!Number.isSafeInteger(rounded)) throw invalid();
  return rounded;
}

/**
 * An age in its two largest units, truncated: `42s`, `5m`, `12m5s`, `3h12m`, `2d`, `2d3h`; `0s`
 * for less than a second (and for negative ages).
 * @example formatAge(3 * 3_600_000 + 12 * 60_000 + 59_000) // '3h12m'
 */
export function formatAge(ms: number): string {
  const units: [string, number][] = [
    ['d', DAY_MS],
    ['h', HOUR_MS],
    ['m', MINUTE_MS],
    ['s', SECOND_MS],
  ];
  let rest = Math.max(0, Math.floor(ms));
  const first = units.findIndex(([, size]) => rest >= size);
  if (first === -1) return '0s';
  let text = '';
  for (const [unit, size] of units.slice(first, first + 2)) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || text === '') text += `${n}${unit}`;
  }
  return text;
}
