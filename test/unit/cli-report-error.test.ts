// The one place errors become output: one line, the right exit code, stacks only with --debug.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { configError, S3FerryError, usageError } from '../../src/shared/errors.ts';
import { reportError } from '../../src/cli/report-error.ts';

describe('reportError', () => {
  it('prints a config error as one line with its hint and exits 2', () => {
    const report = reportError(
      configError('MEGFILE_S3_MAX_RETRY_TIMES: expected an integer, got `abc`', 'unset it'),
      false,
    );
    assert.deepEqual(report, {
      text: 's3ferry: MEGFILE_S3_MAX_RETRY_TIMES: expected an integer, got `abc`. Hint: unset it\n',
      exitCode: 2,
    });
  });

  it('exits 3 for a fatal runtime error such as bad credentials', () => {
    const report = reportError(new S3FerryError('auth', 'InvalidAccessKeyId', 'denied'), false);
    assert.equal(report.exitCode, 3);
    assert.equal(report.text, 's3ferry: denied\n');
  });

  it('adds the stack and the cause chain only with --debug', () => {
    const error = new S3FerryError(
      'local-io',
      'LocalIoError',
      'Cannot write /x: EACCES',
      { fatal: true },
      {
        cause: new Error('EACCES: permission denied'),
      },
    );
    const plain = reportError(error, false);
    assert.equal(plain.text, 's3ferry: Cannot write /x: EACCES\n');
    const debug = reportError(error, true);
    assert.match(debug.text, /^s3ferry: Cannot write \/x: EACCES\nS3FerryError: Cannot write/);
    assert.match(debug.text, /\n {4}at /);
    assert.match(debug.text, /Caused by: Error: EACCES: permission denied/);
  });

  it('reports an unexpected error as an internal error, exit 3, pointing at --debug', () => {
    const report = reportError(new TypeError('x is undefined\nsecond line'), false);
    assert.deepEqual(report, {
      text: 's3ferry: internal error: x is undefined second line (run with --debug for details)\n',
      exitCode: 3,
    });
    assert.match(
      reportError(new TypeError('boom'), true).text,
      /^s3ferry: internal error: boom\nTypeError: boom\n {4}at /,
    );
  });

  it('turns a commander parse error into one usage line, exit 2, folding suggestions in', () => {
    const error = new CommanderError(
      1,
      'commander.unknownOption',
      "error: unknown option '--endpont-url'\n(Did you mean --endpoint-url?)",
    );
    assert.deepEqual(reportError(error, false), {
      text: "s3ferry: unknown option '--endpont-url' (Did you mean --endpoint-url?) (see --help)\n",
      exitCode: 2,
    });
  });

  it('exits 0 silently after --help and --version, and 2 after help shown for a missing command', () => {
    assert.deepEqual(reportError(new CommanderError(0, 'commander.helpDisplayed', ''), false), {
      text: '',
      exitCode: 0,
    });
    assert.deepEqual(reportError(new CommanderError(0, 'commander.version', '0.1.0'), false), {
      text: '',
      exitCode: 0,
    });
    assert.deepEqual(reportError(new CommanderError(1, 'commander.help', '(outputHelp)'), false), {
      text: '',
      exitCode: 2,
    });
  });

  it('keeps a usage error to a single line even when its message spans lines', () => {
    const report = reportError(usageError('bad\nvalue'), false);
    assert.equal(report.text, 's3ferry: bad value\n');
  });
});
