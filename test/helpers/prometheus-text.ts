// Prometheus text format read back with a parser library (parse-prometheus-text-format), so the
// tests check what Prometheus would read, not what our own code wrote.
import { createRequire } from 'node:module';

type Sample = { value: string; labels?: Record<string, string> };
type Family = { name: string; type: string; metrics: Sample[] };

const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => Family[];

/** The families of `text`, by name. */
export function parsePrometheusText(text: string): Map<string, Family> {
  return new Map(parse(text).map((family) => [family.name, family]));
}

/** The value of the sample of `name` whose labels include `labels` (undefined: none). */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const sample = families
    .get(name)
    ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample === undefined ? undefined : Number(sample.value);
}

/** Every label set of every sample in `families`. */
export function allLabels(families: Map<string, Family>): Record<string, string>[] {
  return [...families.values()].flatMap((f) => f.metrics.map((m) => m.labels ?? {}));
}
