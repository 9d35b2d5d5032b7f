// Unit: the failures reporter `npm test` adds after the TAP stream names each failed test on one
// line (file:line, suite › test, the error's first line), and says nothing when all pass. A CI
// log shows only its end; before it, a failure somewhere in 3,000 tests was not named there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempRoot } from '../helpers/temp-dir.ts';

const temp = tempRoot('failures-reporter');

/** Runs `node --test` on one file with only the failures reporter, on stderr. */
function runWithReporter(source: string): { code: number | null; stderr: string } {
  const file = join(temp.freshDir('case'), 'fixture.test.mjs');
  writeFileSync(file, source);
  const env = { ...process.env };
  // Inside `node --test`, this would make the nested runner report to the outer one.
  delete env['NODE_TEST_CONTEXT'];
  const run = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-reporter=./scripts/failures-reporter.mjs',
      '--test-reporter-destination=stderr',
      file,
    ],
    { env, encoding: 'utf8', timeout: 30_000 },
  );
  return { code: run.status, stderr: run.stderr };
}

describe('failures reporter', () => {
  it('lists each failed test with its file, line, suite path and message', () => {
    const { code, stderr } = runWithReporter(
      [
        "import { describe, it } from 'node:test';",
        "import assert from 'node:assert/strict';",
        "describe('outer', () => {",
        "  it('passes', () => {});",
        "  it('compares', () => assert.equal(1, 2, 'one is not two'));",
        "  describe('inner', () => {",
        "    it('throws', () => { throw new Error('boom\\nmore'); });",
        '  });',
        '});',
        '',
      ].join('\n'),
    );
    assert.equal(code, 1);
    const lines = stderr.trim().split('\n');
    assert.equal(lines[0], 'failed tests (2):');
    assert.match(lines[1] ?? '', /fixture\.test\.mjs:5 outer › compares: one is not two$/);
    assert.match(lines[2] ?? '', /fixture\.test\.mjs:7 outer › inner › throws: boom$/);
    assert.equal(lines.length, 3, 'suites whose subtests failed are not listed again');
  });

  it('prints nothing when every test passes', () => {
    const { code, stderr } = runWithReporter(
      "import { it } from 'node:test';\nit('passes', () => {});\n",
    );
    assert.equal(code, 0);
    assert.equal(stderr, '');
  });
});
