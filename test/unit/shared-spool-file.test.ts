// The spool file under SpillFifo: values come back in order while the file is still being
// written, a read chunk that cuts a character in half loses nothing, delete() removes the file at
// once, and a process that exits normally leaves no spool file behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SpoolFile, toJson } from '../../src/shared/spool-file.ts';

async function takeAll(file: SpoolFile, max = Infinity): Promise<unknown[]> {
  const out: unknown[] = [];
  await file.take(max, (value) => out.push(value));
  return out;
}

describe('SpoolFile', () => {
  it('takes values appended after earlier takes, including those not yet written', async () => {
    const file = new SpoolFile('test');
    try {
      file.appendJson(toJson({ a: 1 }));
      file.appendJson(toJson('two'));
      assert.deepEqual(await takeAll(file, 1), [{ a: 1 }]);
      file.appendJson(toJson([3]));
      assert.equal(file.unread, 2);
      assert.deepEqual(await takeAll(file), ['two', [3]]);
      assert.equal(file.unread, 0);
      assert.equal(readFileSync(file.path, 'utf8'), '{"a":1}\n"two"\n[3]\n');
    } finally {
      await file.delete();
    }
  });

  it('joins a character cut in two by the 64 KiB read chunk', async () => {
    const file = new SpoolFile('test');
    try {
      // '"' + 65,533 x's puts the emoji's 4 bytes at offsets 65,534 to 65,537.
      const cut = `${'x'.repeat(65_533)}😀`;
      file.appendJson(toJson(cut));
      file.appendJson(toJson('after'));
      assert.deepEqual(await takeAll(file), [cut, 'after']);
    } finally {
      await file.delete();
    }
  });

  it('fails, instead of spinning, when the file lost its line ends behind its back', async () => {
    const file = new SpoolFile('test');
    try {
      const long = 'y'.repeat(40_000);
      file.appendJson(toJson(long));
      file.appendJson(toJson(long));
      // The first 64 KiB chunk holds the first line and part of the second.
      assert.deepEqual(await takeAll(file, 1), [long]);
      writeFileSync(file.path, 'x'.repeat(2 * 40_003));
      await assert.rejects(takeAll(file), /lost 1 lines/);
    } finally {
      await file.delete();
    }
  });

  it('delete() removes the file before it returns and ends a take', async () => {
    const file = new SpoolFile('test');
    for (let i = 0; i < 50_000; i += 1) file.appendJson(toJson(`value-${i}`));
    assert.ok(existsSync(file.path));
    const taking = takeAll(file);
    const deleting = file.delete();
    assert.equal(existsSync(file.path), false);
    await deleting;
    assert.ok((await taking).length < 50_000);
    assert.throws(() => {
      file.appendJson('1');
    }, /deleted/);
  });

  it('is removed when the process exits normally with it still there', () => {
    const module = fileURLToPath(new URL('../../src/shared/spool-file.ts', import.meta.url));
    const script = [
      `import { existsSync } from 'node:fs';`,
      `import { SpoolFile } from ${JSON.stringify(module)};`,
      `const file = new SpoolFile('test');`,
      `file.appendJson('1');`,
      `console.log(JSON.stringify({ path: file.path, existed: existsSync(file.path) }));`,
    ].join('\n');
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { encoding: 'utf8' },
    );
    const { path, existed } = JSON.parse(output) as { path: string; existed: boolean };
    assert.match(path, /s3ferry-test-\d+-[0-9a-f]+\.ndjson$/);
    assert.equal(existed, true);
    assert.equal(existsSync(path), false);
  });
});
