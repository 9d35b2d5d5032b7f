// `s3ferry sync SRC DST`: a thin layer over the library's sync(): flags → SyncOptions, events →
// progress bars / status lines / NDJSON / verbose lines, summary → stderr and --report, Ctrl-C →
// cancel (twice: exit now), summary status → exit code.
import { addFilterFlags, filterSelectionOf } from '../filter-flags.ts';
import type { FilterFlags } from '../filter-flags.ts';
import { addObjectFlags, objectSettingsFromFlags } from '../object-flags.ts';
import type { ObjectFlags } from '../object-flags.ts';
import { Option, type Command } from 'commander';
import type { SyncEvent, SyncSummary } from '../../engine/events.ts';
import { parseQueueUrl } from '../../distributed/queue-url.ts';
import { METRICS_FLAGS, metricsOptionsOf } from '../../metrics/options.ts';
import type { MetricsFlags } from '../../metrics/options.ts';
import type { MetricsSession } from '../../metrics/session.ts';
import type { SyncOptions } from '../../engine/run.ts';
import { BOUNDS } from '../../engine/options.ts';
import { parseShard } from '../../plan/shard-plan.ts';
import { usageError } from '../../shared/errors.ts';
import type { ExitCode } from '../../shared/exit-codes.ts';
import type { CliContext } from '../context.ts';
import { warningLine } from '../error-line.ts';
import { reportError } from '../report-error.ts';
import { exitCodesHelp } from '../help.ts';
import { createProgressDisplay, silentDisplay } from '../progress.ts';
import type { ProgressDisplay } from '../progress.ts';
import { jsonLineWriter, processHooks, runInterruptible, wholeNumber } from '../run-support.ts';
import type { CommandHooks } from '../run-support.ts';
import { parseBandwidthLimit, parseRequestRate } from '../rate-flags.ts';
import { parseSize } from '../size.ts';
import {
  deleteFailureLine,
  deletesSkippedLine,
  exitCodeOf,
  failureLine,
  isFatalAFailure,
  planLine,
  summaryText,
  verboseLine,
} from '../sync-output.ts';

/** The flags of `sync` (and of `cp`, which runs through the same code). */
export type SyncFlags = MetricsFlags & {
  force?: boolean;
  skipExisting?: boolean;
  skip?: boolean;
  sizeOnly?: boolean;
  checksum?: boolean;
  workers?: string;
  worker?: string;
  tasksPerWorker?: string;
  failFast?: boolean;
  quiet?: boolean;
  progressBar?: boolean;
  json?: boolean;
  report?: string;
  verbose?: boolean;
  multipartThreshold?: string;
  partSize?: string;
  partConcurrency?: string;
  delete?: boolean;
  maxDelete?: string;
  allowEmptySource?: boolean;
  checkpoint?: string;
  fresh?: boolean;
  dryRun?: boolean;
  deleteExcluded?: boolean;
  listConcurrency?: string;
  checkers?: string;
  queue?: string;
  job?: string;
  plan?: string;
  shard?: string;
  bwlimit?: string;
  tpslimit?: string;
  tpslimitBurst?: string;
  /** `mv`: delete each source once its copy is verified (not a flag: the mv command sets it). */
  deleteSource?: boolean;
  createBucket?: boolean;
  /** commander's `--no-tags` sets this to false. */
  tags?: boolean;
} & ObjectFlags &
  FilterFlags;

/** Flags sync, cp and mv share: [flags, description] for commander's option(). */
export const COPY_FLAGS = {
  bwlimit: [
    '--bwlimit <RATE>',
    'bytes per second moved by this process, all workers together, e.g. 10MiB; or a daily timetable in local time, e.g. "08:00,10MiB 20:00,off" (default: off)',
  ],
  tpslimit: [
    '--tpslimit <N>',
    'HTTP requests per second sent by this process, all workers together (default: off)',
  ],
  createBucket: [
    '--create-bucket',
    "create the destination bucket if it does not exist, in the destination profile's region (default: off)",
  ],
  noTags: [
    '--no-tags',
    "S3 to S3: leave the objects' tags behind (default: tags are copied with each object)",
  ],
  tpslimitBurst: [
    '--tpslimit-burst <N>',
    'with --tpslimit: requests that may go at once after a quiet spell (default: 1)',
  ],
  ...METRICS_FLAGS,
} as const satisfies Record<string, readonly [string, string]>;

/** --bwlimit, --tpslimit and --tpslimit-burst as SyncOptions (the engine checks the ranges). */
export function rateOptionsOf(
  flags: Pick<SyncFlags, 'bwlimit' | 'tpslimit' | 'tpslimitBurst'>,
): Pick<SyncOptions, 'bwlimit' | 'tpslimit' | 'tpslimitBurst'> {
  return {
    ...(flags.bwlimit === undefined ? {} : { bwlimit: parseBandwidthLimit(flags.bwlimit) }),
    ...(flags.tpslimit === undefined
      ? {}
      : { tpslimit: parseRequestRate(flags.tpslimit, '--tpslimit') }),
    ...(flags.tpslimitBurst === undefined
      ? {}
      : { tpslimitBurst: parseRequestRate(flags.tpslimitBurst, '--tpslimit-burst') }),
  };
}

function modeOf(flags: SyncFlags): SyncOptions['mode'] {
  const chosen: [boolean | undefined, NonNullable<SyncOptions['mode']>, string][] = [
    [flags.force, 'force', '--force'],
    [flags.skipExisting === true || flags.skip === true, 'skip-existing', '--skip-existing'],
    [flags.sizeOnly, 'size-only', '--size-only'],
    [flags.checksum, 'checksum', '--checksum'],
  ];
  const given = chosen.filter(([on]) => on === true);
  if (given.length > 1) {
    throw usageError(`${given.map(([, , f]) => f).join(' and ')} cannot be combined: choose one`);
  }
  return given[0]?.[1] ?? 'default';
}

const FILTER_HELP = `
Globs and filters (quote them, or the shell expands them):
  SRC may be a glob: * and ? (never across /), ** (any depth), [abc], [!abc], {a,b};
  \\ escapes them. Keys hang from the part before the first wildcard, up to its last /;
  a matched directory counts in full. 's3://b/logs/2024-*/**' lists only keys starting
  with logs/2024- and syncs 2024-01/a.gz to DST/2024-01/a.gz. DST is always literal.
  --include/--exclude match keys relative to that root, in any order: a key is synced
  when it matches an --include (or none is given) and no --exclude (exclude wins).
  A pattern without / matches a file or directory name at any depth ('*.log', 'tmp');
  with a /, the whole key from the root ('logs/*.gz': not logs/2024/a.gz; use
  'logs/**/*.gz'); a leading / anchors to the top, a trailing / means directories.
  --files-from names the keys themselves, one per line: only those are looked up
  (one request each, no listing) and synced; the other filters still apply.
  --min-size/--max-size/--min-age/--max-age judge the source object (size, and
  LastModified or mtime; durations count back from the start of the run, or of the
  resumed pass); a key whose source they leave out is neither copied nor deleted.
  Filtered-out destination keys are never deleted, unless --delete-excluded.
`;

/** Registers `sync` on `program`. */
export function registerSyncCommand(
  program: Command,
  ctx: CliContext,
  hooks: CommandHooks = processHooks,
): void {
  const command = program
    .command('sync')
    .description(
      'make DST hold every object or file under SRC (one-way; nothing is deleted without --delete). SRC and DST: ' +
        's3://bucket/prefix, s3+PROFILE://bucket/prefix or a local path. A single object syncs to exactly DST.',
    )
    .argument('<SRC>', 'source')
    .argument('<DST>', 'destination')
    .option('-f, --force', 'copy everything, even objects that look the same')
    .option('--skip-existing', 'copy only keys missing at the destination')
    .addOption(new Option('--skip', 'same as --skip-existing (megfile)'))
    .option('--size-only', 'copy when sizes differ (ignore times)')
    .option(
      '--checksum',
      'compare content: S3 ETags (MD5) and MD5s of local files; multipart ETags fall back to size and time',
    )
    .option(
      '-w, --workers <N>',
      `worker threads, 1 to ${BOUNDS.workers.max} (4 per core) (default: available cores)`,
    )
    .addOption(new Option('--worker <N>', 'same as --workers (megfile)').hideHelp())
    .option(
      '--tasks-per-worker <N>',
      `copies each worker runs at once, 1 to ${BOUNDS.tasksPerWorker.max} (default: 16)`,
    )
    .option(
      '--multipart-threshold <SIZE>',
      'copy objects of at least SIZE in parts, at most 5GiB (default: 64MiB)',
    )
    .option('--part-size <SIZE>', 'preferred part size, 5MiB to 5GiB (default: 16MiB)')
    .option(
      '--part-concurrency <N>',
      `parts in flight per object, 1 to ${BOUNDS.partConcurrency.max} (default: 4)`,
    )
    .option(
      '--list-concurrency <N>',
      `key ranges in flight, each listed, compared and copied on its own (a large range is split while it is listed); 1 to ${BOUNDS.listConcurrency.max} (default: 1)`,
    )
    .option(
      '--checkers <N>',
      `local files hashed at once for --checksum, apart from the copies; 1 to ${BOUNDS.checkers.max} (default: 8)`,
    )
    .option('--fail-fast', 'stop dispatching after the first failed object')
    .option(...COPY_FLAGS.bwlimit)
    .option(...COPY_FLAGS.tpslimit)
    .option(...COPY_FLAGS.tpslimitBurst)
    .option(...COPY_FLAGS.createBucket)
    .option(...COPY_FLAGS.noTags)
    .option(...COPY_FLAGS.metricsPush)
    .option(...COPY_FLAGS.metricsPushInterval)
    .option(...COPY_FLAGS.metricsTextfile)
    .option(...COPY_FLAGS.metricsAddr)
    .option(...COPY_FLAGS.metricsJob)
    .option(
      '--delete',
      'delete destination keys absent at the source, only after every copy succeeded (default: off)',
    )
    .option(
      '--max-delete <N>',
      'with --delete: if more than N deletes would happen, delete nothing and exit 1 (default: no limit)',
    )
    .option(
      '--allow-empty-source',
      'with --delete: delete even when the source lists no objects (default: refuse, exit 1)',
    )
    .option(
      '--dry-run',
      'print what would be copied and deleted, and why; write nothing (default: off)',
    )
    .option(
      '--checkpoint <FILE>',
      'record the job in FILE as it runs (crash-safe); the same command run again resumes it without listing what was done; a finished FILE starts a new pass (default: none)',
    )
    .option(
      '--fresh',
      'with --checkpoint or --queue: discard what FILE (or the job in Redis) holds and start the job over',
    )
    .option(
      '--queue <URL>',
      'run as a distributed job on redis://HOST:PORT[/DB]: `s3ferry worker` processes anywhere do the copying, this command shows progress, deletes (--delete) and reports; run again after a crash to re-attach (default: local run)',
    )
    .option(
      '--job <NAME>',
      "with --queue: the job's name in Redis (default: derived from SRC, DST and the options, so the same command finds the same job)",
    )
    .option(
      '--plan <FILE>',
      'with --shard: the plan made by `s3ferry plan` for the same SRC and DST (default: none)',
    )
    .option(
      '--shard <I/N>',
      'with --plan: sync only range I of its N (I from 0, as $JOB_COMPLETION_INDEX); keys outside it are not listed, copied or deleted (default: all)',
    )
    .option(
      '--delete-excluded',
      'with --delete: also delete destination keys that the filters or a glob SRC leave out (default: off)',
    )
    .option('-q, --quiet', 'no progress display and no summary; failures are still printed')
    .option('-g, --progress-bar', 'show progress (the default; accepted for megfile)')
    .option(
      '--json',
      'write newline-delimited JSON events to stdout (start, progress, failures, summary)',
    )
    .option('--report <FILE>', 'write the final summary as JSON to FILE')
    .option('-v, --verbose', 'one line per object: copy or skip, and why')
    .addHelpText(
      'after',
      '\nSizes: bytes, or a number with Ki/Mi/Gi/Ti (1024-based) or k/M/G/T (1000-based), e.g. 8MiB.\n' +
        FILTER_HELP +
        exitCodesHelp(),
    );
  addFilterFlags(command, 'sync');
  addObjectFlags(command);
  command.action(async (src: string, dst: string, flags: SyncFlags) => {
    const code = await runSyncCommand(src, dst, flags, ctx, hooks);
    ctx.setExitCode?.(code);
  });
}

/** Runs one sync with the CLI's output, Ctrl-C handling and exit code (`cp` uses it too). */
export async function runSyncCommand(
  src: string,
  dst: string,
  flags: SyncFlags,
  ctx: CliContext,
  hooks: CommandHooks,
): Promise<ExitCode> {
  const options: SyncOptions = { src, dst, mode: modeOf(flags) };
  // megfile's default is -1 ("automatic"); 0 is an error (the engine names the range).
  const workersText = flags.workers ?? flags.worker;
  const workers =
    workersText?.trim() === '-1' ? undefined : wholeNumber(BOUNDS.workers, workersText);
  if (workers !== undefined) options.workers = workers;
  const tasksPerWorker = wholeNumber(BOUNDS.tasksPerWorker, flags.tasksPerWorker);
  if (tasksPerWorker !== undefined) options.tasksPerWorker = tasksPerWorker;
  const partConcurrency = wholeNumber(BOUNDS.partConcurrency, flags.partConcurrency);
  if (partConcurrency !== undefined) options.partConcurrency = partConcurrency;
  const listConcurrency = wholeNumber(BOUNDS.listConcurrency, flags.listConcurrency);
  if (listConcurrency !== undefined) options.listConcurrency = listConcurrency;
  const checkers = wholeNumber(BOUNDS.checkers, flags.checkers);
  if (checkers !== undefined) options.checkers = checkers;
  if (flags.multipartThreshold !== undefined) {
    options.multipartThresholdBytes = parseSize(flags.multipartThreshold, '--multipart-threshold');
  }
  if (flags.partSize !== undefined)
    options.partSizeBytes = parseSize(flags.partSize, '--part-size');
  if (flags.failFast === true) options.failFast = true;
  Object.assign(options, rateOptionsOf(flags));
  if (flags.delete === true) options.shouldDelete = true;
  if (flags.deleteSource === true) options.shouldDeleteSource = true;
  if (flags.createBucket === true) options.createBucket = true;
  if (flags.tags === false) options.copyTags = false;
  const objectSettings = objectSettingsFromFlags(flags);
  if (objectSettings !== undefined) options.objectSettings = objectSettings;
  const maxDelete = wholeNumber(BOUNDS.maxDelete, flags.maxDelete);
  if (maxDelete !== undefined) options.maxDelete = maxDelete;
  const isDryRun = flags.dryRun === true;
  if (isDryRun) options.isDryRun = true;
  Object.assign(options, await filterSelectionOf(flags));
  if (flags.deleteExcluded === true) options.shouldDeleteExcluded = true;
  if (flags.allowEmptySource === true) options.allowEmptySource = true;
  if (flags.checkpoint !== undefined) options.checkpoint = flags.checkpoint;
  if (flags.job !== undefined && flags.queue === undefined) {
    throw usageError(
      '--job names a job in Redis, but no --queue was given',
      'add --queue redis://HOST:PORT',
    );
  }
  const queue = flags.queue === undefined ? undefined : parseQueueUrl(flags.queue);
  if (flags.fresh === true && queue === undefined) options.fresh = true;
  if (queue?.password !== undefined) ctx.io.addSecret(queue.password);
  if (flags.plan !== undefined) options.plan = flags.plan;
  if (flags.shard !== undefined) options.shard = parseShard(flags.shard);
  const metricsOptions = metricsOptionsOf(flags);
  ctx.io.addSecret(metricsOptions?.push?.password);
  const config = ctx.deps.loadConfig(ctx.settingFlags());
  options.config = config;

  const isJson = flags.json === true;
  const isQuiet = flags.quiet === true;
  const isVerbose = flags.verbose === true;
  const display: ProgressDisplay =
    isJson || isQuiet
      ? silentDisplay(ctx.io)
      : createProgressDisplay({
          io: ctx.io,
          isTty: hooks.isTty(),
          ...(hooks.columns() === undefined ? {} : { columns: hooks.columns() }),
        });
  const writeJson = jsonLineWriter(ctx.io);

  // prom-client loads only when a --metrics-* flag asks for metrics.
  const metrics: MetricsSession | undefined =
    metricsOptions === undefined
      ? undefined
      : await import('../../metrics/session.ts').then(({ startMetrics }) =>
          startMetrics(metricsOptions, {
            src,
            dst,
            warn: (message) => {
              display.log(warningLine(message));
            },
            redact: (text) => ctx.io.redact(text),
          }),
        );

  const onEvent = (event: SyncEvent): void => {
    metrics?.onEvent(event);
    if (isJson) {
      if (event.kind === 'object') {
        // A dry run's plan is its output: copies and deletes always, skips with -v.
        if (isVerbose || (isDryRun && event.action !== 'skip')) writeJson(event);
      } else {
        writeJson(event);
      }
      return;
    }
    display.update(event);
    const plan = isDryRun ? planLine(event) : undefined;
    if (plan !== undefined) ctx.io.writeOut(plan);
    else if (event.kind === 'failure') display.log(failureLine(event));
    else if (event.kind === 'delete-failure') display.log(deleteFailureLine(event));
    else if (event.kind === 'warning') display.log(warningLine(event.message));
    else if (isVerbose && !isQuiet) {
      const line = verboseLine(event);
      if (line !== undefined) display.log(line);
    }
  };

  const runCopies = (): Promise<SyncSummary> =>
    runInterruptible({
      ctx,
      hooks,
      display,
      config,
      src,
      dst,
      interruptedLine:
        's3ferry: interrupted: stopping the copies in flight (Ctrl-C again to quit at once)\n',
      report: flags.report,
      isJson,
      run: (signal) => {
        options.signal = signal;
        if (queue === undefined)
          return import('../../engine/run.ts').then(({ sync }) => sync(options, onEvent));
        // BullMQ and ioredis load only for a distributed run (~0.4 s of CPU at start-up).
        return import('../../distributed/coordinator.ts').then(({ coordinate }) =>
          coordinate(
            options,
            {
              queue,
              ...(flags.job === undefined ? {} : { job: flags.job }),
              ...(flags.fresh === true ? { fresh: true } : {}),
            },
            onEvent,
          ),
        );
      },
    });

  let summary: SyncSummary;
  try {
    summary = await runCopies();
  } catch (error) {
    await metrics?.finish({ exitCode: reportError(error, false).exitCode });
    throw error;
  }
  await metrics?.finish({ summary, exitCode: exitCodeOf(summary) });
  const skippedDeletes = deletesSkippedLine(summary);
  if (!isJson && skippedDeletes !== undefined) ctx.io.writeErr(skippedDeletes);
  if (!isJson && !isQuiet) ctx.io.writeErr(summaryText(summary));
  else if (!isJson && summary.fatal !== undefined && !isFatalAFailure(summary)) {
    ctx.io.writeErr(summaryText(summary));
  }
  return exitCodeOf(summary);
}
