// Metrics for scheduled jobs (issue 14 §4) through the built CLI on the local cluster, read back
// as Prometheus would read them (parse-prometheus-text-format): the file written for
// node_exporter, the body a local Pushgateway stand-in received (PUT/POST /metrics/job/<job>),
// and /metrics scraped during a run held slow by a FaultProxy delay. The values must be what the
// run did; no label or body may carry a credential; a failing push must not change the exit code.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli, secretsOf, startCli } from '../helpers/cli.ts';
import { FaultProxy, faults } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { allLabels, parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';
import { createBucket, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-metrics-');
const PUSH_USER = 'pushuser';
const PUSH_SECRET = 'pushSecret-NeverShown-4Kq9';

type Pushed = { method: string; url: string; authorization?: string; body: string };

/** A Pushgateway stand-in: records PUT/POST /metrics/job/<job>{/<label>/<value>} and answers `status`. */
async function pushReceiver(
  status = 200,
): Promise<{ server: Server; url: string; pushed: Pushed[] }> {
  const pushed: Pushed[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const isPushApi =
        (request.method === 'PUT' || request.method === 'POST') &&
        /^\/metrics\/job\/[^/]+(\/[^/]+\/[^/]*)*$/.test(request.url ?? '');
      if (isPushApi) {
        pushed.push({
          method: request.method ?? '',
          url: request.url ?? '',
          ...(request.headers.authorization === undefined
            ? {}
            : { authorization: request.headers.authorization }),
          body: Buffer.concat(chunks).toString('utf8'),
        });
      }
      response.writeHead(isPushApi ? status : 404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, pushed };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

const objects = { 'a.txt': 'alpha', 'dir/b.txt': 'bravo!!', 'dir/c.bin': randomBytes(10 * 1024) };
const BYTES = 5 + 7 + 10 * 1024;

for (const target of testTargets()) {
  describe(`metrics, built CLI, on ${target.name}`, () => {
    const a: S3Client = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    let bucket = '';
    let env: NodeJS.ProcessEnv = {};
    let secrets: string[] = [];

    before(async () => {
      bucket = await createBucket(a, 'metrics');
      await seed(
        a,
        bucket,
        Object.fromEntries(Object.entries(objects).map(([k, v]) => [`src/${k}`, v])),
      );
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
      });
      secrets = [...secretsOf(env), PUSH_SECRET];
    });

    after(async () => {
      await removeBucket(a, bucket);
      a.destroy();
    });

    it('--metrics-textfile and --metrics-push: both hold what the run did, no credential', async () => {
      const dir = freshDir('textfile');
      const file = join(dir, 's3ferry.prom');
      const receiver = await pushReceiver();
      const pushUrl = receiver.url.replace('//', `//${PUSH_USER}:${PUSH_SECRET}@`);
      try {
        const src = `s3+a://${bucket}/src/`;
        const dst = `s3+a://${bucket}/dst/`;
        const run = await runCli(
          env,
          [
            'sync',
            src,
            dst,
            '-q',
            '--metrics-textfile',
            file,
            '--metrics-push',
            pushUrl,
            '--metrics-job',
            'nightly-e2e',
            '--metrics-push-interval',
            '0',
          ],
          { secrets },
        );
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        assert.equal(run.stderr, '');
        // No temp file left next to the .prom file (it was renamed into place).
        assert.deepEqual(readdirSync(dir), ['s3ferry.prom']);

        assert.equal(receiver.pushed.length, 1);
        const push = receiver.pushed[0]!;
        assert.equal(push.method, 'PUT');
        assert.equal(push.url, '/metrics/job/nightly-e2e');
        assert.equal(
          push.authorization,
          `Basic ${Buffer.from(`${PUSH_USER}:${PUSH_SECRET}`).toString('base64')}`,
        );

        for (const [where, text] of [
          ['textfile', readFileSync(file, 'utf8')],
          ['push', push.body],
        ] as const) {
          for (const secret of secrets)
            assert.ok(!text.includes(secret), `${where} holds a secret`);
          const f = parsePrometheusText(text);
          const v = (name: string, labels?: Record<string, string>) => sampleValue(f, name, labels);
          assert.equal(v('s3ferry_objects_total', { result: 'copied' }), 3, where);
          assert.equal(v('s3ferry_objects_total', { result: 'skipped' }), 0, where);
          assert.equal(v('s3ferry_objects_total', { result: 'failed' }), 0, where);
          assert.equal(v('s3ferry_bytes_total', { result: 'copied' }), BYTES, where);
          assert.equal(v('s3ferry_listed_keys_total', { side: 'source' }), 3, where);
          assert.equal(v('s3ferry_exit_status'), 0, where);
          assert.equal(v('s3ferry_running'), 0, where);
          assert.ok((v('s3ferry_requests_total', { operation: 'ListObjectsV2' }) ?? 0) >= 1, where);
          const lastSuccess = v('s3ferry_last_success_timestamp_seconds') ?? 0;
          assert.ok(Math.abs(lastSuccess - Date.now() / 1000) < 120, `${where}: ${lastSuccess}`);
          for (const labels of allLabels(f)) {
            assert.equal(labels.src, src, where);
            assert.equal(labels.dst, dst, where);
          }
        }
      } finally {
        receiver.server.close();
      }
    });

    it('a push the Pushgateway refuses: one warning line, the exit code unchanged', async () => {
      const receiver = await pushReceiver(500);
      try {
        const run = await runCli(
          env,
          [
            'sync',
            `s3+a://${bucket}/src/`,
            `s3+a://${bucket}/dst2/`,
            '-q',
            '--metrics-push',
            receiver.url,
          ],
          { secrets },
        );
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        const lines = run.stderr.split('\n').filter((line) => line !== '');
        assert.equal(lines.length, 1, run.stderr);
        assert.match(
          lines[0]!,
          /^s3ferry: warning: --metrics-push to http:\/\/127\.0\.0\.1:\d+\/ failed: the Pushgateway answered 500; the run goes on \(its exit code is unchanged\)$/,
        );
        assert.equal(receiver.pushed.length, 1);
      } finally {
        receiver.server.close();
      }
    });

    it('answers by status and retries: what the proxy did, counted once, across threads', async () => {
      const proxy = await FaultProxy.start(target.endpoints[0]);
      try {
        // Two 500s and a reset on writes: three retries, every answer counted once.
        proxy.failNext(2, faults.internalError(), (req) => req.method === 'PUT');
        proxy.failNext(1, faults.reset(), (req) => req.method === 'PUT');
        const faultEnv = cliEnv(freshDir('home-faults'), {
          a: { endpoint: proxy.url, user: target.users[0] },
        });
        const file = join(freshDir('faults'), 's3ferry.prom');
        const run = await runCli(
          faultEnv,
          [
            'sync',
            `s3+a://${bucket}/src/`,
            `s3+a://${bucket}/dst-faults/`,
            '-q',
            '--workers',
            '2',
            '--metrics-textfile',
            file,
          ],
          { secrets },
        );
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        const f = parsePrometheusText(readFileSync(file, 'utf8'));
        const v = (name: string, labels?: Record<string, string>) => sampleValue(f, name, labels);
        assert.equal(v('s3ferry_responses_total', { status: '500' }), 2);
        assert.equal(v('s3ferry_responses_total', { status: 'error' }), 1);
        assert.equal(v('s3ferry_retries_total'), 3);
        const answered = (f.get('s3ferry_responses_total')?.metrics ?? []).reduce(
          (sum, sample) => sum + Number(sample.value),
          0,
        );
        assert.equal(answered, proxy.count(), 'every request the proxy saw, once');
        assert.equal(v('s3ferry_objects_total', { result: 'copied' }), 3);
      } finally {
        await proxy.close();
      }
    });

    it('--metrics-addr: /metrics scraped during a slow run shows it running, with its labels', async () => {
      const proxy = await FaultProxy.start(target.endpoints[0]);
      const port = await freePort();
      try {
        // Every copy (a server-side CopyObject: a PUT under dst3/) waits 1.5 s, one at a time:
        // the run lasts long enough to be scraped.
        proxy.addRule({
          match: (req) => req.method === 'PUT' && req.path.includes('/dst3/'),
          fault: { kind: 'delay', ms: 1500 },
        });
        const slowEnv = cliEnv(freshDir('home-slow'), {
          a: { endpoint: proxy.url, user: target.users[0] },
        });
        const src = `s3+a://${bucket}/src/`;
        const dst = `s3+a://${bucket}/dst3/`;
        const cli = startCli(
          slowEnv,
          [
            'sync',
            src,
            dst,
            '-q',
            '--workers',
            '1',
            '--tasks-per-worker',
            '1',
            '--metrics-addr',
            `127.0.0.1:${port}`,
          ],
          { secrets },
        );
        let scraped: string | undefined;
        const state = { ended: false };
        void cli.done.then(() => (state.ended = true));
        while (!state.ended && scraped === undefined) {
          try {
            const answer = await fetch(`http://127.0.0.1:${port}/metrics`);
            if (answer.status === 200) scraped = await answer.text();
          } catch {
            // Not listening yet.
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const run = await cli.done;
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        assert.ok(scraped !== undefined, 'never scraped during the run');
        const f = parsePrometheusText(scraped);
        assert.equal(sampleValue(f, 's3ferry_running'), 1);
        assert.equal(f.has('s3ferry_exit_status'), false);
        for (const labels of allLabels(f)) assert.equal(labels.src, src);
        // The server closed with the run.
        await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`));
      } finally {
        await proxy.close();
      }
    });
  });
}
