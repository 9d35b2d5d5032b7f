// `stat` and `cat`: what one object or file is (HEAD or fs.stat), and its bytes streamed into a
// writable (a GET body or a file read stream, never held in memory).
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { directoryPrefix } from '../plan/relative.ts';
import { getS3ObjectStream } from '../s3/get.ts';
import { hasKeysUnder } from '../s3/list-delimited.ts';
import { probeEndpoint } from '../s3/probe.ts';
import { headS3Object } from '../s3/stat.ts';
import { inContext, isS3FerryError, S3FerryError, usageError } from '../shared/errors.ts';
import type { EverydayOptions } from './everyday.ts';
import { localError, notFound, withSession } from './everyday.ts';

/** What `stat` reports. Fields that do not apply (or that the server did not send) are absent. */
export type StatResult = {
  /** The path as given. */
  path: string;
  type: 'file' | 'directory';
  /** Bytes (files). */
  size?: number;
  /** ISO 8601, UTC: S3 LastModified, or the local mtime. */
  lastModified?: string;
  /** The same time in ms since the epoch. */
  mtimeMs?: number;
  /** S3: without quotes (multipart ETags end in `-N`). */
  etag?: string;
  contentType?: string;
  contentEncoding?: string;
  cacheControl?: string;
  contentDisposition?: string;
  storageClass?: string;
  versionId?: string;
  /** S3 files: user metadata (`x-amz-meta-*`), `{}` when there is none. */
  metadata?: Record<string, string>;
  /** Local: permission bits in octal (`0644`). */
  mode?: string;
  /** Local: the path is a symbolic link (the other fields describe its target). */
  isSymlink?: boolean;
};

/**
 * Describes one object or file (S3: one HEAD; a prefix with keys under it, or a bucket root, is
 * a `directory`, found with one LIST, which also tells a missing bucket from a missing key).
 * @throws S3FerryError: `not-found` (exit 1) when nothing is there, NoSuchBucket (fatal, exit 3),
 *   `usage` for `s3://` without a bucket.
 */
export async function statPath(input: string, options: EverydayOptions = {}): Promise<StatResult> {
  return withSession(options, async (session) => {
    const target = session.resolve(input);
    if (target.kind === 's3-root') {
      throw usageError(`stat needs a bucket: ${input}`, 'give s3://bucket/key');
    }
    if (target.kind === 'local') {
      let stats: Stats;
      let isSymlink = false;
      try {
        isSymlink = (await lstat(target.absolute)).isSymbolicLink();
        stats = await stat(target.absolute);
      } catch (error) {
        throw localError(error, target.path, 'stat');
      }
      const result: StatResult = {
        path: target.path,
        type: stats.isDirectory() ? 'directory' : 'file',
        lastModified: new Date(stats.mtimeMs).toISOString(),
        mtimeMs: Math.floor(stats.mtimeMs),
        mode: `0${(stats.mode & 0o7777).toString(8)}`,
        isSymlink,
      };
      if (!stats.isDirectory()) result.size = stats.size;
      return result;
    }
    const signal = session.signal === undefined ? {} : { signal: session.signal };
    const { bucket, key } = target;
    const url = target.url(key);
    if (key !== '' && !key.endsWith('/')) {
      await probeEndpoint(target.client, target.spec, {
        bucket,
        key,
        counts: session.requests,
        ...signal,
      });
      const head = await headS3Object(target.client, target.spec, {
        bucket,
        key,
        counts: session.requests,
        ...signal,
      });
      if (head !== undefined) {
        const result: StatResult = {
          path: url,
          type: 'file',
          size: head.sizeBytes,
          lastModified: new Date(head.mtimeMs).toISOString(),
          mtimeMs: head.mtimeMs,
        };
        if (head.etag !== undefined) result.etag = head.etag;
        if (head.contentType !== undefined) result.contentType = head.contentType;
        if (head.contentEncoding !== undefined) result.contentEncoding = head.contentEncoding;
        if (head.cacheControl !== undefined) result.cacheControl = head.cacheControl;
        if (head.contentDisposition !== undefined)
          result.contentDisposition = head.contentDisposition;
        if (head.storageClass !== undefined) result.storageClass = head.storageClass;
        if (head.versionId !== undefined) result.versionId = head.versionId;
        result.metadata = head.metadata;
        return result;
      }
    }
    // No object: a directory (keys under `key/`), the bucket root, or nothing. The LIST throws
    // NoSuchBucket for a missing bucket, which HEAD's bodiless 404 cannot say.
    const hasKeys = await hasKeysUnder(target.client, target.spec, {
      bucket,
      prefix: directoryPrefix(key),
      counts: session.requests,
      ...signal,
    });
    if (hasKeys || key === '') return { path: url, type: 'directory' };
    throw notFound('no such object or directory', url);
  });
}

/**
 * Streams one object or file into `sink` (stdout for `cat`), with backpressure.
 * @returns bytes written.
 * @throws S3FerryError for the source (missing key or file, a directory, a failed GET body);
 *   the sink's own errors (EPIPE…) are rethrown unchanged for the caller to judge.
 */
export async function catPath(
  input: string,
  sink: Writable,
  options: EverydayOptions = {},
): Promise<number> {
  return withSession(options, async (session) => {
    const target = session.resolve(input);
    let source: Readable;
    if (target.kind === 's3-root') {
      throw usageError(`cat reads one object: ${input} names no bucket`, 'give s3://bucket/key');
    } else if (target.kind === 's3') {
      if (target.key === '' || target.key.endsWith('/')) {
        throw isADirectory(target.url(target.key));
      }
      try {
        const signal = session.signal === undefined ? {} : { signal: session.signal };
        await probeEndpoint(target.client, target.spec, {
          bucket: target.bucket,
          key: target.key,
          counts: session.requests,
          ...signal,
        });
        source = (
          await getS3ObjectStream(target.client, target.spec, {
            bucket: target.bucket,
            key: target.key,
            counts: session.requests,
            ...(session.signal === undefined ? {} : { signal: session.signal }),
          })
        ).body;
      } catch (error) {
        if (isS3FerryError(error) && error.kind === 'not-found' && !error.fatal) {
          // No object by that name: a prefix with keys under it is a directory (exit 2, as for
          // `dir/`), else there is nothing (exit 1), in stat's words. One LIST, on failure only.
          const hasKeys = await hasKeysUnder(target.client, target.spec, {
            bucket: target.bucket,
            prefix: directoryPrefix(target.key),
            counts: session.requests,
            ...(session.signal === undefined ? {} : { signal: session.signal }),
          });
          const url = target.url(target.key);
          throw hasKeys ? isADirectory(url) : notFound('no such object or directory', url);
        }
        throw withPath(error, target.url(target.key));
      }
    } else {
      let stats: Stats;
      try {
        stats = await stat(target.absolute);
      } catch (error) {
        throw localError(error, target.path, 'read');
      }
      if (stats.isDirectory()) throw isADirectory(target.path);
      source = createReadStream(target.absolute);
    }
    let bytes = 0;
    let sourceError: unknown;
    source.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    source.once('error', (error) => {
      sourceError = error;
    });
    try {
      await pipeline(source, sink, { end: false });
    } catch (error) {
      if (sourceError !== undefined) {
        throw target.kind === 'local'
          ? localError(sourceError, target.path, 'read')
          : withPath(sourceError, target.url(target.key));
      }
      throw error;
    }
    return bytes;
  });
}

/** A usage error (exit 2): the command line names a directory where cat needs one object. */
function isADirectory(path: string): S3FerryError {
  return new S3FerryError('usage', 'IsADirectory', `${path} is a directory`, {
    hint: 'cat reads one object or file; list a directory with ls',
  });
}

/** Puts the path in front of a classified S3 error's message (`NoSuchKey` alone says too little). */
function withPath(error: unknown, path: string): unknown {
  return inContext(error, `cannot read ${path}`);
}
