// The limiting request handler: every attempt holds a slot of its endpoint's limit until the
// answer's status line, and the status adapts the limit (503/429 cut, < 500 grow, else nothing).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENDPOINT_LIMITS_BYTES, EndpointLimits, MAX_LIMIT } from '../../src/s3/endpoint-limits.ts';
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

  it('cuts the limit on 503 and 429, not on 500 or a network error', async () => {
    const { limit, send } = setup([
      { status: 500 },
      { error: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) },
      { status: 503 },
    ]);
    await send();
    await assert.rejects(send(), /reset/);
    assert.equal(limit.limit, MAX_LIMIT, '500 and a reset leave the limit alone');
    await send();
    assert.ok(limit.snapshot().limit < MAX_LIMIT);
    assert.equal(limit.snapshot().throttles, 1);
    assert.equal(limit.snapshot().inFlight, 0);
  });

  it('grows the limit back on answers below 500 (a 404 is the server coping too)', async () => {
    const rest: Answer[] = Array.from({ length: 20 }, () => ({ status: 200 }));
    const { limit, send } = setup([{ status: 429 }, { status: 404 }, ...rest]);
    await send();
    const cut = limit.limit;
    for (let i = 0; i < 21; i += 1) await send();
    assert.ok(limit.limit > cut, `${limit.limit} > ${cut}`);
  });
});
