// The adaptive first-byte deadline (src/s3/first-byte-deadline.ts): which requests get one, how
// it follows the endpoint's answer times (RFC 6298: none until eight answers, at least 1 s,
// doubled after each one that fired, reset by an answer, never past --timeout), and, with the
// lean handler against a local node:http server, that a request stalled after the warm-up fails
// with a retryable timeout in the words a user reads, while a fresh endpoint waits it out.
import assert from 'node:assert/strict';
import { Agent, createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { HttpRequest } from '@smithy/types';
import { classifyS3Error } from '../../src/s3/classify.ts';
import {
  FIRST_BYTE_MAX_BODY,
  FIRST_BYTE_MIN_MS,
  FIRST_BYTE_MIN_SAMPLES,
  FirstByteDeadline,
  FirstByteHandler,
  firstByteKind,
} from '../../src/s3/first-byte-deadline.ts';
import { LeanHttpHandler } from '../../src/s3/lean-http.ts';
import { NodeHttpHandler } from '../../src/s3/sdk.ts';

function req(
  method: string,
  path: string,
  query: Record<string, string | null> = {},
  headers: Record<string, string> = {},
  body?: Buffer,
): HttpRequest {
  return {
    method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    path,
    query,
    headers: body === undefined ? headers : { ...headers, 'content-length': String(body.length) },
    body,
  };
}

describe('firstByteKind: which requests get a deadline', () => {
  it('object requests without a large body: GET, HEAD, small PUT, DELETE, a small UploadPart', () => {
    assert.equal(firstByteKind(req('GET', '/b/k')), 'object');
    assert.equal(firstByteKind(req('HEAD', '/b/k')), 'object');
    assert.equal(firstByteKind(req('PUT', '/b/k', {}, {}, Buffer.alloc(64 * 1024))), 'object');
    assert.equal(firstByteKind(req('DELETE', '/b/k')), 'object');
    assert.equal(
      firstByteKind(req('PUT', '/b/k', { partNumber: '3', uploadId: 'u' }, {}, Buffer.alloc(10))),
      'object',
    );
  });

  it('listings, timed apart from object requests', () => {
    assert.equal(firstByteKind(req('GET', '/b', { 'list-type': '2' })), 'list');
    assert.equal(firstByteKind(req('GET', '/b/', { uploads: null, prefix: 'k' })), 'list');
    assert.equal(firstByteKind(req('GET', '/b/')), 'list');
  });

  it('none for a large body, a server-side copy, and every POST', () => {
    const big = Buffer.alloc(FIRST_BYTE_MAX_BODY + 1);
    assert.equal(firstByteKind(req('PUT', '/b/k', {}, {}, big)), undefined);
    assert.equal(firstByteKind(req('PUT', '/b/k', {}, { 'x-amz-copy-source': '/s/k' })), undefined);
    assert.equal(
      firstByteKind(
        req('PUT', '/b/k', { partNumber: '1', uploadId: 'u' }, { 'x-amz-copy-source': '/s/k' }),
      ),
      undefined,
    );
    assert.equal(firstByteKind(req('POST', '/b/k', { uploads: null })), undefined);
    assert.equal(firstByteKind(req('POST', '/b/k', { uploadId: 'u' })), undefined);
    assert.equal(firstByteKind(req('POST', '/b', { delete: null })), undefined);
    const streamed = { ...req('PUT', '/b/k'), body: { pipe() {} } } as unknown as HttpRequest;
    assert.equal(firstByteKind(streamed), undefined, 'a stream of unknown length');
  });
});

describe('FirstByteDeadline: the estimate', () => {
  it('gives no deadline until the endpoint has answered enough requests', () => {
    const d = new FirstByteDeadline(60_000);
    for (let i = 0; i < FIRST_BYTE_MIN_SAMPLES - 1; i += 1) d.answered('object', 10);
    assert.equal(d.deadlineFor('object'), undefined);
    d.answered('object', 10);
    assert.equal(d.deadlineFor('object'), FIRST_BYTE_MIN_MS);
    assert.equal(d.deadlineFor('list'), undefined, 'listings have their own estimate');
  });

  it('follows slow answers past the minimum, doubles after a fired deadline, resets on an answer', () => {
    const d = new FirstByteDeadline(60_000);
    for (let i = 0; i < 20; i += 1) d.answered('object', i % 2 === 0 ? 1500 : 2500);
    const base = d.deadlineFor('object')!;
    assert.ok(base > 2500, `deadline ${base} ms covers answers of up to 2.5 s`);
    d.fired('object');
    assert.equal(d.deadlineFor('object'), base * 2);
    d.fired('object');
    assert.equal(d.deadlineFor('object'), base * 4);
    d.answered('object', 2000);
    assert.ok(d.deadlineFor('object')! < base * 2, 'an answer brings it back');
  });

  it('never waits longer than --timeout, and --timeout 0 leaves only the estimate', () => {
    const capped = new FirstByteDeadline(1500);
    for (let i = 0; i < 10; i += 1) capped.answered('object', 5);
    for (let i = 0; i < 5; i += 1) capped.fired('object');
    assert.equal(capped.deadlineFor('object'), 1500);
    const uncapped = new FirstByteDeadline(0);
    for (let i = 0; i < 10; i += 1) uncapped.answered('object', 5);
    uncapped.fired('object');
    assert.equal(uncapped.deadlineFor('object'), 2 * FIRST_BYTE_MIN_MS);
  });
});

describe('FirstByteHandler over the lean handler, against a local server', () => {
  let server: Server;
  let port = 0;
  let stallNext = false;
  const held: ServerResponse[] = [];

  before(async () => {
    server = createServer((_req, res) => {
      _req.resume();
      if (stallNext) {
        stallNext = false;
        held.push(res); // never answered until the test ends
        return;
      }
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  type Timed = { handle(r: HttpRequest): Promise<unknown>; destroy(): void };

  function timed(deadline: FirstByteDeadline, sdk = false): Timed {
    const agents = {
      httpAgent: new Agent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    };
    const inner = sdk
      ? new NodeHttpHandler({ ...agents, socketTimeout: 30_000, throwOnRequestTimeout: true })
      : new LeanHttpHandler({ ...agents, connectionTimeoutMs: 1000, socketTimeoutMs: 30_000 });
    return new FirstByteHandler(inner, deadline);
  }

  async function get(handler: Timed): Promise<void> {
    const { response } = (await handler.handle({ ...req('GET', '/b/k'), port })) as {
      response: { body: NodeJS.ReadableStream };
    };
    response.body.resume();
    await new Promise((resolve) => response.body.on('end', resolve));
  }

  it('cuts a stalled request on the SDK handler too (requestTimeout, throwOnRequestTimeout)', async () => {
    const deadline = new FirstByteDeadline(30_000);
    const handler = timed(deadline, true);
    for (let i = 0; i < FIRST_BYTE_MIN_SAMPLES; i += 1) await get(handler);
    stallNext = true;
    const error = await get(handler).then(
      () => assert.fail('a stalled request must not succeed'),
      (e: unknown) => e,
    );
    assert.equal(classifyS3Error(error).retryable, true);
    assert.match(classifyS3Error(error).message, /no answer within 1 s \(the first-byte deadline/);
    handler.destroy();
  });

  it('cuts a stalled request after the warm-up with a retryable timeout naming the deadline', async () => {
    const deadline = new FirstByteDeadline(30_000);
    const handler = timed(deadline);
    for (let i = 0; i < FIRST_BYTE_MIN_SAMPLES; i += 1) await get(handler);
    assert.equal(deadline.deadlineFor('object'), FIRST_BYTE_MIN_MS);
    stallNext = true;
    const error = await get(handler).then(
      () => assert.fail('a stalled request must not succeed'),
      (e: unknown) => e,
    );
    const c = classifyS3Error(error);
    assert.equal(c.kind, 'network');
    assert.equal(c.retryable, true);
    assert.match(c.message, /no answer within 1 s \(the first-byte deadline/);
    assert.equal(deadline.deadlineFor('object'), 2 * FIRST_BYTE_MIN_MS, 'the next wait is longer');
    await get(handler);
    assert.equal(deadline.deadlineFor('object'), FIRST_BYTE_MIN_MS, 'an answer resets it');
    handler.destroy();
  });

  it('waits out a stall on an endpoint that has not answered enough requests yet', async () => {
    const handler = timed(new FirstByteDeadline(30_000));
    stallNext = true;
    const outcome = await Promise.race([
      get(handler).then(
        () => 'answered',
        () => 'failed',
      ),
      new Promise((resolve) =>
        setTimeout(() => {
          resolve('still waiting');
        }, 2 * FIRST_BYTE_MIN_MS),
      ),
    ]);
    assert.equal(outcome, 'still waiting');
    handler.destroy();
  });
});
