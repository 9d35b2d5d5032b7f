// Deletes files under a local root by relative key, never following a symlink out of it: every
// directory on the way is checked with lstat (a symlinked directory is not descended), only files
// and symlinks themselves are unlinked (a link's target is never touched), and directories are
// removed afterwards only when these deletes emptied them (deepest first, never the root).
import { lstat, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { unsafeLocalKeyProblem } from '../plan/relative.ts';

/** One key not deleted: an errno or s3ferry code, and why (same shape as src/s3/delete.ts's). */
export type DeleteKeyError = { key: string; code: string; message: string };

/** What one batch of {@link LocalDeleter.deleteBatch} did: each key in exactly one list. */
export type LocalDeleteResult = { deleted: string[]; errors: DeleteKeyError[] };

/** A directory of the current path, and whether a delete happened in it. */
type OpenDir = { name: string; isTouched: boolean };

/**
 * Deletes files under one root. Feed it keys in listing order (UTF-8 byte order, as the sync's
 * merge join produces them) with {@link deleteBatch}, then call {@link finish}: directories are
 * tried for removal as the keys leave them, so memory is one entry per level of the current
 * path, not one per directory.
 *
 * Refused keys (reported in `errors`, nothing done): keys that could not be a path under the
 * root (`..`, absolute, empty segments), keys below a symlink (`SymlinkInPath`: deleting them
 * would act outside the destination, or on a directory reached twice), and directories
 * (`IsADirectory`). A key already gone counts as deleted.
 */
export class LocalDeleter {
  readonly #root: string;
  /** The directories of the previous key's path, outermost first. */
  readonly #open: OpenDir[] = [];

  constructor(root: string) {
    this.#root = root;
  }

  /** Deletes the files of `keys` (relative to the root), one after the other. */
  async deleteBatch(keys: Iterable<string>): Promise<LocalDeleteResult> {
    const result: LocalDeleteResult = { deleted: [], errors: [] };
    for (const key of keys) {
      const error = await this.#deleteOne(key);
      if (error === undefined) result.deleted.push(key);
      else result.errors.push(error);
    }
    return result;
  }

  /** Removes the directories still open that the deletes emptied. Call once, at the end. */
  async finish(): Promise<void> {
    await this.#closeDown(0);
  }

  async #deleteOne(key: string): Promise<DeleteKeyError | undefined> {
    const problem = unsafeLocalKeyProblem(key);
    if (problem !== undefined) {
      return { key, code: 'UnsafeKey', message: `not deleted: ${problem}` };
    }
    const segments = key.split('/');
    const dirs = segments.slice(0, -1);
    // Leave (and maybe remove) the open directories this key is not under.
    let common = 0;
    while (
      common < dirs.length &&
      common < this.#open.length &&
      this.#open[common]?.name === dirs[common]
    ) {
      common += 1;
    }
    await this.#closeDown(common);
    // Walk down with lstat: each level must be a real directory, not a link to one.
    let path = this.#root;
    for (const [depth, name] of dirs.entries()) {
      path = join(path, name);
      if (depth < this.#open.length) continue; // checked when it was opened
      let stats;
      try {
        stats = await lstat(path);
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') return undefined; // already gone
        return ioError(key, error);
      }
      if (stats.isSymbolicLink()) {
        return {
          key,
          code: 'SymlinkInPath',
          message:
            `not deleted: ${path} is a symlink; s3ferry does not delete through symlinks ` +
            '(the files may be outside the destination)',
        };
      }
      if (!stats.isDirectory()) return undefined; // a file where a directory was: key is gone
      this.#open.push({ name, isTouched: false });
    }
    const file = join(this.#root, ...segments);
    try {
      const stats = await lstat(file);
      if (stats.isDirectory()) {
        return { key, code: 'IsADirectory', message: `not deleted: ${file} is a directory` };
      }
      // A symlink is unlinked itself; its target is never touched.
      await unlink(file);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      return ioError(key, error);
    }
    const parent = this.#open[dirs.length - 1];
    if (parent !== undefined) parent.isTouched = true;
    return undefined;
  }

  /** Closes open directories deeper than `depth`, deepest first, removing emptied ones. */
  async #closeDown(depth: number): Promise<void> {
    while (this.#open.length > depth) {
      const path = join(this.#root, ...this.#open.map((d) => d.name));
      const dir = this.#open.pop();
      if (dir?.isTouched !== true) continue;
      try {
        await rmdir(path); // only succeeds when empty
        const parent = this.#open[this.#open.length - 1];
        if (parent !== undefined) parent.isTouched = true;
      } catch {
        // Not empty (files the source also has, or that were kept): it stays.
      }
    }
  }
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function ioError(key: string, error: unknown): DeleteKeyError {
  return {
    key,
    code: errnoCode(error) ?? 'LocalIOError',
    message: error instanceof Error ? error.message : String(error),
  };
}
