// The run's metrics as a prom-client registry, built afresh from a snapshot (a progress event
// during the run, the summary at its end): every push, file write and scrape shows one moment.
import { Counter, Gauge, Registry } from 'prom-client';
import type { ProgressSnapshot, SyncSummary } from '../engine/events.ts';

/** What a registry is built from: the latest progress, and once the run ended its summary. */
export type RunMetricsInput = {
  /** SRC and DST as given, without credentials (the CLI masks them before). */
  src: string;
  dst: string;
  /** Seconds since the epoch when the run started. */
  startedAtSeconds: number;
  /** Seconds since the epoch now. */
  nowSeconds: number;
  progress?: ProgressSnapshot;
  /** The run's end: its summary (absent when an error stopped it) and the exit code. */
  end?: { summary?: SyncSummary; exitCode: number };
  /** The last successful run's end (seconds since the epoch), kept from before when known. */
  lastSuccessSeconds?: number;
};

function counter(registry: Registry, name: string, help: string, labelNames: string[] = []) {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []) {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/** The registry of one moment of a run; every metric carries the labels src and dst. */
export function buildRegistry(input: RunMetricsInput): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ src: input.src, dst: input.dst });
  const summary = input.end?.summary;
  const progress = input.progress;

  const objects = counter(registry, 's3ferry_objects_total', 'Objects by result', ['result']);
  const bytes = counter(registry, 's3ferry_bytes_total', 'Bytes by result', ['result']);
  const listed = counter(registry, 's3ferry_listed_keys_total', 'Keys listed', ['side']);
  if (summary !== undefined) {
    const o = summary.objects;
    const results: [string, number][] = [
      ['copied', o.copied],
      ['skipped', o.skipped],
      ['failed', o.failed],
      ['deleted', o.deleted],
      ['delete_failed', o.deleteFailed],
      ['sources_deleted', o.sourcesDeleted],
    ];
    for (const [result, n] of results) objects.inc({ result }, n);
    bytes.inc({ result: 'copied' }, summary.bytes.copied);
    bytes.inc({ result: 'skipped' }, summary.bytes.skipped);
    bytes.inc({ result: 'failed' }, summary.bytes.failed);
    listed.inc({ side: 'source' }, o.listed);
    listed.inc({ side: 'destination' }, o.listedDestination);
  } else if (progress !== undefined) {
    objects.inc({ result: 'copied' }, progress.copied);
    objects.inc({ result: 'skipped' }, progress.skipped);
    objects.inc({ result: 'failed' }, progress.failed);
    bytes.inc({ result: 'copied' }, progress.bytesCopied);
    listed.inc({ side: 'source' }, progress.objectsListed);
  }

  const requests = counter(
    registry,
    's3ferry_requests_total',
    'HTTP requests sent, by S3 operation, retries included',
    ['operation'],
  );
  for (const [operation, n] of Object.entries(summary?.requests ?? {})) {
    requests.inc({ operation }, n);
  }
  const responses = counter(
    registry,
    's3ferry_responses_total',
    'HTTP answers by status code (error: none came: reset, refused, timed out)',
    ['status'],
  );
  for (const [status, n] of Object.entries(summary?.responses ?? {})) {
    responses.inc({ status }, n);
  }
  const retries = counter(registry, 's3ferry_retries_total', 'Retries of requests and of copies');
  if (summary !== undefined) retries.inc(summary.retries);
  const throttles = counter(
    registry,
    's3ferry_throttles_total',
    'Throttling answers (SlowDown, 503, 429), retries included, by endpoint',
    ['endpoint'],
  );
  const endpoints = summary?.throttling ?? progress?.concurrency ?? [];
  for (const { endpoint, throttles: n } of endpoints) throttles.inc({ endpoint }, n);

  const elapsedSeconds =
    summary !== undefined
      ? summary.durationMs / 1000
      : progress !== undefined
        ? progress.elapsedMs / 1000
        : Math.max(0, input.nowSeconds - input.startedAtSeconds);
  gauge(registry, 's3ferry_run_duration_seconds', 'Seconds the run took (so far)').set(
    elapsedSeconds,
  );
  gauge(registry, 's3ferry_run_start_timestamp_seconds', 'When the run started').set(
    input.startedAtSeconds,
  );
  gauge(registry, 's3ferry_running', '1 while the run goes on, 0 once it ended').set(
    input.end === undefined ? 1 : 0,
  );
  if (input.end !== undefined) {
    gauge(registry, 's3ferry_exit_status', 'The exit code of the run (0: success)').set(
      input.end.exitCode,
    );
  }
  const lastSuccess = input.end?.exitCode === 0 ? input.nowSeconds : input.lastSuccessSeconds;
  if (lastSuccess !== undefined) {
    gauge(
      registry,
      's3ferry_last_success_timestamp_seconds',
      'When a run of this job last ended with exit code 0',
    ).set(lastSuccess);
  }
  return registry;
}
