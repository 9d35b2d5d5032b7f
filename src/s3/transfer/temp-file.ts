// Writes a local file the safe way: into a temporary file next to the destination, flushed and
// timestamped, then renamed onto the final name, so no partial file is ever visible there.
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathFor } from '../../local/temp-name.ts';

export { isTempName, tempPathFor } from '../../local/temp-name.ts';
import { localIoError } from './context.ts';

/**
 * Creates the parent directories, then runs `write` on a new temp file. On success: sets the
 * file's atime/mtime to `mtimeMs`, fsyncs, closes and renames it onto `path`. On any failure the
 * temp file is removed and the error rethrown (file errors as `local-io` S3FerryErrors naming
 * `path`: the temp file is gone by the time anyone reads the message).
 */
export async function writeViaTempFile<T>(
  path: string,
  mtimeMs: number | undefined,
  write: (handle: FileHandle) => Promise<T>,
): Promise<T> {
  try {
    await makeDirectories(dirname(path));
  } catch (error) {
    throw localIoError(error, 'create the directory of', path);
  }
  const temp = tempPathFor(path);
  let handle: FileHandle | undefined;
  try {
    try {
      handle = await open(temp, 'wx+');
    } catch (error) {
      throw localIoError(error, 'write', path);
    }
    const result = await write(handle);
    try {
      // Timestamp before the rename (rename keeps it): the final name never shows a wrong mtime.
      if (mtimeMs !== undefined) await handle.utimes(mtimeMs / 1000, mtimeMs / 1000);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temp, path);
    } catch (error) {
      throw localIoError(error, 'write', path);
    }
    return result;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * `mkdir -p dir`, failing with the error that stopped it. Node's recursive mkdir answers ENOENT
 * when a missing level cannot be created (checked on Node 20 with a read-only tmpfs: ENOENT, where
 * `mkdir` of that level says EROFS), which would make a read-only or full destination look like a
 * path problem of each file: so the levels are then created one by one to get the real error.
 */
async function makeDirectories(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    return;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  }
  const missing: string[] = [];
  for (let level = dir; ; level = dirname(level)) {
    const exists = await stat(level).then(
      () => true,
      () => false,
    );
    if (exists || dirname(level) === level) break;
    missing.unshift(level);
  }
  for (const level of missing) {
    await mkdir(level).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    });
  }
}

/**
 * Writes all of `chunks` at `position` onwards, each booked against --bwlimit first (`pace`);
 * returns the bytes written.
 */
export async function writeChunksAt(
  handle: FileHandle,
  chunks: AsyncIterable<Uint8Array>,
  position: number,
  onBytes: (delta: number) => void,
  path: string,
  pace?: (bytes: number) => Promise<void> | undefined,
): Promise<number> {
  let offset = position;
  for await (const chunk of chunks) {
    const wait = pace?.(chunk.length);
    if (wait !== undefined) await wait;
    let done = 0;
    while (done < chunk.length) {
      let written: number;
      try {
        ({ bytesWritten: written } = await handle.write(chunk, done, chunk.length - done, offset));
      } catch (error) {
        throw localIoError(error, 'write', path);
      }
      done += written;
      offset += written;
    }
    onBytes(chunk.length);
  }
  return offset - position;
}
