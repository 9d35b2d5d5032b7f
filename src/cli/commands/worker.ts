// `s3ferry worker --queue redis://…`: a long-running process that copies the ranges of the
// distributed jobs (`sync --queue`) queued on that Redis. Profiles come from this machine's
// environment and files. Ctrl-C or SIGTERM: the ranges in flight go back to the queue, exit 0.
import type { Command } from 'commander';
import { parseQueueUrl } from '../../distributed/queue-url.ts';
import { BOUNDS, boundedInteger } from '../../engine/options.ts';
import { ExitCode } from '../../shared/exit-codes.ts';
import type { CliContext } from '../context.ts';
import { parseDuration } from '../../shared/duration.ts';
import { exitCodesHelp } from '../help.ts';
import { processHooks, wholeNumber } from '../run-support.ts';
import type { CommandHooks } from '../run-support.ts';

type WorkerFlags = {
  queue: string;
  workers?: string;
  tasksPerWorker?: string;
  partConcurrency?: string;
  concurrency?: string;
  stallTimeout?: string;
};

/** Ranges one worker process runs at once: each is listed serially (see --list-concurrency). */
const RANGES_BOUND = { name: 'ranges at once', flag: '--concurrency', min: 1, max: 64 } as const;

export function registerWorkerCommand(
  program: Command,
  ctx: CliContext,
  hooks: CommandHooks = processHooks,
): void {
  program
    .command('worker')
    .description(
      'copy the key ranges of distributed jobs (`sync --queue`) queued on a Redis, until stopped; profiles (s3+NAME://) resolve from this machine',
    )
    .requiredOption('--queue <URL>', 'the Redis of the jobs: redis://HOST:PORT[/DB]')
    .option(
      '--concurrency <N>',
      `key ranges this process runs at once, 1 to ${RANGES_BOUND.max} (default: 1)`,
    )
    .option(
      '-w, --workers <N>',
      `worker threads per range, 1 to ${BOUNDS.workers.max} (default: available cores)`,
    )
    .option(
      '--tasks-per-worker <N>',
      `copies each worker thread runs at once, 1 to ${BOUNDS.tasksPerWorker.max} (default: 16)`,
    )
    .option(
      '--part-concurrency <N>',
      `parts in flight per object, 1 to ${BOUNDS.partConcurrency.max} (default: 4)`,
    )
    .option(
      '--stall-timeout <DURATION>',
      "how soon a range of a worker that died goes to another worker (it resumes from the range's mark), e.g. 15s, 1m (default: 15s)",
    )
    .addHelpText('after', `\nStops on Ctrl-C or SIGTERM with exit 0.\n${exitCodesHelp()}`)
    .action(async (flags: WorkerFlags) => {
      const queue = parseQueueUrl(flags.queue);
      if (queue.password !== undefined) ctx.io.addSecret(queue.password);
      const workers = wholeNumber(BOUNDS.workers, flags.workers);
      const tasksPerWorker = wholeNumber(BOUNDS.tasksPerWorker, flags.tasksPerWorker);
      const partConcurrency = wholeNumber(BOUNDS.partConcurrency, flags.partConcurrency);
      const concurrency = boundedInteger(
        RANGES_BOUND,
        wholeNumber(RANGES_BOUND, flags.concurrency) ?? 1,
      );
      const stallMs =
        flags.stallTimeout === undefined
          ? undefined
          : Math.max(1_000, parseDuration(flags.stallTimeout, '--stall-timeout'));
      const config = ctx.deps.loadConfig(ctx.settingFlags());
      const stop = new AbortController();
      const removeInterrupt = hooks.onInterrupt(() => {
        stop.abort();
      });
      try {
        const { serveQueue } = await import('../../distributed/worker.ts');
        await serveQueue({
          queue,
          settings: {
            config,
            ...(workers === undefined ? {} : { workers }),
            ...(tasksPerWorker === undefined ? {} : { tasksPerWorker }),
            ...(partConcurrency === undefined ? {} : { partConcurrency }),
          },
          concurrency,
          signal: stop.signal,
          onLog: (line) => {
            ctx.io.writeErr(`s3ferry worker: ${line}\n`);
          },
          ...(stallMs === undefined ? {} : { lockDurationMs: stallMs }),
        });
      } finally {
        removeInterrupt();
      }
      ctx.setExitCode?.(ExitCode.Ok);
    });
}
