// Size arguments (`--multipart-threshold`, `--part-size`): megfile's Kubernetes-style quantities,
// one-line usage errors for anything else (also through the CLI: exit 2), and formatBytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CliDeps } from '../../src/cli/context.ts';
import { runCli } from '../../src/cli/program.ts';
import { formatBytes, parseSize } from '../../src/cli/size.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';

describe('parseSize', () => {
  it('reads bytes, 1024-based Ki/Mi/Gi/Ti and 1000-based k/K/M/G/T, with an optional B', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['1048576', 1_048_576],
      ['8MiB', 8 * 1024 ** 2],
      ['8Mi', 8 * 1024 ** 2],
      ['5GiB', 5 * 1024 ** 3],
      ['2Ti', 2 * 1024 ** 4],
      ['64KiB', 64 * 1024],
      // megfile (parse_quantity) reads M as 10^6, not 2^20.
      ['16M', 16_000_000],
      ['16MB', 16_000_000],
      ['1k', 1000],
      ['1K', 1000],
      ['3G', 3e9],
      ['1T', 1e12],
      ['1.5GiB', 1.5 * 1024 ** 3],
      ['0.5Mi', 512 * 1024],
      [' 8 MiB ', 8 * 1024 ** 2],
      ['100B', 100],
    ];
    for (const [text, bytes] of cases) assert.equal(parseSize(text, '--part-size'), bytes, text);
  });

  it('rounds fractional sizes to whole bytes', () => {
    assert.equal(parseSize('1.0001Ki', '--part-size'), 1024);
    assert.equal(Number.isInteger(parseSize('0.3Mi', '--part-size')), true);
  });

  it('refuses anything else with a usage error naming the flag and the value, and a hint', () => {
    for (const bad of [
      '',
      'MiB',
      '-1',
      '8XB',
      '8mb',
      '8ki',
      '1e6',
      '8 MiB extra',
      '0x10',
      '8PiB',
      '1,000',
    ]) {
      assert.throws(
        () => parseSize(bad, '--multipart-threshold'),
        (error: unknown) => {
          assert.ok(isS3FerryError(error), String(error));
          assert.equal(error.kind, 'usage');
          assert.equal(error.exitCode, ExitCode.Usage);
          assert.equal(error.message, `--multipart-threshold: invalid size '${bad}'`);
          assert.match(error.hint ?? '', /8MiB/);
          assert.doesNotMatch(`${error.message} ${error.hint ?? ''}`, /\n/);
          return true;
        },
        bad,
      );
    }
  });

  it('a bad size on the command line is exit 2 and one line on stderr, before any config is read', async () => {
    let err = '';
    let out = '';
    const deps: CliDeps = {
      loadConfig: () => {
        throw new Error('the config must not be read for a usage error');
      },
      defaultCredentialsPath: () => '/nonexistent/credentials',
      homeDir: '/nonexistent',
      version: '0.0.0',
    };
    const code = await runCli(
      ['sync', 's3://bucket/a/', '/tmp/x', '--part-size', 'lots'],
      { writeOut: (t) => (out += t), writeErr: (t) => (err += t) },
      deps,
    );
    assert.equal(code, ExitCode.Usage);
    assert.equal(out, '');
    assert.match(err, /^s3ferry: --part-size: invalid size 'lots'\. Hint: [^\n]+\n$/);
  });
});

describe('formatBytes', () => {
  it('prints bytes below 1 KiB and one decimal of the largest binary unit above', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1.0 KiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(8 * 1024 ** 2), '8.0 MiB');
    assert.equal(formatBytes(214.6 * 1024 ** 2), '214.6 MiB');
    assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB');
    assert.equal(formatBytes(3 * 1024 ** 5), '3.0 PiB');
    // Beyond PiB it stays in PiB.
    assert.equal(formatBytes(2048 * 1024 ** 5), '2048.0 PiB');
  });
});
