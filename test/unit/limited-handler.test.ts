// The limiting request handler: every attempt holds a slot of its endpoint's limit until the
// answer's status line, and the status is counted (503/429 throttling, < 500 coping, else not).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ENDPOINT_LIMITS_BYTES,
  EndpointLimits,
  MAX_LIMIT,
  MAX_ROUND,
  MIN_ROUND,
} from '../../src/s3/endpoint-limits.ts';
import { LimitedHandler } from '../../src/s3/limited-handler.ts';

type Answer = { status?: number; error?: Error; wait?: Promise<void> };

function fakeInner(answers: Answer[]) {
  return {
    handler: {
      async handle() {
        const answer = answers.shift() ?? { status: 200 };
        await answer.wait;
        if (answer.error !== undefined) throw answer.error;
        return { response: { statusCode: answer.status ?? 200, headers: {}, body: undefined } };
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
      destroy: () => undefined,
    },
  };
}

function setup(answers: Answer[]) {
  const limit = new EndpointLimits(new SharedArrayBuffer(ENDPOINT_LIMITS_BYTES)).for('http://e');
  const inner = fakeInner(answers);
  const handler = new LimitedHandler(inner.handler, limit);
  const request = {
    method: 'GET',
    protocol: 'http:',
    hostname: 'e',
    path: '/',
    query: {},
    headers: {},
  };
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a plain request is all the fake handler reads
  const send = () => handler.handle(request as Parameters<LimitedHandler['handle']>[0]);
  return { limit, send };
}

describe('LimitedHandler', () => {
  it('holds a slot until the status line, then gives it back', async () => {
    let open!: () => void;
    const { limit, send } = setup([{ status: 200, wait: new Promise((r) => (open = r)) }]);
    const pending = send();
    await new Promise((r) => setImmediate(r));
    assert.equal(limit.snapshot().inFlight, 1);
    open();
    await pending;
    assert.equal(limit.snapshot().inFlight, 0);
  });

  it('counts 503 and 429 as throttling; 500 and network errors are no answer at all', async () => {
    const failures: Answer[] = [
      ...Array.from({ length: 40 }, () => ({ status: 500 })),
      ...Array.from({ length: 40 }, () => ({
        error: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
      })),
    ];
    // A limit of MAX_LIMIT closes its rounds every MAX_ROUND answers.
    const throttles: Answer[] = Array.from({ length: MAX_ROUND }, (_, i) => ({
      status: i % 2 === 0 ? 503 : 429,
    }));
    const { limit, send } = setup([...failures, ...throttles]);
    for (let i = 0; i < 40; i += 1) await send();
    for (let i = 0; i < 40; i += 1) await assert.rejects(send(), /reset/);
    assert.equal(limit.snapshot().limit, MAX_LIMIT, '500s and resets leave the limit alone');
    for (let i = 0; i < MAX_ROUND; i += 1) await send();
    assert.equal(limit.snapshot().throttles, MAX_ROUND);
    assert.ok(limit.snapshot().limit < MAX_LIMIT, 'a round of throttling cuts it');
    assert.equal(limit.snapshot().inFlight, 0);
  });

  it('grows the limit back on answers below 500 (a 404 is the server coping too)', async () => {
    const throttles: Answer[] = Array.from({ length: MAX_ROUND }, () => ({ status: 503 }));
    const coping: Answer[] = Array.from({ length: MIN_ROUND }, (_, i) => ({
      status: i % 2 === 0 ? 404 : 200,
    }));
    const { limit, send } = setup([...throttles, ...coping]);
    for (let i = 0; i < MAX_ROUND; i += 1) await send();
    const cut = limit.snapshot().limit;
    for (let i = 0; i < MIN_ROUND; i += 1) await send();
    assert.equal(limit.snapshot().limit, cut + 1);
  });
});
