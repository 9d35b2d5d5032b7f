// A temp directory per test file, removed when the file's tests end, with numbered subdirectories.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** A test file's temp directory and a way to make fresh directories in it. */
export type TempRoot = {
  /** The directory itself (`<tmpdir>/<prefix>XXXXXX`). */
  root: string;
  /** Creates and returns `<root>/<name>-<n>`, a new directory on every call. */
  freshDir: (name: string) => string;
};

/**
 * Creates `<tmpdir>/<prefix>XXXXXX` and registers an `after` hook that removes it. Call it at the
 * top level of a test file, so the hook runs when all of the file's tests are done.
 */
export function tempRoot(prefix: string): TempRoot {
  const root = mkdtempSync(join(tmpdir(), prefix));
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });
  let dirs = 0;
  return {
    root,
    freshDir: (name) => {
      dirs += 1;
      const dir = join(root, `${name}-${dirs}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}
