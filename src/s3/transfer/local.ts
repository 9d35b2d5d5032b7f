// Local → local copies and MD5 hashing of local files (for --checksum), streamed in chunks.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { localIoError, withRetries } from './context.ts';
import type { TransferContext } from './context.ts';
import { writeChunksAt, writeViaTempFile } from './temp-file.ts';
import { isS3FerryError } from '../../shared/errors.ts';

/**
 * Copies the file `from` to `to` via a temp file + rename; `to` gets `from`'s mtime and
 * permission bits.
 * @returns bytes copied
 */
export async function copyLocalFile(
  ctx: TransferContext,
  from: string,
  to: string,
): Promise<number> {
  let info;
  try {
    info = await stat(from);
  } catch (error) {
    throw localIoError(error, 'read', from);
  }
  return writeViaTempFile(to, info.mtimeMs, (handle) =>
    // No retries for local files: a failing disk does not heal in a second.
    withRetries(ctx, 0, async (attempt) => {
      const source = createReadStream(from, { signal: ctx.signal });
      let written: number;
      try {
        written = await writeChunksAt(handle, source, 0, attempt.onBytes, to, (bytes) =>
          ctx.pace?.(bytes, ctx.signal),
        );
      } catch (error) {
        throw isS3FerryError(error) ? error : localIoError(error, 'read', from);
      }
      try {
        await handle.chmod(info.mode & 0o7777);
      } catch (error) {
        throw localIoError(error, 'write', to);
      }
      return written;
    }),
  );
}

/**
 * MD5 of a local file, streamed.
 * @returns lowercase hex digest and the bytes read
 */
export async function md5OfFile(
  path: string,
  signal: AbortSignal,
): Promise<{ md5: string; bytes: number }> {
  const hash = createHash('md5');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path, { signal })) {
      const data = chunk as Buffer;
      hash.update(data);
      bytes += data.length;
    }
  } catch (error) {
    throw localIoError(error, 'read', path);
  }
  return { md5: hash.digest('hex'), bytes };
}
