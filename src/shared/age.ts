// --min-age/--max-age arguments: a duration back from now (`7d`, `36h`) or an ISO date
// (`2026-01-31`, `2026-01-31T12:00:00Z`), resolved to one instant so the whole run compares
// against the same cutoff.
import { parseDuration } from './duration.ts';
import { usageError } from './errors.ts';

/** An ISO 8601 date, with an optional time: what `Date.parse` reads the same everywhere. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * The instant (ms since the epoch) an age argument names: `nowMs` minus a duration, or the date.
 * @throws S3FerryError (kind `usage`) naming the flag and the value.
 * @example parseAgeCutoff('7d', '--max-age', Date.parse('2026-01-08T00:00:00Z')) // 2026-01-01
 */
export function parseAgeCutoff(text: string, flag: string, nowMs: number): number {
  const trimmed = text.trim();
  if (ISO_DATE.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (!Number.isNaN(ms)) return ms;
  } else if (/^[\d.]+[smhd]|^0+$/.test(trimmed)) {
    try {
      return nowMs - parseDuration(trimmed, flag);
    } catch {
      // Reported below with the date form named too.
    }
  }
  throw usageError(
    `${flag}: invalid age '${text}'`,
    'use a duration (30m, 36h, 7d) or an ISO date (2026-01-31, 2026-01-31T12:00:00Z)',
  );
}
