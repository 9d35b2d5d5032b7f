// `s3ferry uploads [--abort] [--older-than DURATION] [--dry-run] [--json] PATH`: the multipart
// uploads in progress under an S3 path (one line each, as the listing arrives), and with --abort
// the stale ones aborted (their parts freed).
import type { Command } from 'commander';
import { DEFAULT_ABORT_OLDER_THAN_MS, isOlderThan } from '../../engine/upload-age.ts';
import type { AbortUploadsOptions, UploadEntry, UploadResult } from '../../engine/uploads.ts';
import { printable } from '../../shared/display.ts';
import { isS3FerryError, serializeError, usageError } from '../../shared/errors.ts';
import { ExitCode } from '../../shared/exit-codes.ts';
import type { CliContext } from '../context.ts';
import { parseDuration } from '../../shared/duration.ts';
import { oneLine, warningLine } from '../error-line.ts';
import { abortedUploadsLine, listedUploadsLine, uploadLine } from '../everyday-output.ts';
import { exitCodesHelp } from '../help.ts';
import { jsonLineWriter, processHooks, registerPathSecrets } from '../run-support.ts';
import type { CommandHooks } from '../run-support.ts';

type UploadsFlags = { abort?: boolean; olderThan?: string; dryRun?: boolean; json?: boolean };

/**
 * An upload as one NDJSON object; `action` is `listed` or the outcome of an abort, `initiated`
 * ISO 8601 (null, and `ageMs` null, when the server gave no time).
 */
function uploadJson(upload: UploadEntry, action: string, error?: UploadResult['error']): object {
  return {
    kind: 'upload',
    action,
    url: upload.url,
    bucket: upload.bucket,
    key: upload.key,
    uploadId: upload.uploadId,
    initiated: upload.initiated?.toISOString() ?? null,
    ageMs: upload.ageMs ?? null,
    ...(upload.storageClass === undefined ? {} : { storageClass: upload.storageClass }),
    ...(error === undefined ? {} : { error }),
  };
}

/** Registers `uploads` on `program`. */
export function registerUploadsCommand(
  program: Command,
  ctx: CliContext,
  hooks: Pick<CommandHooks, 'onInterrupt'> = processHooks,
): void {
  const defaultAge = `${DEFAULT_ABORT_OLDER_THAN_MS / 3_600_000}h`;
  program
    .command('uploads')
    .description(
      'list the multipart uploads in progress under an S3 path (S3 keeps and bills their parts ' +
        'until they are completed or aborted), or with --abort abort the stale ones',
    )
    .argument(
      '<PATH>',
      's3://bucket/prefix/ or s3+PROFILE://…; s3://b/dir means the key dir and everything under dir/',
    )
    .option('--abort', 'abort the uploads (older than --older-than) instead of listing them')
    .option(
      '--older-than <DURATION>',
      'only uploads created at least DURATION ago: 30m, 36h, 7d, 1d12h (s, m, h, d); 0 for ' +
        `every upload (--abort --older-than 0 aborts all) (default: ${defaultAge} with --abort, ` +
        'so an upload still running elsewhere is not broken; every upload when listing)',
    )
    .option('--dry-run', 'with --abort: print what would be aborted and abort nothing')
    .option('--json', 'one JSON object per upload, then a summary object (stdout)')
    .addHelpText(
      'after',
      '\nEach line: when the upload was created (UTC), its age, its upload id and its path, in the\n' +
        "server's order (by key). With --abort the aborted uploads are printed the same way; one\n" +
        'that the server no longer knows (NoSuchUpload) counts as aborted.\n' +
        exitCodesHelp(),
    )
    .action(async (path: string, flags: UploadsFlags) => {
      const isAbort = flags.abort === true;
      if (flags.dryRun === true && !isAbort) {
        throw usageError('--dry-run goes with --abort', 'a listing never aborts anything');
      }
      const olderThanMs =
        flags.olderThan === undefined ? undefined : parseDuration(flags.olderThan, '--older-than');
      const config = ctx.deps.loadConfig(ctx.settingFlags());
      registerPathSecrets(ctx, config, [path]);
      const isJson = flags.json === true;
      const writeJson = jsonLineWriter(ctx.io);
      const onWarning = (message: string): void => {
        ctx.io.writeErr(warningLine(message));
      };
      try {
        if (isAbort) {
          await runAbort(ctx, hooks, {
            path,
            config,
            isDryRun: flags.dryRun === true,
            isJson,
            onWarning,
            ...(olderThanMs === undefined ? {} : { olderThanMs }),
          });
          return;
        }
        let listed = 0;
        let shown = 0;
        const { listUploads } = await import('../../engine/uploads.ts');
        for await (const upload of listUploads({ path, config, onWarning })) {
          listed += 1;
          if (olderThanMs !== undefined && !isOlderThan(upload, olderThanMs)) continue;
          shown += 1;
          if (isJson) writeJson(uploadJson(upload, 'listed'));
          else ctx.io.writeOut(uploadLine(upload));
        }
        if (isJson) {
          writeJson({
            kind: 'summary',
            summary: { path, listed, shown, olderThanMs: olderThanMs ?? null },
          });
        } else {
          ctx.io.writeErr(listedUploadsLine(path, { listed, shown, olderThanMs }));
        }
      } catch (error) {
        if (isJson && isS3FerryError(error)) {
          writeJson({ kind: 'error', error: serializeError(error) });
        }
        throw error;
      }
    });
}

/** `uploads --abort`: prints each upload as it is aborted, then the summary; sets the exit code. */
async function runAbort(
  ctx: CliContext,
  hooks: Pick<CommandHooks, 'onInterrupt'>,
  options: Pick<
    AbortUploadsOptions,
    'path' | 'config' | 'olderThanMs' | 'isDryRun' | 'onWarning'
  > & {
    isJson: boolean;
  },
): Promise<void> {
  const { isJson, ...abortOptions } = options;
  const writeJson = jsonLineWriter(ctx.io);
  const abort = new AbortController();
  const removeInterrupt = hooks.onInterrupt(() => {
    if (abort.signal.aborted) return;
    abort.abort();
    ctx.io.writeErr('s3ferry: interrupted: stopping the aborts in flight\n');
  });
  try {
    const { abortUploads } = await import('../../engine/uploads.ts');
    const summary = await abortUploads({
      ...abortOptions,
      signal: abort.signal,
      onUpload: (result) => {
        if (isJson) {
          writeJson(uploadJson(result, result.outcome, result.error));
        } else if (result.outcome === 'failed') {
          const error = result.error ?? { code: 'Error', message: 'failed' };
          ctx.io.writeErr(
            `s3ferry: failed: ${printable(result.url)} (upload ${printable(result.uploadId)}): ` +
              `${error.code}: ${oneLine(error.message)}\n`,
          );
        } else {
          ctx.io.writeOut(uploadLine(result));
        }
      },
    });
    if (isJson) writeJson({ kind: 'summary', summary });
    else ctx.io.writeErr(abortedUploadsLine(summary));
    if (summary.isInterrupted) ctx.setExitCode?.(ExitCode.Interrupted);
    else if (summary.failed > 0) ctx.setExitCode?.(ExitCode.Partial);
  } finally {
    removeInterrupt();
  }
}
