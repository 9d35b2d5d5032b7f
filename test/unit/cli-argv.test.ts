// megfile's two-letter short flags (`-st`, `-as`) are rewritten before commander parses argv.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expandMultiCharShortFlags } from '../../src/cli/argv.ts';

describe('expandMultiCharShortFlags', () => {
  it('rewrites -st and -as after `config s3` to their long flags', () => {
    assert.deepEqual(
      expandMultiCharShortFlags(['config', 's3', 'AK', 'SK', '-st', 'TOK', '-as', 'path']),
      ['config', 's3', 'AK', 'SK', '--session-token', 'TOK', '--addressing-style', 'path'],
    );
  });

  it('rewrites the -st=VALUE form', () => {
    assert.deepEqual(expandMultiCharShortFlags(['config', 's3', '-st=T', 'AK', 'SK']), [
      'config',
      's3',
      '--session-token=T',
      'AK',
      'SK',
    ]);
  });

  it('keeps global options before the command and leaves other commands alone', () => {
    assert.deepEqual(
      expandMultiCharShortFlags(['--debug', 'config', 's3', 'A', 'B', '-as', 'auto']),
      ['--debug', 'config', 's3', 'A', 'B', '--addressing-style', 'auto'],
    );
    assert.deepEqual(expandMultiCharShortFlags(['config', 'show', '-st']), [
      'config',
      'show',
      '-st',
    ]);
  });

  it('never rewrites the value of an option or anything after --', () => {
    assert.deepEqual(
      expandMultiCharShortFlags(['config', 's3', '--session-token', '-as', 'A', 'B', '--', '-st']),
      ['config', 's3', '--session-token', '-as', 'A', 'B', '--', '-st'],
    );
  });
});
