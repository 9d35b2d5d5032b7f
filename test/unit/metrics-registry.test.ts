// The metrics registry built from a summary or a progress snapshot, read back with a Prometheus
// text-format parser: the values a dashboard would show.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncSummary } from '../../src/engine/events.ts';
import { buildRegistry } from '../../src/metrics/registry.ts';
import { metricsOptionsOf } from '../../src/metrics/options.ts';
import { allLabels, parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';

function summary(overrides: Partial<SyncSummary> = {}): SyncSummary {
  return {
    status: 'partial',
    src: 's3+src://bucket/data/',
    dst: 's3+dst://backup/data/',
    mode: 'default',
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 12_345,
    objects: {
      listed: 100,
      listedDestination: 7,
      copied: 90,
      skipped: 6,
      failed: 4,
      cancelled: 0,
      extraneous: 3,
      deleted: 2,
      deleteFailed: 1,
      sourcesDeleted: 0,
      wouldCopy: 0,
      wouldDelete: 0,
      unverified: 0,
      byMethod: { 'server-side': 90 },
    },
    bytes: { copied: 9000, listed: 10_000, wouldCopy: 0, skipped: 700, failed: 300 },
    checksumFallbacks: 0,
    requests: { ListObjectsV2: 3, CopyObject: 95 },
    requestsTotal: 98,
    responses: { '200': 90, '503': 5, error: 3 },
    retries: 8,
    clientCacheMode: 'thread_local',
    clientsBuilt: {},
    clientsBuiltByThread: {},
    workers: 2,
    failures: [],
    isFailureListTruncated: false,
    isDryRun: false,
    shouldDelete: true,
    deleteFailures: [],
    throttling: [
      {
        endpoint: 'http://s3.local:8000',
        throttles: 5,
        decreases: 2,
        lowestLimit: 4,
        finalLimit: 8,
      },
    ],
    ...overrides,
  };
}

const base = { src: 's3+src://bucket/data/', dst: 's3+dst://backup/data/', startedAtSeconds: 1000 };

async function familiesOf(input: Parameters<typeof buildRegistry>[0]) {
  return parsePrometheusText(await buildRegistry(input).metrics());
}

describe('buildRegistry', () => {
  it("a finished run: the summary's counts, requests, throttles, duration and exit status", async () => {
    const f = await familiesOf({
      ...base,
      nowSeconds: 1013,
      end: { summary: summary(), exitCode: 1 },
    });
    const v = (name: string, labels?: Record<string, string>) => sampleValue(f, name, labels);
    assert.equal(v('s3ferry_objects_total', { result: 'copied' }), 90);
    assert.equal(v('s3ferry_objects_total', { result: 'skipped' }), 6);
    assert.equal(v('s3ferry_objects_total', { result: 'failed' }), 4);
    assert.equal(v('s3ferry_objects_total', { result: 'deleted' }), 2);
    assert.equal(v('s3ferry_bytes_total', { result: 'copied' }), 9000);
    assert.equal(v('s3ferry_bytes_total', { result: 'skipped' }), 700);
    assert.equal(v('s3ferry_bytes_total', { result: 'failed' }), 300);
    assert.equal(v('s3ferry_responses_total', { status: '200' }), 90);
    assert.equal(v('s3ferry_responses_total', { status: '503' }), 5);
    assert.equal(v('s3ferry_responses_total', { status: 'error' }), 3);
    assert.equal(v('s3ferry_retries_total'), 8);
    assert.equal(v('s3ferry_listed_keys_total', { side: 'source' }), 100);
    assert.equal(v('s3ferry_listed_keys_total', { side: 'destination' }), 7);
    assert.equal(v('s3ferry_requests_total', { operation: 'CopyObject' }), 95);
    assert.equal(v('s3ferry_requests_total', { operation: 'ListObjectsV2' }), 3);
    assert.equal(v('s3ferry_throttles_total', { endpoint: 'http://s3.local:8000' }), 5);
    assert.equal(v('s3ferry_run_duration_seconds'), 12.345);
    assert.equal(v('s3ferry_run_start_timestamp_seconds'), 1000);
    assert.equal(v('s3ferry_exit_status'), 1);
    assert.equal(v('s3ferry_running'), 0);
    assert.equal(f.get('s3ferry_objects_total')?.type, 'COUNTER');
    // Exit 1: no new success; none known before, so no timestamp at all.
    assert.equal(f.has('s3ferry_last_success_timestamp_seconds'), false);
    for (const labels of allLabels(f)) {
      assert.equal(labels.src, 's3+src://bucket/data/');
      assert.equal(labels.dst, 's3+dst://backup/data/');
    }
  });

  it('the last success: now after exit 0, else the earlier one kept', async () => {
    const ok = await familiesOf({
      ...base,
      nowSeconds: 1013,
      end: { summary: summary({ status: 'ok' }), exitCode: 0 },
    });
    assert.equal(sampleValue(ok, 's3ferry_last_success_timestamp_seconds'), 1013);
    const failed = await familiesOf({
      ...base,
      nowSeconds: 1013,
      end: { exitCode: 3 },
      lastSuccessSeconds: 500,
    });
    assert.equal(sampleValue(failed, 's3ferry_last_success_timestamp_seconds'), 500);
    assert.equal(sampleValue(failed, 's3ferry_exit_status'), 3);
  });

  it('during a run: the progress counts, running 1, no exit status yet', async () => {
    const f = await familiesOf({
      ...base,
      nowSeconds: 1005,
      progress: {
        objectsListed: 50,
        objectsDone: 20,
        copied: 15,
        skipped: 4,
        failed: 1,
        objectsToCopy: 40,
        bytesToCopy: 4000,
        bytesCopied: 1500,
        isListingDone: false,
        elapsedMs: 5000,
      },
    });
    assert.equal(sampleValue(f, 's3ferry_objects_total', { result: 'copied' }), 15);
    assert.equal(sampleValue(f, 's3ferry_bytes_total', { result: 'copied' }), 1500);
    assert.equal(sampleValue(f, 's3ferry_listed_keys_total', { side: 'source' }), 50);
    assert.equal(sampleValue(f, 's3ferry_running'), 1);
    assert.equal(sampleValue(f, 's3ferry_run_duration_seconds'), 5);
    assert.equal(f.has('s3ferry_exit_status'), false);
  });
});

describe('metricsOptionsOf', () => {
  it('no metrics flag: no metrics', () => {
    assert.equal(metricsOptionsOf({}), undefined);
  });

  it("the push URL's credentials become a header, never part of the URL", () => {
    const options = metricsOptionsOf({ metricsPush: 'http://ops:s3cr%2Ft@gw:9091/' });
    assert.ok(options?.push);
    assert.equal(options.push.url, 'http://gw:9091/');
    assert.equal(options.push.password, 's3cr/t');
    assert.equal(
      options.push.authorization,
      `Basic ${Buffer.from('ops:s3cr/t').toString('base64')}`,
    );
    assert.equal(options.job, 's3ferry');
    assert.equal(options.pushIntervalMs, 30_000);
  });

  it('bad values: usage errors naming the flag', () => {
    const cases: [Parameters<typeof metricsOptionsOf>[0], RegExp][] = [
      [{ metricsPush: 'gw:9091' }, /^--metrics-push: invalid URL 'gw:9091'$/],
      [{ metricsAddr: '9464' }, /^--metrics-addr: invalid address '9464'$/],
      [{ metricsAddr: 'localhost:70000' }, /^--metrics-addr: invalid address/],
      [{ metricsTextfile: 'out.txt' }, /^--metrics-textfile: 'out.txt' does not end in \.prom$/],
      [
        { metricsPush: 'http://gw:9091', metricsJob: 'a/b' },
        /^--metrics-job: invalid name 'a\/b'$/,
      ],
      [
        { metricsPush: 'http://gw:9091', metricsPushInterval: '10' },
        /^--metrics-push-interval: invalid duration '10'$/,
      ],
      [{ metricsJob: 'nightly' }, /^--metrics-job shape/],
    ];
    for (const [flags, message] of cases) {
      assert.throws(
        () => metricsOptionsOf(flags),
        (error: Error & { kind?: string }) => {
          assert.match(error.message, message);
          assert.equal(error.kind, 'usage');
          return true;
        },
      );
    }
  });
});
