// Writes a local file the safe way: into a temporary file next to the destination, flushed and
// timestamped, then renamed onto the final name, so no partial file is ever visible there.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathFor } from '../../local/temp-name.ts';

export { isTempName, tempPathFor } from '../../local/temp-name.ts';
import { localIoError } from './context.ts';

/**
 * Creates the parent directories, then runs `write` on a new temp file. On success: sets the
 * file's atime/mtime to `mtimeMs`, fsyncs, closes and renames it onto `path`. On any failure the
 * temp file is removed and the error rethrown (file errors as `local-io` S3FerryErrors).
 */
export async function writeViaTempFile<T>(
  path: string,
  mtimeMs: number | undefined,
  write: (handle: FileHandle) => Promise<T>,
): Promise<T> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw localIoError(error, 'create the directory of', path);
  }
  const temp = tempPathFor(path);
  let handle: FileHandle | undefined;
  try {
    try {
      handle = await open(temp, 'wx+');
    } catch (error) {
      throw localIoError(error, 'create', temp);
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

/** Writes all of `chunks` at `position` onwards; returns the bytes written. */
export async function writeChunksAt(
  handle: FileHandle,
  chunks: AsyncIterable<Uint8Array>,
  position: number,
  onBytes: (delta: number) => void,
  path: string,
): Promise<number> {
  let offset = position;
  for await (const chunk of chunks) {
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
