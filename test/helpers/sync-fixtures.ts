// Fixtures for library-level tests of the engine (sync, check) against real targets: a config
// resolver over fixed profiles, a sync run that collects its events, buckets created and seeded
// with the SDK, what a bucket or a directory holds (keys, MD5s), and local trees.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import type { ConfigResolver } from '../../src/config/load.ts';
import { sync } from '../../src/engine/run.ts';
import type { SyncOptions } from '../../src/engine/options.ts';
import type { SyncEvent, SyncSummary } from '../../src/engine/events.ts';
import { configError } from '../../src/shared/errors.ts';
import type { ClientCacheMode, ProfileSpec } from '../../src/shared/profile.ts';
import { uniqueBucket } from './targets.ts';

/** Object bodies by key. */
export type Objects = Record<string, Uint8Array | string>;

/** Hex MD5 of `data`. */
export const md5 = (data: Uint8Array | string): string =>
  createHash('md5').update(data).digest('hex');

/** `objects` with each body replaced by its hex MD5 (what {@link objectMd5s} returns for them). */
export function md5s(objects: Objects): Record<string, string> {
  return Object.fromEntries(Object.entries(objects).map(([k, v]) => [k, md5(v)]));
}

/**
 * The `config` of sync/check options over fixed profiles: `profile(name)` answers
 * `profiles[name ?? defaultName]` and throws a config error for any other name; the client cache
 * mode is `cacheMode`, as if nothing configured it.
 */
export function fixedConfig(
  profiles: Record<string, ProfileSpec>,
  defaultName: string,
  cacheMode: ClientCacheMode = 'thread_local',
): Pick<ConfigResolver, 'profile' | 'global'> {
  return {
    profile: (name) => {
      const spec = profiles[name ?? defaultName];
      if (spec === undefined) throw configError(`unknown profile ${name ?? ''}`);
      return spec;
    },
    global: () => ({
      clientCacheMode: cacheMode,
      sources: { clientCacheMode: { kind: 'default' } },
    }),
  };
}

/** Runs `sync` with 2 workers × 4 tasks (unless `options` say otherwise), collecting its events. */
export async function runSync(
  options: SyncOptions,
): Promise<{ summary: SyncSummary; events: SyncEvent[] }> {
  const events: SyncEvent[] = [];
  const summary = await sync({ workers: 2, tasksPerWorker: 4, ...options }, (e) => events.push(e));
  return { summary, events };
}

/** Creates a bucket named `prefix-…` (unique) and returns its name. */
export async function createBucket(client: S3Client, prefix: string): Promise<string> {
  const bucket = uniqueBucket(prefix);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/**
 * Puts `objects` into `bucket`, 50 at a time (thousands of PUTs at once overwhelm a small test
 * gateway), each with the extra PutObject fields of `put` (e.g. a ContentType).
 */
export async function seed(
  client: S3Client,
  bucket: string,
  objects: Objects,
  put: Partial<PutObjectCommandInput> = {},
): Promise<void> {
  const entries = Object.entries(objects);
  for (let i = 0; i < entries.length; i += 50) {
    await Promise.all(
      entries
        .slice(i, i + 50)
        .map(([key, body]) =>
          client.send(new PutObjectCommand({ ...put, Bucket: bucket, Key: key, Body: body })),
        ),
    );
  }
}

/** Key → MD5 of every object under `prefix` (keys relative to it), over all listing pages. */
export async function objectMd5s(
  client: S3Client,
  bucket: string,
  prefix = '',
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      out[o.Key!.slice(prefix.length)] = md5(await got.Body!.transformToByteArray());
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return out;
}

/** Every key under `prefix` (full keys, in listing order), over all listing pages. */
export async function keysOf(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return keys;
}

/** Writes each file of `files` (relative path → content) under `root`, creating directories. */
export function writeTree(root: string, files: Objects): void {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), body);
  }
}

/** MD5 of every file under `dir` by relative path with `/` separators ({} when `dir` is absent). */
export function fileMd5s(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out[relative(dir, full).split(sep).join('/')] = md5(readFileSync(full));
  }
  return out;
}
