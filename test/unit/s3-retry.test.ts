import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { classifyS3Error } from '../../src/s3/classify.ts';
import { BudgetRetryStrategy, createRetryStats, fullJitterBackoff } from '../../src/s3/retry.ts';
import type { Backoff, RetryStats } from '../../src/s3/retry.ts';
import { failure } from '../helpers/failure.ts';

type Answer = { status: number; code?: string } | { throw: Error };

const slowDown: Answer = { status: 503, code: 'SlowDown' };
const ok: Answer = { status: 200 };
const noWait: Backoff = { delayBeforeRetryMs: () => 0 };

/** A real S3Client whose requests are answered from a script (no network); counts requests. */
function scriptedClient(
  script: (n: number) => Answer,
  options: { maxRetries: number; backoff?: Backoff; stats?: RetryStats },
): { client: S3Client; sent: () => number } {
  let sent = 0;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    retryStrategy: new BudgetRetryStrategy({ backoff: noWait, ...options }),
    // The SDK warns on console about unretried stream uploads; keep test output clean.
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    requestHandler: {
      handle: () => {
        sent += 1;
        const answer = script(sent);
        if ('throw' in answer) return Promise.reject(answer.throw);
        const body =
          answer.code === undefined
            ? ''
            : `<?xml version="1.0"?><Error><Code>${answer.code}</Code><Message>m</Message></Error>`;
        return Promise.resolve({
          response: {
            statusCode: answer.status,
            headers: { 'content-type': 'application/xml' },
            body: Readable.from([Buffer.from(body)]),
          },
        });
      },
    },
  });
  return { client, sent: () => sent };
}

const get = (): GetObjectCommand => new GetObjectCommand({ Bucket: 'b', Key: 'k' });

describe('BudgetRetryStrategy', () => {
  it('sends a request exactly maxRetries + 1 times when the server keeps answering SlowDown', async () => {
    const stats = createRetryStats();
    const { client, sent } = scriptedClient(() => slowDown, { maxRetries: 3, stats });
    const error = classifyS3Error(await failure(client.send(get())));
    assert.equal(sent(), 4);
    assert.deepEqual(stats, { requests: 1, attempts: 4, retries: 3, throttled: 3 });
    assert.equal(error.code, 'SlowDown');
    assert.match(error.message, /after 4 attempts/);
  });

  it('succeeds when the server recovers within the budget', async () => {
    const { client, sent } = scriptedClient((n) => (n <= 2 ? slowDown : ok), { maxRetries: 2 });
    await client.send(get());
    assert.equal(sent(), 3);
  });

  it('sends once with a budget of zero', async () => {
    const { client, sent } = scriptedClient(() => slowDown, { maxRetries: 0 });
    await failure(client.send(get()));
    assert.equal(sent(), 1);
  });

  it('does not retry an error a retry cannot fix (AccessDenied)', async () => {
    const stats = createRetryStats();
    const { client, sent } = scriptedClient(() => ({ status: 403, code: 'AccessDenied' }), {
      maxRetries: 5,
      stats,
    });
    await failure(client.send(get()));
    assert.equal(sent(), 1);
    assert.equal(stats.retries, 0);
  });

  it('retries a connection reset', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const { client, sent } = scriptedClient((n) => (n === 1 ? { throw: reset } : ok), {
      maxRetries: 1,
    });
    await client.send(get());
    assert.equal(sent(), 2);
  });

  it('retries 5xx and InternalError', async () => {
    const answers: Answer[] = [{ status: 500, code: 'InternalError' }, { status: 502 }, ok];
    const { client, sent } = scriptedClient((n) => answers[n - 1] ?? ok, { maxRetries: 5 });
    await client.send(get());
    assert.equal(sent(), 3);
  });

  it('keeps the full budget for every request: there is no shared retry quota', async () => {
    // The SDK's standard strategy allows ~100 retries per client (500-token bucket) before it
    // stops retrying; a pool of failing requests must not drain each other's budget.
    const { client, sent } = scriptedClient(() => slowDown, { maxRetries: 10 });
    for (let i = 0; i < 30; i += 1) await failure(client.send(get()));
    assert.equal(sent(), 30 * 11);
  });

  it('asks the backoff for each retry number and waits that long', async () => {
    const asked: number[] = [];
    const backoff: Backoff = {
      delayBeforeRetryMs: (retry) => {
        asked.push(retry);
        return 5;
      },
    };
    const { client } = scriptedClient((n) => (n <= 3 ? slowDown : ok), { maxRetries: 3, backoff });
    const started = performance.now();
    const out = await client.send(get());
    assert.deepEqual(asked, [1, 2, 3]);
    assert.ok(performance.now() - started >= 14, 'waited the backoff');
    assert.equal(out.$metadata.attempts, 4);
  });

  it('tells a shared backoff about successes', async () => {
    let successes = 0;
    const backoff: Backoff = {
      delayBeforeRetryMs: () => 0,
      recordSuccess: () => {
        successes += 1;
      },
    };
    const { client } = scriptedClient(() => ok, { maxRetries: 1, backoff });
    await client.send(get());
    await client.send(get());
    assert.equal(successes, 2);
  });

  it('does not retry an upload whose body is a stream (the SDK cannot rewind it)', async () => {
    const { client, sent } = scriptedClient(() => slowDown, { maxRetries: 3 });
    const body = Readable.from([Buffer.from('data')]);
    await failure(
      client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body, ContentLength: 4 })),
    );
    assert.equal(sent(), 1);
  });

  it('rejects a negative or fractional budget', () => {
    assert.throws(() => new BudgetRetryStrategy({ maxRetries: -1 }), RangeError);
    assert.throws(() => new BudgetRetryStrategy({ maxRetries: 1.5 }), RangeError);
  });
});

describe('fullJitterBackoff', () => {
  it('doubles the window per retry from the base, up to the cap', () => {
    const backoff = fullJitterBackoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 });
    const delays = [1, 2, 3, 4, 5, 6].map((r) => backoff.delayBeforeRetryMs(r, undefined));
    assert.deepEqual(delays, [99, 199, 399, 799, 999, 999]);
  });

  it('draws uniformly from zero (full jitter)', () => {
    const backoff = fullJitterBackoff({ baseMs: 100, random: () => 0 });
    assert.equal(backoff.delayBeforeRetryMs(5, undefined), 0);
  });

  it('defaults to a 100 ms base and a 20 s cap', () => {
    const backoff = fullJitterBackoff({ random: () => 0.999999 });
    assert.equal(backoff.delayBeforeRetryMs(1, undefined), 99);
    assert.equal(backoff.delayBeforeRetryMs(30, undefined), 19999);
  });
});
