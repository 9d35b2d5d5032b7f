// Failure handling against every real S3 target, with the fault-injecting proxy in front of it:
// the exact retry budget (503 SlowDown, 500, resets, stalls), what is not retried, GET-only
// redirects, and TLS verification (an https proxy with a self-signed certificate).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { classifyS3Error } from '../../src/s3/classify.ts';
import { createS3Client, profileWarnings } from '../../src/s3/client.ts';
import type { CreateS3ClientOptions } from '../../src/s3/client.ts';
import { FIRST_BYTE_MIN_SAMPLES } from '../../src/s3/first-byte-deadline.ts';
import { createRetryStats, fullJitterBackoff } from '../../src/s3/retry.ts';
import type { RetryStats } from '../../src/s3/retry.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import { FaultProxy, faults } from '../helpers/fault-proxy.ts';
import { failure } from '../helpers/failure.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';

// A self-signed CA certificate for 127.0.0.1 (valid until 2126), used as the server certificate
// of the https proxy. Test-only key material.
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJM7dcwJbS11L+kqe
LBv5eimzDh471AmCwCq47Mt4k0KhRANCAAQzG2qMt2Udv8fnY2zFOQ9ZoWibFW0/
hPSV+z/0ri3oa+am4FUvVwf88nWP2GuUob1PC2pm4YJBASV420CTKVzI
-----END PRIVATE KEY-----
`;
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBtjCCAV2gAwIBAgIUYi1hHvubYxr7ZX4ZB8QSlxXDzbswCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPczNmZXJyeSB0ZXN0IENBMCAXDTI2MTEyNTEwNTc0M1oYDzIx
MjYxMTAxMTA1NzQzWjAaMRgwFgYDVQQDDA9zM2ZlcnJ5IHRlc3QgQ0EwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQzG2qMt2Udv8fnY2zFOQ9ZoWibFW0/hPSV+z/0
ri3oa+am4FUvVwf88nWP2GuUob1PC2pm4YJBASV420CTKVzIo38wfTAdBgNVHQ4E
FgQUBGqcmImUz67UkCM/yf3ai4MX2mgwHwYDVR0jBBgwFoAUBGqcmImUz67UkCM/
yf3ai4MX2mgwGgYDVR0RBBMwEYcEfwAAAYIJbG9jYWxob3N0MA8GA1UdEwEB/wQF
MAMBAf8wDgYDVR0PAQH/BAQDAgKEMAoGCCqGSM49BAMCA0cAMEQCIGd3ESiuvZu+
VbsLUTlweY1UxK7zeXPPPAzIwpJaM3YNAiBwkeCECXhBE21viqKX0usK0zYFpkea
ztJd35nfeQSOqw==
-----END CERTIFICATE-----
`;

/** A stall far longer than the first-byte deadline (about a second after the warm-up). */
const STALL_MS = 20_000;

function specFor(target: TestTarget, overrides: Partial<ProfileSpec> = {}): ProfileSpec {
  return targetSpec(target, { name: 'flaky', maxRetryTimes: 3, ...overrides });
}

async function bytesOf(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

for (const target of testTargets()) {
  describe(`failures against ${target.name}, through a fault-injecting proxy`, () => {
    const direct = createS3Client(specFor(target));
    const bucket = uniqueBucket('faults');
    const body = randomBytes(20_000);
    let proxy: FaultProxy;
    let stats: RetryStats;
    const clients: S3Client[] = [];

    /** A client for the proxy, with fast backoff; destroyed after the test. */
    function viaProxy(
      overrides: Partial<ProfileSpec> = {},
      options: CreateS3ClientOptions = {},
    ): S3Client {
      const client = createS3Client(specFor(target, { endpointUrl: proxy.url, ...overrides }), {
        backoff: fullJitterBackoff({ baseMs: 1, capMs: 5 }),
        stats,
        ...options,
      });
      clients.push(client);
      return client;
    }

    before(async () => {
      await direct.send(new CreateBucketCommand({ Bucket: bucket }));
      await direct.send(new PutObjectCommand({ Bucket: bucket, Key: 'seed.bin', Body: body }));
      proxy = await FaultProxy.start(target.endpoints[0]);
    });

    beforeEach(() => {
      proxy.clearRules();
      proxy.clearLog();
      stats = createRetryStats();
    });

    afterEach(() => {
      for (const client of clients.splice(0)) client.destroy();
    });

    after(async () => {
      await proxy.close();
      await removeBucket(direct, bucket);
      direct.destroy();
    });

    describe('retries', () => {
      it('retries 503 SlowDown and succeeds: 2 failures + 1 success = 3 requests', async () => {
        proxy.failNext(2, faults.slowDown());
        const data = randomBytes(3000);
        await viaProxy().send(new PutObjectCommand({ Bucket: bucket, Key: 'retried', Body: data }));
        assert.equal(proxy.count({ method: 'PUT', path: `/${bucket}/retried` }), 3);
        assert.deepEqual(stats, { requests: 1, attempts: 3, retries: 2, throttled: 2 });
        assert.deepEqual(await bytesOf(direct, bucket, 'retried'), data);
      });

      it('gives up on a persistent 503 after exactly maxRetryTimes + 1 requests', async () => {
        proxy.failAlways(faults.slowDown());
        const raw = await failure(
          viaProxy({ maxRetryTimes: 3 }).send(
            new GetObjectCommand({ Bucket: bucket, Key: 'seed.bin' }),
          ),
        );
        assert.equal(proxy.count({ method: 'GET', path: `/${bucket}/seed.bin` }), 4);
        const error = classifyS3Error(raw, { spec: specFor(target), bucket, key: 'seed.bin' });
        assert.equal(error.kind, 'throttled');
        assert.equal(error.code, 'SlowDown');
        assert.equal(error.retryable, true);
        assert.equal(error.httpStatus, 503);
        assert.equal(error.message, 'Please reduce your request rate. (after 4 attempts)');
      });

      it('sends a request once when maxRetryTimes is 0', async () => {
        proxy.failAlways(faults.slowDown());
        await failure(
          viaProxy({ maxRetryTimes: 0 }).send(
            new GetObjectCommand({ Bucket: bucket, Key: 'seed.bin' }),
          ),
        );
        assert.equal(proxy.count({ method: 'GET' }), 1);
      });

      it('retries a 500 InternalError', async () => {
        proxy.failNext(1, faults.internalError());
        assert.deepEqual(await bytesOf(viaProxy(), bucket, 'seed.bin'), body);
        assert.equal(proxy.count({ method: 'GET' }), 2);
      });

      it('retries a connection reset and returns the right bytes', async () => {
        proxy.failNext(1, faults.reset());
        assert.deepEqual(await bytesOf(viaProxy(), bucket, 'seed.bin'), body);
        assert.equal(proxy.count({ method: 'GET', action: 'reset' }), 1);
        assert.equal(proxy.count({ method: 'GET', action: 'forward' }), 1);
      });

      it('retries a stalled request once its socket times out', async () => {
        proxy.failNext(1, faults.delay(3000));
        const client = viaProxy({}, { socketTimeoutMs: 300 });
        assert.deepEqual(await bytesOf(client, bucket, 'seed.bin'), body);
        assert.equal(proxy.count({ method: 'GET' }), 2);
        assert.equal(stats.retries, 1);
      });

      it('cuts a stall once the endpoint has answered a few requests, and retries at once', async () => {
        const client = viaProxy();
        for (let i = 0; i < FIRST_BYTE_MIN_SAMPLES; i += 1) {
          await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'seed.bin' }));
        }
        proxy.failNext(1, faults.delay(STALL_MS));
        assert.deepEqual(await bytesOf(client, bucket, 'seed.bin'), body);
        const gets = proxy.requests.filter((r) => r.method === 'GET');
        assert.equal(gets.length, 2);
        assert.equal(gets[0]!.action, 'delay');
        assert.ok(
          gets[1]!.atMs - gets[0]!.atMs < STALL_MS / 2,
          `the retry came ${Math.round(gets[1]!.atMs - gets[0]!.atMs)} ms after the stalled GET`,
        );
        assert.equal(stats.retries, 1);
      });

      it('does not retry AccessDenied', async () => {
        proxy.failAlways({ kind: 'error', status: 403, code: 'AccessDenied', message: 'no' });
        const raw = await failure(
          viaProxy().send(new GetObjectCommand({ Bucket: bucket, Key: 'seed.bin' })),
        );
        assert.equal(proxy.count({ method: 'GET' }), 1);
        assert.equal(classifyS3Error(raw).kind, 'permission');
      });

      it('does not retry an upload from a stream (the SDK cannot rewind it)', async () => {
        proxy.failNext(1, faults.slowDown());
        const data = randomBytes(1000);
        const raw = await failure(
          viaProxy().send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: 'streamed',
              Body: Readable.from([data]),
              ContentLength: data.length,
            }),
          ),
        );
        assert.equal(proxy.count({ method: 'PUT' }), 1);
        assert.equal(classifyS3Error(raw).code, 'SlowDown');
      });
    });

    describe('redirects', () => {
      before(async () => {
        // Readable without credentials: a redirect to another host drops the Authorization header.
        await direct.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: 'public.txt',
            Body: 'public bytes',
            ACL: 'public-read',
          }),
        );
      });

      it('follows a GET redirect to the real server when redirect is on', async () => {
        proxy.failAlways(faults.redirect(307), (r) => r.method === 'GET');
        const client = viaProxy({ redirect: true });
        assert.equal((await bytesOf(client, bucket, 'public.txt')).toString(), 'public bytes');
        assert.equal(proxy.count({ method: 'GET', action: 'redirect' }), 1);
      });

      it('does not follow a GET redirect when redirect is off, and says which setting turns it on', async () => {
        proxy.failAlways(faults.redirect(307), (r) => r.method === 'GET');
        const raw = await failure(
          viaProxy({ redirect: false }).send(
            new GetObjectCommand({ Bucket: bucket, Key: 'public.txt' }),
          ),
        );
        const error = classifyS3Error(raw, { spec: specFor(target), bucket, key: 'public.txt' });
        assert.equal(error.code, 'TemporaryRedirect');
        assert.equal(error.httpStatus, 307);
        assert.match(error.hint ?? '', /set FLAKY__AWS_S3_REDIRECT=true/);
        assert.equal(proxy.count({ method: 'GET' }), 1);
      });

      it('never follows a redirect of a PUT, even when redirect is on', async () => {
        proxy.failAlways(faults.redirect(307), (r) => r.method === 'PUT');
        await failure(
          viaProxy({ redirect: true }).send(
            new PutObjectCommand({ Bucket: bucket, Key: 'not-redirected', Body: 'x' }),
          ),
        );
        assert.equal(proxy.count({ method: 'PUT' }), 1);
        const raw = await failure(
          direct.send(new HeadObjectCommand({ Bucket: bucket, Key: 'not-redirected' })),
        );
        assert.equal(classifyS3Error(raw).code, 'NotFound');
      });
    });

    describe('TLS', () => {
      let tlsProxy: FaultProxy;
      let dir = '';
      let caFile = '';

      before(async () => {
        tlsProxy = await FaultProxy.start(target.endpoints[0], {
          tls: { key: TLS_KEY, cert: TLS_CERT },
        });
        dir = mkdtempSync(join(tmpdir(), 's3ferry-tls-'));
        caFile = join(dir, 'ca.pem');
        writeFileSync(caFile, TLS_CERT);
      });

      after(async () => {
        await tlsProxy.close();
        rmSync(dir, { recursive: true, force: true });
      });

      it('refuses an untrusted certificate at once, naming the CA bundle and verify settings', async () => {
        const spec = specFor(target, { endpointUrl: tlsProxy.url });
        const client = createS3Client(spec, { stats });
        clients.push(client);
        const raw = await failure(
          client.send(new GetObjectCommand({ Bucket: bucket, Key: 'seed.bin' })),
        );
        const error = classifyS3Error(raw, { spec, bucket, key: 'seed.bin' });
        assert.equal(error.kind, 'network');
        assert.equal(error.fatal, true);
        assert.match(error.code, /SELF_SIGNED|UNABLE_TO_VERIFY/);
        assert.match(error.hint ?? '', /FLAKY__AWS_CA_BUNDLE.*FLAKY__AWS_S3_VERIFY=false/);
        assert.equal(stats.attempts, 1);
      });

      it("trusts the server's CA from the CA bundle", async () => {
        const client = createS3Client(
          specFor(target, { endpointUrl: tlsProxy.url, caBundle: caFile }),
        );
        clients.push(client);
        assert.deepEqual(await bytesOf(client, bucket, 'seed.bin'), body);
      });

      it('connects without verification when verify is off, and warns about it', async () => {
        const spec = specFor(target, { endpointUrl: tlsProxy.url, verify: false });
        const client = createS3Client(spec);
        clients.push(client);
        assert.deepEqual(await bytesOf(client, bucket, 'seed.bin'), body);
        assert.equal(profileWarnings(spec).length, 1);
      });
    });
  });
}
