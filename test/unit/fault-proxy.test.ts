// The fault proxy's cutting faults against a plain node:http upstream: what the client sees, and
// that the upstream did (or did not) receive the request — the facts the fault tests rely on.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { addFaultMix } from '../helpers/fault-mix.ts';
import { chance, FaultProxy, faults } from '../helpers/fault-proxy.ts';
import type { ProxiedRequest } from '../helpers/fault-proxy.ts';

type Reply = { status?: number; body?: Buffer; error?: string };

function send(url: string, method: string, body?: Buffer): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request(`${url}/b/k`, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => {
        resolve({ status: res.statusCode ?? 0, error: e.message });
      });
      res.on('aborted', () => {
        resolve({ status: res.statusCode ?? 0, error: 'aborted' });
      });
    });
    req.on('error', (e) => {
      resolve({ error: e.message });
    });
    if (body !== undefined) req.setHeader('content-length', body.length);
    req.end(body);
  });
}

describe('fault proxy cutting faults', () => {
  const received: { method: string; bytes: number }[] = [];
  const payload = Buffer.alloc(64 * 1024, 7);
  const upstream = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      received.push({ method: req.method ?? '', bytes });
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.end(payload);
    });
  });
  let proxy: FaultProxy;

  before(async () => {
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    proxy = await FaultProxy.start(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  });
  after(async () => {
    await proxy.close();
    await new Promise((r) => upstream.close(r));
  });

  it('drop: the upstream gets the whole request, the client no answer', async () => {
    received.length = 0;
    proxy.failNext(1, faults.drop());
    const reply = await send(proxy.url, 'PUT', Buffer.alloc(1000, 1));
    assert.equal(reply.status, undefined);
    assert.ok(reply.error !== undefined);
    assert.deepEqual(received, [{ method: 'PUT', bytes: 1000 }]);
  });

  it('truncate: the client gets the headers and less than the announced body', async () => {
    proxy.failNext(1, faults.truncate());
    const reply = await send(proxy.url, 'GET');
    assert.equal(reply.status, 200);
    assert.ok(reply.error !== undefined, 'the body must end in an error, not cleanly');
  });

  it('resetMidBody: a body request never reaches the upstream', async () => {
    received.length = 0;
    proxy.failNext(1, faults.resetMidBody());
    const reply = await send(proxy.url, 'PUT', Buffer.alloc(100_000, 1));
    assert.equal(reply.status, undefined);
    assert.deepEqual(received, []);
    const next = await send(proxy.url, 'GET');
    assert.equal(next.status, 200);
    assert.equal(next.body?.length, payload.length);
  });

  it('chance: a seeded share, repeatable', () => {
    const a = chance(0.1, 42);
    const b = chance(0.1, 42);
    const picks = Array.from({ length: 10_000 }, () => a());
    assert.deepEqual(
      picks,
      Array.from({ length: 10_000 }, () => b()),
    );
    const share = picks.filter(Boolean).length / picks.length;
    assert.ok(share > 0.09 && share < 0.11, `share ${share}`);
  });

  it('addFaultMix: one draw per request, each kind an equal share of the rate', async () => {
    const mixProxy = await FaultProxy.start('http://127.0.0.1:9');
    try {
      const rules = addFaultMix(mixProxy, { rate: 0.3, kinds: ['slowDown', 'truncate', 'stall'] });
      const hits = [0, 0, 0];
      for (let seq = 1; seq <= 30_000; seq += 1) {
        const req = { seq, method: 'GET', path: '/b/k', query: '', headers: {}, action: 'forward' };
        // As the proxy picks: the first matching rule applies.
        const index = rules.findIndex((rule) => rule.match?.(req as ProxiedRequest) === true);
        if (index !== -1) hits[index] = (hits[index] ?? 0) + 1;
      }
      for (const n of hits) assert.ok(n > 2_700 && n < 3_300, `hits ${hits.join(', ')}`);
    } finally {
      await mixProxy.close();
    }
  });
});
