// The --report FILE check made before a run starts (a report that cannot be written was found
// only after every copy was made, and turned the finished run into exit 2).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkReportPath } from '../../src/cli/run-support.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

describe('checkReportPath', () => {
  const root = mkdtempSync(join(tmpdir(), 's3ferry-report-path-'));
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'dir'));
  writeFileSync(join(root, 'file'), 'x');

  it('accepts a new file in an existing directory, and an existing file', () => {
    checkReportPath(join(root, 'dir', 'new.json'));
    checkReportPath(join(root, 'file'));
  });

  for (const [name, path, code] of [
    ['a directory', 'dir', 'EISDIR'],
    ['a file in a missing directory', 'missing/r.json', 'ENOENT'],
    ['a file under a file', 'file/r.json', 'ENOTDIR'],
  ] as const) {
    it(`refuses ${name} with a usage error naming it`, () => {
      assert.throws(
        () => {
          checkReportPath(join(root, path));
        },
        (error: unknown) =>
          error instanceof S3FerryError &&
          error.kind === 'usage' &&
          error.message === `cannot write the report ${join(root, path)}: ${code}`,
      );
    });
  }
});
