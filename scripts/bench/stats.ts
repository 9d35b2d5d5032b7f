// Pure helpers of the benchmark harness: medians and ranges of repeated runs, rates, ratios and
// the number formats used in docs/benchmarks.md.

/** Median and range of a set of runs. */
export type Spread = { median: number; min: number; max: number; n: number };

/** Median (mean of the two middle values for an even count), min and max; undefined when empty. */
export function spread(values: readonly number[]): Spread | undefined {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return undefined;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[n - 1]!, n };
}

/** `count / seconds`, or undefined when the time is not positive. */
export function perSecond(count: number, ms: number): number | undefined {
  return ms > 0 ? count / (ms / 1000) : undefined;
}

/** `a / b`, or undefined when either is missing or b is zero. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return a / b;
}

/** A number with thousands separators and a fixed number of decimals (`–` when undefined). */
export function fmt(value: number | undefined, decimals = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

/** Decimals that keep about three significant digits for values of this size. */
export function autoDecimals(value: number): number {
  const abs = Math.abs(value);
  if (abs >= 100) return 0;
  if (abs >= 10) return 1;
  if (abs >= 1) return 2;
  return 3;
}

/** `median (min–max)`, or just the median for one run; `–` when there were none. */
export function fmtSpread(s: Spread | undefined, decimals?: number): string {
  if (s === undefined) return '–';
  const d = decimals ?? autoDecimals(s.median);
  if (s.n === 1 || s.min === s.max) return fmt(s.median, d);
  return `${fmt(s.median, d)} (${fmt(s.min, d)}–${fmt(s.max, d)})`;
}

/** A ratio as `0.93×` (`–` when undefined). */
export function fmtRatio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(2)}×`;
}

/** Bytes as MiB with one decimal below 100 MiB. */
export function fmtMiB(bytes: number | undefined): string {
  if (bytes === undefined) return '–';
  const mib = bytes / 1024 ** 2;
  return fmt(mib, mib < 100 ? 1 : 0);
}

/** Bytes as B, KiB or MiB, about three significant digits (`–` when undefined). */
export function fmtBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  if (bytes < 1024) return `${fmt(bytes)} B`;
  const [value, unit] = bytes < 1024 ** 2 ? [bytes / 1024, 'KiB'] : [bytes / 1024 ** 2, 'MiB'];
  return `${fmt(value, autoDecimals(value))} ${unit}`;
}

/** Scales a count, never below `min`. */
export function scaleCount(count: number, scale: number, min = 1): number {
  return Math.max(min, Math.round(count * scale));
}

/** Scales a size in bytes to whole KiB, never below `minBytes`. */
export function scaleBytes(bytes: number, scale: number, minBytes = 1024): number {
  return Math.max(minBytes, Math.round((bytes * scale) / 1024) * 1024);
}
