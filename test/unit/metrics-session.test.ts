// A run's metrics session against a local Pushgateway stand-in and a temp .prom file: POSTs of
// the progress during the run, a PUT of the final state after exit 0, a POST after a failed run
// that keeps the earlier success's timestamp, and one warning for a push that fails.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startMetrics } from '../../src/metrics/session.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';

const pushed: { method: string; url: string; body: string }[] = [];
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  request.on('end', () => {
    pushed.push({ method: request.method ?? '', url: request.url ?? '', body });
    response.end();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const dir = mkdtempSync(join(tmpdir(), 's3ferry-metrics-session-'));

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const progress = {
  kind: 'progress' as const,
  objectsListed: 10,
  objectsDone: 4,
  copied: 3,
  skipped: 1,
  failed: 0,
  objectsToCopy: 9,
  bytesToCopy: 900,
  bytesCopied: 300,
  isListingDone: false,
  elapsedMs: 1000,
};

describe('startMetrics', () => {
  it('pushes the progress during the run (POST), the end of a successful run with PUT', async () => {
    pushed.length = 0;
    const file = join(dir, 'ok.prom');
    const warnings: string[] = [];
    const session = await startMetrics(
      { job: 'nightly', pushIntervalMs: 30, push: { url: `${gateway}/` }, textfile: file },
      { src: 's3://a/', dst: 's3://b/', warn: (m) => warnings.push(m), redact: (t) => t },
    );
    session.onEvent(progress);
    while (!pushed.some((p) => p.method === 'POST')) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const during = parsePrometheusText(pushed.find((p) => p.method === 'POST')!.body);
    assert.equal(sampleValue(during, 's3ferry_objects_total', { result: 'copied' }), 3);
    assert.equal(sampleValue(during, 's3ferry_running'), 1);
    await session.finish({ exitCode: 0 });
    const last = pushed.at(-1)!;
    assert.equal(last.method, 'PUT');
    assert.equal(last.url, '/metrics/job/nightly');
    assert.equal(sampleValue(parsePrometheusText(last.body), 's3ferry_exit_status'), 0);
    assert.deepEqual(warnings, []);
    const written = parsePrometheusText(readFileSync(file, 'utf8'));
    assert.equal(sampleValue(written, 's3ferry_running'), 0);
    assert.ok(sampleValue(written, 's3ferry_last_success_timestamp_seconds') !== undefined);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.includes('.tmp')),
      [],
    );
  });

  it("a failed run POSTs and keeps the earlier success's timestamp in the file", async () => {
    pushed.length = 0;
    const file = join(dir, 'ok.prom');
    const before = sampleValue(
      parsePrometheusText(readFileSync(file, 'utf8')),
      's3ferry_last_success_timestamp_seconds',
    );
    const session = await startMetrics(
      { job: 'nightly', pushIntervalMs: 0, push: { url: gateway }, textfile: file },
      { src: 's3://a/', dst: 's3://b/', warn: () => undefined, redact: (t) => t },
    );
    await session.finish({ exitCode: 1 });
    assert.deepEqual(
      pushed.map((p) => p.method),
      ['POST'],
    );
    const written = parsePrometheusText(readFileSync(file, 'utf8'));
    assert.equal(sampleValue(written, 's3ferry_exit_status'), 1);
    assert.equal(sampleValue(written, 's3ferry_last_success_timestamp_seconds'), before);
  });

  it('a push nobody answers: one warning, finish still resolves', async () => {
    const warnings: string[] = [];
    const session = await startMetrics(
      { job: 'nightly', pushIntervalMs: 0, push: { url: 'http://127.0.0.1:1/' } },
      { src: 's3://a/', dst: 's3://b/', warn: (m) => warnings.push(m), redact: (t) => t },
    );
    await session.finish({ exitCode: 0 });
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /^--metrics-push to http:\/\/127\.0\.0\.1:1\/ failed: .*the run goes on/,
    );
  });
});
