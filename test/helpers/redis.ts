// A redis-server of a test file's own (scripts/cluster/redis.ts): tests start their own rather
// than share one, because they kill and restart it. Every server is stopped when its file's
// tests end (an `after` hook), and in any case when the test process exits (the harness's exit
// hook and watchdog), so no redis-server outlives a test run.
import { after } from 'node:test';
import {
  startRedis,
  type RedisServer,
  type StartRedisOptions,
} from '../../scripts/cluster/redis.ts';

export type { RedisPersistence, RedisServer } from '../../scripts/cluster/redis.ts';

/**
 * Starts a redis-server for the calling test file and registers an `after` hook that stops it.
 * Call it at the top level of the file (`const redis = await startTestRedis({ persistence:
 * 'aof' })`) or in a `describe` body, not inside a `before` hook, where node:test runs the
 * `after` hook at once.
 */
export function startTestRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const starting = startRedis(options);
  after(async () => {
    const server = await starting.catch(() => undefined);
    await server?.stop();
  });
  return starting;
}

/** Runs `fn` with a fresh redis-server and stops the server when `fn` settles. */
export async function withRedis<T>(
  options: StartRedisOptions,
  fn: (server: RedisServer) => Promise<T>,
): Promise<T> {
  const server = await startRedis(options);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}
