// Parses size arguments such as `8MiB`, `64M`, `5GiB`, `1048576` (megfile/Kubernetes quantities:
// `Ki Mi Gi Ti` are powers of 1024, `k K M G T` powers of 1000; a trailing `B` is accepted).
import { usageError } from '../shared/errors.ts';

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/**
 * Bytes of a size argument.
 * @throws S3FerryError (kind `usage`) naming the flag and the value.
 * @example parseSize('8MiB', '--part-size') // 8388608
 */
export function parseSize(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKMGT]i?)?B?\s*$/.exec(text);
  const unit = UNITS[match?.[2] ?? ''];
  if (match === null || unit === undefined) {
    throw usageError(
      `${flag}: invalid size '${text}'`,
      'use bytes or a number with a unit: 8MiB, 64Mi, 5GiB, 100M (Ki/Mi/Gi/Ti = 1024-based)',
    );
  }
  return Math.round(Number(match[1]) * unit);
}

/** Human-readable bytes: `0 B`, `1.5 KiB`, `12.0 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return i === 0 ? `${value} B` : `${value.toFixed(1)} ${units[i] ?? ''}`;
}
