// LeanHttpHandler against a local node:http server: what arrives at the server (method, path,
// query as the SDK's handler encodes it, headers, body), the answer's headers as strings, and
// the failures the classifier must judge as it judges the SDK handler's: an idle timeout while
// waiting for the answer and while reading its body (TimeoutError, in the words
// classify.ts turns into "--timeout"), and an abort.
import assert from 'node:assert/strict';
import { Agent, createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { classifyS3Error } from '../../src/s3/classify.ts';
import { LeanHttpHandler, abortableRequests } from '../../src/s3/lean-http.ts';
import type { LeanHttpResponse } from '../../src/s3/lean-http.ts';

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

let server: Server;
let port = 0;
const seen: Seen[] = [];
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function handler(socketTimeoutMs = 0): LeanHttpHandler {
  return new LeanHttpHandler({
    httpAgent: new Agent({ keepAlive: true }),
    httpsAgent: new HttpsAgent({ keepAlive: true }),
    connectionTimeoutMs: 1000,
    socketTimeoutMs,
  });
}

function request(extra: { method?: string; query?: Record<string, string | string[] | null> }) {
  return {
    method: extra.method ?? 'GET',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path: '/bkt/a%20b',
    query: extra.query ?? {},
    headers: { host: `127.0.0.1:${port}`, 'x-amz-date': '20260101T000000Z' },
  };
}

function readAll(response: LeanHttpResponse): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.body.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.body.once('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    response.body.once('error', reject);
  });
}

describe('LeanHttpHandler', () => {
  it('sends the method, path, query (encoded as the SDK does), headers and a Buffer body', async () => {
    seen.length = 0;
    answer = (_req, res) => {
      res.setHeader('x-amz-meta-two', ['a', 'b']);
      res.setHeader('etag', '"abc"');
      res.end('done');
    };
    const lean = handler();
    const { response } = await lean.handle({
      ...request({ method: 'PUT', query: { 'list-type': '2', prefix: "a b/(c)!*'", flag: null } }),
      body: Buffer.from('payload'),
      headers: { ...request({}).headers, 'content-length': '7' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['etag'], '"abc"');
    // Node joins a repeated header itself (the SDK's handler sees the same string).
    assert.equal(response.headers['x-amz-meta-two'], 'a, b');
    assert.equal(await readAll(response), 'done');
    const got = seen[0]!;
    assert.equal(got.method, 'PUT');
    assert.equal(got.url, '/bkt/a%20b?list-type=2&prefix=a%20b%2F%28c%29%21%2A%27&flag');
    assert.equal(got.headers['x-amz-date'], '20260101T000000Z');
    assert.equal(got.body, 'payload');
    lean.destroy();
  });

  it('fails a request whose answer never starts with a retryable TimeoutError naming --timeout', async () => {
    answer = () => undefined;
    const lean = handler(300);
    const error = await lean.handle(request({})).then(
      () => assert.fail('no answer expected'),
      (e: unknown) => e as Error,
    );
    assert.equal(error.name, 'TimeoutError');
    const classified = classifyS3Error(error, {});
    assert.equal(classified.retryable, true);
    assert.match(classified.message, /no byte moved for 0\.3 s \(--timeout\)/);
    lean.destroy();
  });

  it('fails the body of an answer that stalls halfway with the same TimeoutError', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('12345');
    };
    const lean = handler(300);
    const { response } = await lean.handle(request({}));
    const error = await readAll(response).then(
      () => assert.fail('a cut body expected'),
      (e: unknown) => e as Error,
    );
    assert.equal(error.name, 'TimeoutError');
    lean.destroy();
  });

  it('rejects with an AbortError when the signal aborts, before or during the request', async () => {
    answer = () => undefined;
    const lean = handler();
    const before = AbortSignal.abort();
    await assert.rejects(lean.handle(request({}), { abortSignal: before }), { name: 'AbortError' });
    const controller = new AbortController();
    const pending = lean.handle(request({}), { abortSignal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 50);
    await assert.rejects(pending, { name: 'AbortError' });
    lean.destroy();
  });

  it('forgets a request that timed out while it waited for a socket (no abort kept for the run)', async () => {
    answer = () => undefined;
    const lean = new LeanHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
      connectionTimeoutMs: 1000,
      socketTimeoutMs: 0,
    });
    // One signal for every request, as the main thread's tasks share: it lives for the run.
    const run = new AbortController();
    const holding = lean.handle(request({}), { abortSignal: run.signal });
    holding.catch(() => undefined);
    // Queued behind the first (one socket), it times out before it ever has a socket.
    await assert.rejects(
      lean.handle(request({}), { abortSignal: run.signal, requestTimeout: 100 }),
      { name: 'TimeoutError' },
    );
    assert.equal(abortableRequests(run.signal), 1, 'only the request still in flight');
    run.abort();
    await assert.rejects(holding, { name: 'AbortError' });
    assert.equal(abortableRequests(run.signal), 0);
    lean.destroy();
  });
});
