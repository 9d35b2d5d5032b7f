// Every line the CLI prints a key, path or message on escapes it with the one helper
// (src/shared/display.ts printable): a key holding terminal escapes (`ESC]0;…BEL` sets the window
// title, `ESC[2J` clears the screen) is shown escaped, one line, and ordinary keys unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFailureLine, differenceLine, sameLine } from '../../src/cli/check-output.ts';
import { messageWithHint, oneLine, warningLine } from '../../src/cli/error-line.ts';
import { lsLine, removeSummaryLine, statText } from '../../src/cli/everyday-output.ts';
import { reportError } from '../../src/cli/report-error.ts';
import {
  deleteFailureLine,
  failureLine,
  planLine,
  verboseLine,
} from '../../src/cli/sync-output.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { SerializedError } from '../../src/shared/errors.ts';

const EVIL = 'logs/\u001b]0;pwned\u0007\u001b[2Jx.txt';
const SHOWN = 'logs/\\u001b]0;pwned\\u0007\\u001b[2Jx.txt';
const URL_OF = (key: string): string => `s3+a://b/${key}`;
const error: SerializedError = {
  kind: 'client',
  code: 'NoSuchKey',
  message: `no such object: ${URL_OF(EVIL)}`,
  retryable: false,
  fatal: false,
};
const file = { kind: 'file' as const, sizeBytes: 1, mtimeMs: 0 };
const plainLs = { isLong: false, isHuman: false, isFull: false };
const summary = { removed: 1, bytes: 1, failed: 0, isDryRun: false, isInterrupted: false };

/** [what prints it, the line for the evil key] — each must show SHOWN and no raw control. */
const lines: [string, () => string][] = [
  ['ls', () => lsLine({ ...file, name: EVIL, path: URL_OF(EVIL) }, plainLs)],
  [
    'ls -l',
    () => lsLine({ ...file, name: EVIL, path: URL_OF(EVIL) }, { ...plainLs, isLong: true }),
  ],
  [
    'ls -f',
    () => lsLine({ ...file, name: EVIL, path: URL_OF(EVIL) }, { ...plainLs, isFull: true }),
  ],
  ['stat', () => statText({ path: URL_OF(EVIL), type: 'file', size: 1, metadata: { k: EVIL } })],
  ['rm summary', () => removeSummaryLine(URL_OF(EVIL), summary)],
  [
    'sync -v',
    () =>
      verboseLine({ kind: 'object', key: EVIL, action: 'skip', reason: 'same', sizeBytes: 1 }) ??
      '',
  ],
  [
    'sync --dry-run',
    () =>
      planLine({ kind: 'object', key: EVIL, action: 'copy', reason: 'missing', sizeBytes: 1 }) ??
      '',
  ],
  [
    'sync failure',
    () => failureLine({ kind: 'failure', key: EVIL, src: URL_OF(EVIL), dst: '/d', error }),
  ],
  [
    'sync delete failure',
    () => deleteFailureLine({ kind: 'delete-failure', key: EVIL, dst: URL_OF(EVIL), error }),
  ],
  [
    'check missing',
    () =>
      differenceLine({ kind: 'difference', key: EVIL, difference: 'missing', src: 's', dst: 'd' }),
  ],
  ['check -v', () => sameLine({ kind: 'same', key: EVIL, comparedBy: 'etag', sizeBytes: 1 })],
  [
    'check failure',
    () => checkFailureLine({ kind: 'failure', key: EVIL, src: 's', dst: 'd', error }),
  ],
  ['warning', () => warningLine(`cannot read ${EVIL}: EACCES`)],
  [
    'error line',
    () =>
      reportError(new S3FerryError('client', 'NoSuchKey', `no such object ${URL_OF(EVIL)}`), false)
        .text,
  ],
];

describe('keys with control characters are printed escaped, with one helper', () => {
  for (const [what, print] of lines) {
    it(`${what}: the key escaped, one line`, () => {
      const text = print();
      assert.ok(text.includes(SHOWN), JSON.stringify(text));
      // eslint-disable-next-line no-control-regex -- looking for them is the point
      assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      if (what !== 'stat') assert.equal(text.trimEnd().split('\n').length, 1, text);
    });
  }

  it('ordinary keys, quotes and backslashes (Windows-style keys) print unchanged everywhere', () => {
    const key = 'dir\\sub "q" ü.txt';
    assert.equal(
      verboseLine({ kind: 'object', key, action: 'skip', reason: 'same', sizeBytes: 1 }),
      `skip ${key} (same)\n`,
    );
    assert.equal(
      differenceLine({ kind: 'difference', key, difference: 'extra', src: 's', dst: 'd' }),
      `extra: ${key}\n`,
    );
    assert.equal(lsLine({ ...file, name: key, path: key }, plainLs), `${key}\n`);
  });

  it('a message folds its line breaks and escapes what is left', () => {
    assert.equal(oneLine('a\n  b\u001b[31m'), 'a b\\u001b[31m');
    assert.equal(messageWithHint('bad\u0007', 'check\u009b'), 'bad\\u0007. Hint: check\\u009b');
  });
});
