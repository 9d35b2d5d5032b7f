// The flags that choose which keys a command is about (issue 14 §2), shared by sync, cp, mv,
// check and ls -r: --include/--exclude and the files they come from, --files-from, and the size
// and age bounds. The files are read here (`-`: standard input); the engine checks the values,
// so the library and the CLI refuse the same ones.
import { readFile } from 'node:fs/promises';
import { collect } from './run-support.ts';
import type { Command } from 'commander';
import type { SizeAgeOptions } from '../plan/entry-filter.ts';
import { parseKeyList } from '../plan/files-from.ts';
import { filterPatternProblem } from '../plan/filter.ts';
import { usageError } from '../shared/errors.ts';
import { parseSize } from './size.ts';

/** What commander makes of the flags below. */
export type FilterFlags = {
  include?: string[];
  exclude?: string[];
  includeFrom?: string[];
  excludeFrom?: string[];
  filesFrom?: string;
  minSize?: string;
  maxSize?: string;
  minAge?: string;
  maxAge?: string;
};

/** The selection the flags make, as the engine's options name it. */
export type FilterSelection = {
  include?: string[];
  exclude?: string[];
  filesFrom?: string[];
} & SizeAgeOptions;

/**
 * Adds the filter flags to `command`; `what` names what they select (`sync`, `with -r: list`).
 * `isLookedUp`: --files-from replaces the listing by lookups (not for `ls`, which filters it).
 */
export function addFilterFlags(command: Command, what: string, isLookedUp = true): Command {
  const lookup = isLookedUp
    ? 'each is looked up instead of listing everything'
    : 'the listing is filtered';
  return command
    .option(
      '--include <GLOB>',
      `${what} only keys matching GLOB, relative to the source root; repeatable (default: all keys)`,
      collect,
    )
    .option(
      '--exclude <GLOB>',
      'leave out keys matching GLOB; repeatable; wins over --include (default: none)',
      collect,
    )
    .option(
      '--include-from <FILE>',
      "--include patterns read from FILE, one per line ('#' comments, blank lines skipped); repeatable (default: none)",
      collect,
    )
    .option(
      '--exclude-from <FILE>',
      "--exclude patterns read from FILE, one per line ('#' comments, blank lines skipped); repeatable (default: none)",
      collect,
    )
    .option(
      '--files-from <FILE>',
      `${what} only the keys FILE names, one per line relative to the source root ('-': standard input); ${lookup} (default: all keys)`,
    )
    .option('--min-size <SIZE>', `${what} only objects of at least SIZE (default: no bound)`)
    .option('--max-size <SIZE>', `${what} only objects of at most SIZE (default: no bound)`)
    .option(
      '--min-age <AGE>',
      `${what} only objects modified at least AGE ago: a duration (36h, 7d) or an ISO date (2026-01-31) (default: no bound)`,
    )
    .option(
      '--max-age <AGE>',
      `${what} only objects modified at most AGE ago: a duration (36h, 7d) or an ISO date (default: no bound)`,
    );
}

/**
 * Reads the files the flags name and returns the selection (only what was given).
 * @throws S3FerryError (kind `usage`, exit 2): a file that cannot be read, a bad pattern in one
 *   (named by file and line), a bad size.
 */
export async function filterSelectionOf(
  flags: FilterFlags,
  readStdin: () => Promise<string> = readProcessStdin,
): Promise<FilterSelection> {
  const selection: FilterSelection = {};
  const stdinUsers = [flags.filesFrom, ...(flags.includeFrom ?? []), ...(flags.excludeFrom ?? [])];
  if (stdinUsers.filter((file) => file === '-').length > 1) {
    throw usageError(
      'standard input (-) can feed only one of --files-from, --include-from and --exclude-from',
    );
  }
  const read = (flag: string, file: string): Promise<string> =>
    file === '-'
      ? readStdin()
      : readFile(file, 'utf8').catch((error: unknown) => {
          const code = (error as { code?: unknown }).code;
          throw usageError(
            `${flag}: cannot read ${file}: ${typeof code === 'string' ? code : String(error)}`,
          );
        });
  const include = [...(flags.include ?? [])];
  const exclude = [...(flags.exclude ?? [])];
  for (const [flag, files, into] of [
    ['--include-from', flags.includeFrom, include],
    ['--exclude-from', flags.excludeFrom, exclude],
  ] as const) {
    for (const file of files ?? []) into.push(...patternsOf(flag, file, await read(flag, file)));
  }
  if (include.length > 0) selection.include = include;
  if (exclude.length > 0) selection.exclude = exclude;
  if (flags.filesFrom !== undefined) {
    selection.filesFrom = parseKeyList(await read('--files-from', flags.filesFrom));
  }
  if (flags.minSize !== undefined) selection.minSizeBytes = parseSize(flags.minSize, '--min-size');
  if (flags.maxSize !== undefined) selection.maxSizeBytes = parseSize(flags.maxSize, '--max-size');
  if (flags.minAge !== undefined) selection.minAge = flags.minAge;
  if (flags.maxAge !== undefined) selection.maxAge = flags.maxAge;
  return selection;
}

/** The patterns of an --include-from/--exclude-from file, each checked (file and line named). */
function patternsOf(flag: string, file: string, text: string): string[] {
  const patterns: string[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const problem = filterPatternProblem(line);
    if (problem !== undefined) {
      throw usageError(`${flag} ${file} line ${index + 1}: ${problem.message}`, problem.hint);
    }
    patterns.push(line);
  }
  return patterns;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
