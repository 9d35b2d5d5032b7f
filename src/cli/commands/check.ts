// `s3ferry check SRC DST`: a thin layer over the library's check(): flags → CheckOptions, events →
// difference lines (stdout), progress and summary (stderr) or NDJSON (--json), summary → --report
// and the exit code (0 match, 1 differ), Ctrl-C → cancel (twice: exit now).
import type { Command } from 'commander';
import type { CheckEvent, CheckOptions } from '../../engine/check.ts';
import { BOUNDS } from '../../engine/options.ts';
import type { ExitCode } from '../../shared/exit-codes.ts';
import {
  checkExitCode,
  checkFailureLine,
  checkSummaryText,
  sourceEmptyLine,
  createCheckProgressDisplay,
  differenceLine,
  sameLine,
} from '../check-output.ts';
import type { CliContext } from '../context.ts';
import { warningLine } from '../error-line.ts';
import { addFilterFlags, filterSelectionOf } from '../filter-flags.ts';
import type { FilterFlags } from '../filter-flags.ts';
import { jsonLineWriter, processHooks, runInterruptible, wholeNumber } from '../run-support.ts';
import type { CommandHooks } from '../run-support.ts';

type CheckFlags = FilterFlags & {
  download?: boolean;
  workers?: string;
  tasksPerWorker?: string;
  quiet?: boolean;
  verbose?: boolean;
  json?: boolean;
  report?: string;
};

/** Hooks the CLI binds to the process (sync's, plus whether stdout is a terminal); tests replace them. */
export type CheckCommandHooks = CommandHooks & {
  /** stdout is a terminal. */
  isStdoutTty(): boolean;
};

/** The process-bound hooks. */
export const checkProcessHooks: CheckCommandHooks = {
  ...processHooks,
  isStdoutTty: () => process.stdout.isTTY,
};

const EXIT_CODES_HELP =
  '\nExit codes:\n' +
  '  0    the destination matches the source\n' +
  '  1    some key is missing, extra or different (or could not be compared)\n' +
  '  2    usage or configuration error\n' +
  '  3    fatal error that stopped the check (bad credentials, missing bucket, bug)\n' +
  '  130  interrupted (Ctrl-C)\n';

/** Registers `check` on `program`. */
export function registerCheckCommand(
  program: Command,
  ctx: CliContext,
  hooks: CheckCommandHooks = checkProcessHooks,
): void {
  const command = program
    .command('check')
    .description(
      'verify that DST holds exactly what SRC holds, without changing anything: prints every key ' +
        'missing at DST, extra at DST, or different (size; content where comparable: plain-MD5 ' +
        'ETags and MD5s of local files; with --download, both sides read and hashed). ' +
        'Differences go to stdout, progress and the summary to stderr.',
    )
    .argument('<SRC>', 'source: s3://bucket/prefix, s3+PROFILE://bucket/prefix or a local path')
    .argument('<DST>', 'destination, same forms (a single source object: exactly this path)')
    .option(
      '--download',
      'compare the content of every same-size pair by reading both sides and hashing them in the ' +
        'workers: works for multipart ETags, SSE-KMS objects and any two servers (default: off: ' +
        'ETags and local MD5s are compared; keys with multipart ETags by size only, and counted)',
    )
    .option(
      '-w, --workers <N>',
      `worker threads that hash, 1 to ${BOUNDS.workers.max} (4 per core) (default: available cores)`,
    )
    .option(
      '--tasks-per-worker <N>',
      `hashes each worker runs at once, 1 to ${BOUNDS.tasksPerWorker.max} (default: 16)`,
    )
    .option('-q, --quiet', 'no progress and no summary; differences and failures still printed')
    .option('-v, --verbose', 'also print one line per key found the same, and how it was compared')
    .option(
      '--json',
      'write newline-delimited JSON events to stdout instead of lines (start, differences, ' +
        'failures, progress, summary; with -v also keys found the same)',
    )
    .option('--report <FILE>', 'write the final summary as JSON to FILE (default: none)');
  addFilterFlags(command, 'compare')
    .addHelpText(
      'after',
      '\nLines: "missing: KEY", "extra: KEY", "differs (size SRC ≠ DST): KEY", "differs (md5): KEY";\n' +
        'KEY is relative to SRC and DST. S3 ETags of SSE-KMS/SSE-C objects are not MD5s: use --download.\n' +
        'The filters select keys as sync does: keys they leave out are neither compared nor reported.\n' +
        EXIT_CODES_HELP,
    )
    .action(async (src: string, dst: string, flags: CheckFlags) => {
      const code = await runCheckCommand(src, dst, flags, ctx, hooks);
      ctx.setExitCode?.(code);
    });
}

async function runCheckCommand(
  src: string,
  dst: string,
  flags: CheckFlags,
  ctx: CliContext,
  hooks: CheckCommandHooks,
): Promise<ExitCode> {
  const options: CheckOptions = { src, dst };
  if (flags.download === true) options.download = true;
  const workers = wholeNumber(BOUNDS.workers, flags.workers);
  if (workers !== undefined) options.workers = workers;
  const tasksPerWorker = wholeNumber(BOUNDS.tasksPerWorker, flags.tasksPerWorker);
  if (tasksPerWorker !== undefined) options.tasksPerWorker = tasksPerWorker;
  Object.assign(options, await filterSelectionOf(flags));
  const config = ctx.deps.loadConfig(ctx.settingFlags());
  options.config = config;

  const isJson = flags.json === true;
  const isQuiet = flags.quiet === true;
  const isVerbose = flags.verbose === true;
  const isTty = hooks.isTty();
  const columns = hooks.columns();
  const display = createCheckProgressDisplay({
    io: ctx.io,
    isTty,
    isSilent: isJson || isQuiet,
    ...(columns === undefined ? {} : { columns }),
  });
  // Lines are the result, so they go to stdout; but when stdout and the bars share the terminal,
  // they go through the bars' logger, which prints them above the bars instead of through them.
  const isSharedTerminal = isTty && hooks.isStdoutTty() && !isJson && !isQuiet;
  const writeLine = (text: string): void => {
    if (isSharedTerminal) display.log(text);
    else ctx.io.writeOut(text);
  };
  const writeJson = jsonLineWriter(ctx.io);

  const onEvent = (event: CheckEvent): void => {
    if (isJson) {
      if (event.kind !== 'same' || isVerbose) writeJson(event);
      return;
    }
    display.update(event);
    if (event.kind === 'difference') writeLine(differenceLine(event));
    else if (event.kind === 'same' && isVerbose) writeLine(sameLine(event));
    else if (event.kind === 'failure') display.log(checkFailureLine(event));
    else if (event.kind === 'warning') display.log(warningLine(event.message));
  };

  const summary = await runInterruptible({
    ctx,
    hooks,
    display,
    config,
    src,
    dst,
    interruptedLine: 's3ferry: interrupted: stopping the check (Ctrl-C again to quit at once)\n',
    report: flags.report,
    isJson,
    run: (signal) => {
      options.signal = signal;
      return import('../../engine/check.ts').then(({ check }) => check(options, onEvent));
    },
  });
  if (!isJson && summary.isSourceEmpty) ctx.io.writeErr(sourceEmptyLine(summary));
  // -q still says why a check stopped: a silent exit 3 proves nothing.
  if (!isJson && (!isQuiet || summary.fatal !== undefined)) {
    ctx.io.writeErr(checkSummaryText(summary));
  }
  return checkExitCode(summary);
}
