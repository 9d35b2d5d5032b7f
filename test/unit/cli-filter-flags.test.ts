// The filter flags' files: --include-from/--exclude-from patterns and --files-from keys are read
// as a user writes them, and a file that cannot be used is one usage line naming it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { filterSelectionOf } from '../../src/cli/filter-flags.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 's3ferry-filter-flags-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const noStdin = () => Promise.reject(new Error('stdin read'));

describe('filterSelectionOf', () => {
  it('adds the patterns of --include-from/--exclude-from files to the flags, skipping comments and blanks', async () => {
    const includes = file('inc.txt', '# images\n*.jpg\r\n\n*.png\n');
    const excludes = file('exc.txt', 'tmp/\n');
    const selection = await filterSelectionOf(
      { include: ['*.gif'], includeFrom: [includes], exclude: ['*.bak'], excludeFrom: [excludes] },
      noStdin,
    );
    assert.deepEqual(selection.include, ['*.gif', '*.jpg', '*.png']);
    assert.deepEqual(selection.exclude, ['*.bak', 'tmp/']);
  });

  it('reads --files-from from a file or from standard input (-), sorted', async () => {
    const list = file('keys.txt', 'b.txt\na.txt\n');
    assert.deepEqual((await filterSelectionOf({ filesFrom: list }, noStdin)).filesFrom, [
      'a.txt',
      'b.txt',
    ]);
    const fromStdin = await filterSelectionOf({ filesFrom: '-' }, () => Promise.resolve('z\ny\n'));
    assert.deepEqual(fromStdin.filesFrom, ['y', 'z']);
  });

  it('turns sizes into bytes and passes ages on as written', async () => {
    const selection = await filterSelectionOf(
      { minSize: '1KiB', maxSize: '2M', minAge: '36h', maxAge: '2026-01-31' },
      noStdin,
    );
    assert.deepEqual(selection, {
      minSizeBytes: 1024,
      maxSizeBytes: 2_000_000,
      minAge: '36h',
      maxAge: '2026-01-31',
    });
  });

  const refuses = async (flags: Parameters<typeof filterSelectionOf>[0], message: RegExp) => {
    await assert.rejects(
      filterSelectionOf(flags, noStdin),
      (error: unknown) =>
        isS3FerryError(error) && error.kind === 'usage' && message.test(error.message),
    );
  };

  it('refuses a file it cannot read, naming the flag, the file and the error', async () => {
    const missing = join(dir, 'missing.txt');
    await refuses(
      { filesFrom: missing },
      new RegExp(`^--files-from: cannot read ${missing}: ENOENT$`),
    );
    await refuses({ excludeFrom: [dir] }, /^--exclude-from: cannot read .*: EISDIR$/);
  });

  it('refuses a bad pattern in a file, naming the file and the line', async () => {
    const bad = file('bad.txt', '*.jpg\n\n[abc\n');
    await refuses(
      { includeFrom: [bad] },
      /^--include-from .*bad\.txt line 3: filter pattern '\[abc'/,
    );
  });

  it('refuses standard input for two of the files at once', async () => {
    await refuses(
      { filesFrom: '-', excludeFrom: ['-'] },
      /^standard input \(-\) can feed only one/,
    );
  });
});
