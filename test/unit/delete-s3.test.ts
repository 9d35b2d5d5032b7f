// deleteS3Keys with a stub HTTP layer (no network): batches of at most 1,000 keys in Quiet mode
// with Content-MD5, per-key refusals returned per key, a failed batch's keys reported with the
// request's error code while later batches still run, and fatal errors thrown.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { deleteS3Keys } from '../../src/s3/delete.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';
import { failure } from '../helpers/failure.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

type Sent = { method: string; headers: Record<string, string>; body: unknown };
type Answer = { status: number; body: string };

/** Replaces the client's HTTP layer: `answer` gets the keys of each request. */
function stub(client: S3Client, answer: (keys: string[]) => Answer): Sent[] {
  const sent: Sent[] = [];
  const handler = {
    handle: (request: Sent) => {
      sent.push(request);
      const body = typeof request.body === 'string' ? request.body : String(request.body);
      const keys = [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1] ?? '');
      const { status, body: out } = answer(keys);
      return Promise.resolve({
        response: {
          statusCode: status,
          headers: { 'content-type': 'application/xml' },
          body: Readable.from([Buffer.from(out)]),
        },
      });
    },
  };
  (client.config as unknown as { requestHandler: typeof handler }).requestHandler = handler;
  return sent;
}

const ok = (): Answer => ({ status: 200, body: '<DeleteResult></DeleteResult>' });
const s3Error = (status: number, code: string): Answer => ({
  status,
  body: `<Error><Code>${code}</Code><Message>${code}!</Message></Error>`,
});

describe('deleteS3Keys', () => {
  const spec = makeSpec({ maxRetryTimes: 0 });

  it('sends batches of at most 1,000 keys, Quiet, with Content-MD5', async () => {
    const client = createS3Client(spec);
    const sent = stub(client, ok);
    const keys = Array.from({ length: 2500 }, (_, i) => `k/${i}`);
    const counts: Record<string, number> = {};
    const result = await deleteS3Keys(client, spec, { bucket: 'b', keys, counts });
    assert.deepEqual(result, { deleted: keys, errors: [] });
    assert.equal(sent.length, 3);
    assert.deepEqual(counts, { DeleteObjects: 3 });
    const sizes = sent.map((r) => [...String(r.body).matchAll(/<Key>/g)].length);
    assert.deepEqual(sizes, [1000, 1000, 500]);
    for (const request of sent) {
      assert.match(String(request.body), /<Quiet>true<\/Quiet>/);
      const md5 = createHash('md5').update(String(request.body)).digest('base64');
      assert.equal(request.headers['content-md5'], md5);
    }
  });

  it('returns per-key refusals per key', async () => {
    const client = createS3Client(spec);
    stub(client, () => ({
      status: 200,
      body:
        '<DeleteResult><Error><Key>b</Key><Code>AccessDenied</Code><Message>Access Denied</Message>' +
        '</Error></DeleteResult>',
    }));
    const result = await deleteS3Keys(client, spec, { bucket: 'b', keys: ['a', 'b', 'c'] });
    assert.deepEqual(result, {
      deleted: ['a', 'c'],
      errors: [{ key: 'b', code: 'AccessDenied', message: 'Access Denied' }],
    });
  });

  it('reports the keys of a failed batch with its error code and goes on with the next batch', async () => {
    const client = createS3Client(spec);
    let n = 0;
    stub(client, () => {
      n += 1;
      return n === 1 ? s3Error(403, 'AccessDenied') : ok();
    });
    const keys = Array.from({ length: 1001 }, (_, i) => String(i));
    const result = await deleteS3Keys(client, spec, { bucket: 'b', keys });
    assert.equal(result.errors.length, 1000);
    assert.equal(result.errors[0]?.code, 'AccessDenied');
    assert.deepEqual(result.deleted, ['1000']);
  });

  it('deletes a key XML cannot carry (ESC, BEL) on its own with DeleteObject, the others in a batch', async () => {
    const client = createS3Client(spec);
    const sent = stub(client, ok);
    const evil = 'logs/\u001b]0;x\u0007.txt';
    const counts = {};
    const result = await deleteS3Keys(client, spec, {
      bucket: 'b',
      keys: ['a', evil, 'b'],
      counts,
    });
    assert.deepEqual(result.deleted.sort(), ['a', 'b', evil].sort());
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      sent.map((r) => r.method),
      ['DELETE', 'POST'],
    );
    assert.deepEqual(counts, { DeleteObject: 1, DeleteObjects: 1 });
    const batchBody = String(sent[1]?.body);
    assert.ok(!batchBody.includes('\u001b'), 'the batch does not name the key');
  });

  it('throws a fatal error (missing bucket) instead of trying every batch', async () => {
    const client = createS3Client(spec);
    const sent = stub(client, () => s3Error(404, 'NoSuchBucket'));
    const keys = Array.from({ length: 3000 }, (_, i) => String(i));
    const error = await failure(deleteS3Keys(client, spec, { bucket: 'b', keys }));
    assert.ok(isS3FerryError(error));
    assert.equal(error.code, 'NoSuchBucket');
    assert.equal(error.fatal, true);
    assert.equal(sent.length, 1);
  });
});
