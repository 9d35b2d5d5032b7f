// The redis-server harness (scripts/cluster/redis.ts, test/helpers/redis.ts) does what the
// distributed mode's tests rely on: data written with AOF persistence survives a restart and a
// crash, without persistence it does not, a killed or stopped server is really gone (PID and
// port), and several servers run at once. Uses ioredis directly: this checks the harness, not
// s3ferry.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isPortFree } from '../../scripts/cluster/ports.ts';
import { pingRedis, startRedis } from '../../scripts/cluster/redis.ts';
import { startTestRedis, withRedis, type RedisServer } from '../helpers/redis.ts';

/** A client that fails fast instead of retrying for ever when the server is gone. */
function clientFor(server: RedisServer): Redis {
  return new Redis(server.url, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
}

async function withClient<T>(server: RedisServer, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = clientFor(server);
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** The error code of a TCP connection to 127.0.0.1:`port`, or 'connected'. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? error.message);
    });
  });
}

/** True when a process with this PID exists (a zombie counts: it was not reaped). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

// One server for the whole file, stopped by the helper's `after` hook.
const shared = await startTestRedis({ persistence: 'aof' });

describe('redis-server harness', () => {
  it('serves at redis://127.0.0.1:PORT under the recorded PID', async () => {
    assert.equal(shared.url, `redis://127.0.0.1:${shared.port}`);
    assert.ok(shared.running);
    assert.ok(pidExists(shared.pid), `pid ${shared.pid} not found`);
    assert.equal(await pingRedis(shared.port), '+PONG');
    assert.equal(await withClient(shared, (c) => c.ping()), 'PONG');
  });

  it("keeps a key across restart() with persistence 'aof', on the same port", async () => {
    await withRedis({ persistence: 'aof' }, async (server) => {
      const { port, pid } = server;
      await withClient(server, (c) => c.set('job:1', 'queued'));
      await server.restart();
      assert.equal(server.port, port);
      assert.notEqual(server.pid, pid, 'restart() must start a new process');
      assert.ok(!pidExists(pid), `the old pid ${pid} is still there`);
      assert.equal(await withClient(server, (c) => c.get('job:1')), 'queued');
    });
  });

  it("keeps an acknowledged write across kill('SIGKILL') and restart() with 'aof'", async () => {
    await withRedis({ persistence: 'aof' }, async (server) => {
      await withClient(server, async (c) => {
        for (let i = 0; i < 100; i += 1) await c.rpush('crash:list', String(i));
      });
      await server.kill('SIGKILL');
      await server.restart();
      const list = await withClient(server, (c) => c.lrange('crash:list', 0, -1));
      assert.deepEqual(
        list,
        Array.from({ length: 100 }, (_, i) => String(i)),
      );
    });
  });

  it("loses every key across restart() with persistence 'none'", async () => {
    await withRedis({ persistence: 'none' }, async (server) => {
      await withClient(server, (c) => c.set('job:1', 'queued'));
      await server.restart();
      assert.equal(await withClient(server, (c) => c.get('job:1')), null);
      assert.equal(await withClient(server, (c) => c.dbsize()), 0);
    });
  });

  it("kill('SIGKILL') leaves the port refusing connections and the PID gone", async () => {
    await withRedis({ persistence: 'none' }, async (server) => {
      const { pid } = server;
      await server.kill('SIGKILL');
      assert.equal(server.running, false);
      assert.ok(!pidExists(pid), `pid ${pid} is still there`);
      assert.equal(await connectOutcome(server.port), 'ECONNREFUSED');
      assert.equal(await pingRedis(server.port), undefined);
    });
  });

  it('stop() leaves no process, frees the port and deletes the dir', async () => {
    await withRedis({ persistence: 'aof' }, async (server) => {
      const { pid, port, dir } = server;
      await server.stop();
      await server.stop(); // twice is fine
      assert.ok(!pidExists(pid), `pid ${pid} is still there`);
      assert.equal(await connectOutcome(port), 'ECONNREFUSED');
      assert.ok(await isPortFree(port), `port ${port} cannot be bound after stop()`);
      assert.ok(!existsSync(dir), `${dir} is still there`);
      await assert.rejects(server.restart(), /was stopped/);
    });
  });

  it('starts several servers at once, each on its own port with its own data', async () => {
    const started = await Promise.allSettled(
      [0, 1, 2].map(() => startRedis({ persistence: 'none' })),
    );
    const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      for (const r of started) if (r.status === 'rejected') throw r.reason;
      assert.equal(new Set(servers.map((s) => s.port)).size, 3, 'ports differ');
      assert.equal(new Set(servers.map((s) => s.pid)).size, 3, 'pids differ');
      assert.equal(new Set(servers.map((s) => s.dir)).size, 3, 'dirs differ');
      await Promise.all(servers.map((s) => withClient(s, (c) => c.set('who', String(s.port)))));
      for (const s of servers) {
        assert.ok(s.running);
        assert.equal(await withClient(s, (c) => c.get('who')), String(s.port));
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});
