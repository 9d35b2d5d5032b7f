// Duration arguments (`uploads --older-than`) and ages (`3h12m`): what is accepted, the one-line
// usage error for anything else (also through the CLI: exit 2, before any config is read).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CliDeps } from '../../src/cli/context.ts';
import { formatAge, parseDuration } from '../../src/shared/duration.ts';
import { runCli } from '../../src/cli/program.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it('reads s, m, h and d, sums of them, decimals, and 0 without a unit', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['000', 0],
      ['0s', 0],
      ['0d', 0],
      ['90s', 90 * S],
      ['30m', 30 * M],
      ['36h', 36 * H],
      ['7d', 7 * D],
      ['1d12h', D + 12 * H],
      ['1h30m15s', H + 30 * M + 15 * S],
      ['1.5h', 90 * M],
      [' 24h ', 24 * H],
      ['36500d', 36500 * D],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration(text, '--older-than'), ms, text);
  });

  it('refuses anything else with a usage error naming the flag and the value, and a hint', () => {
    for (const bad of [
      '',
      ' ',
      '30',
      '-1h',
      '1H',
      '1w',
      '1y',
      'h',
      '1.h',
      '.5h',
      '1e3h',
      '1h 30m',
      '30min',
      '1,5h',
      'later',
      '99999999999999999999d',
    ]) {
      assert.throws(
        () => parseDuration(bad, '--older-than'),
        (error: unknown) => {
          assert.ok(isS3FerryError(error), String(error));
          assert.equal(error.kind, 'usage');
          assert.equal(error.exitCode, ExitCode.Usage);
          assert.equal(error.message, `--older-than: invalid duration '${bad}'`);
          assert.match(error.hint ?? '', /36h/);
          assert.doesNotMatch(`${error.message} ${error.hint ?? ''}`, /\n/);
          return true;
        },
        bad,
      );
    }
  });

  it('a bad duration on the command line is exit 2 and one line on stderr, before any config is read', async () => {
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
      ['uploads', '--abort', '--older-than', '3 days', 's3://bucket/a/'],
      { writeOut: (t) => (out += t), writeErr: (t) => (err += t) },
      deps,
    );
    assert.equal(code, ExitCode.Usage);
    assert.equal(out, '');
    assert.match(err, /^s3ferry: --older-than: invalid duration '3 days'\. Hint: [^\n]+\n$/);
  });
});

describe('formatAge', () => {
  it('prints the two largest units, truncated, and drops a zero second unit', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [999, '0s'],
      [-5 * M, '0s'],
      [S, '1s'],
      [42 * S + 900, '42s'],
      [5 * M, '5m'],
      [12 * M + 5 * S, '12m5s'],
      [3 * H + 12 * M + 59 * S, '3h12m'],
      [3 * H + 59 * S, '3h'],
      [D, '1d'],
      [2 * D + 3 * H + 59 * M, '2d3h'],
      [400 * D + 5 * H, '400d5h'],
    ];
    for (const [ms, text] of cases) assert.equal(formatAge(ms), text, String(ms));
  });

  it('reads back through parseDuration to at most the truncated part', () => {
    for (const ms of [0, 59 * S, 61 * M, 36 * H, 7 * D + 1]) {
      const back = parseDuration(formatAge(ms), '--older-than');
      assert.ok(back <= ms && ms - back < Math.max(ms / 24, S), `${ms} → ${formatAge(ms)}`);
    }
  });
});
