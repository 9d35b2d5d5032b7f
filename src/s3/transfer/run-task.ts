// Runs one WorkerTask (one object, or one file/object hash) with a TransferContext; always returns a
// TaskResult: expected failures come back as serialised S3FerryErrors, never as throws.
import { S3FerryError, isS3FerryError, serializeError } from '../../shared/errors.ts';
import type { CopyTask, Location, TaskResult, WorkerTask } from '../../shared/protocol.ts';
import { abortedError } from './context.ts';
import type { S3Target, TransferContext } from './context.ts';
import { downloadObject } from './download.ts';
import { md5OfObject } from './hash-object.ts';
import { copyLocalFile, md5OfFile } from './local.ts';
import { serverSideCopy } from './server-side.ts';
import { streamCopy } from './stream.ts';
import { uploadFile } from './upload.ts';

function wrongLocation(task: CopyTask, side: 'src' | 'dst', expected: string): S3FerryError {
  return new S3FerryError(
    'internal',
    'BadTask',
    `task ${task.id} (${task.method}) needs ${expected} as ${side}, got ${task[side].kind}`,
  );
}

function s3Side(task: CopyTask, side: 'src' | 'dst'): S3Target {
  const location: Location = task[side];
  if (location.kind !== 's3') throw wrongLocation(task, side, 'an S3 location');
  return { profile: location.profile, bucket: location.bucket, key: location.key };
}

function localSide(task: CopyTask, side: 'src' | 'dst'): string {
  const location: Location = task[side];
  if (location.kind !== 'local') throw wrongLocation(task, side, 'a local path');
  return location.path;
}

async function runCopy(task: CopyTask, ctx: TransferContext): Promise<number> {
  switch (task.method) {
    case 'server-side':
      return serverSideCopy(ctx, task, s3Side(task, 'src'), s3Side(task, 'dst'));
    case 'stream':
      return streamCopy(ctx, task, s3Side(task, 'src'), s3Side(task, 'dst'));
    case 'upload':
      return uploadFile(ctx, task, localSide(task, 'src'), s3Side(task, 'dst'));
    case 'download':
      return downloadObject(ctx, task, s3Side(task, 'src'), localSide(task, 'dst'));
    case 'local':
      return copyLocalFile(ctx, localSide(task, 'src'), localSide(task, 'dst'));
  }
}

/** Anything thrown that is not an S3FerryError is a bug: report it as `internal`. */
function asFerryError(error: unknown): S3FerryError {
  if (isS3FerryError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new S3FerryError('internal', 'InternalError', message, {}, { cause: error });
}

/**
 * Runs a copy or hash task. Works on any thread: everything it needs comes through `ctx`.
 * @example const result = await runTask(task, ctx); if (!result.ok) report(result.error);
 */
export async function runTask(task: WorkerTask, ctx: TransferContext): Promise<TaskResult> {
  try {
    if (ctx.signal.aborted) throw abortedError();
    if (task.kind === 'md5') {
      const { md5, bytes } = await md5OfFile(task.path, ctx.signal);
      return { ok: true, id: task.id, bytes, md5, requests: ctx.counter.snapshot() };
    }
    if (task.kind === 'md5-object') {
      const { md5, bytes } = await md5OfObject(ctx, task.src);
      return { ok: true, id: task.id, bytes, md5, requests: ctx.counter.snapshot() };
    }
    const endToEnd = { isUnverified: false };
    const warnings: string[] = [];
    const bytes = await runCopy(task, {
      ...ctx,
      endToEnd,
      copyTags: task.copyTags === true,
      ...(task.objectSettings === undefined ? {} : { objectSettings: task.objectSettings }),
      warn: (message) => {
        if (!warnings.includes(message)) warnings.push(message);
      },
    });
    return {
      ok: true,
      id: task.id,
      bytes,
      requests: ctx.counter.snapshot(),
      ...(endToEnd.isUnverified ? { isUnverified: true as const } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  } catch (error) {
    // After a cancel, whatever broke first is a consequence of it.
    const failure = ctx.signal.aborted ? abortedError() : asFerryError(error);
    return {
      ok: false,
      id: task.id,
      error: serializeError(failure),
      requests: ctx.counter.snapshot(),
    };
  }
}
