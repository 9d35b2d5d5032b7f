// `s3ferry rm [-r] [-f] [--dry-run] PATH`: one object or file, or with -r everything under a
// prefix or directory (S3: DeleteObjects batches of 1,000 as the listing streams).
import { printable } from '../../shared/display.ts';
import { oneLine, warningLine } from '../error-line.ts';
import type { Command } from 'commander';
import { ExitCode } from '../../shared/exit-codes.ts';
import type { CliContext } from '../context.ts';
import { removeSummaryLine } from '../everyday-output.ts';
import { exitCodesHelp } from '../help.ts';
import { processHooks, registerPathSecrets } from '../run-support.ts';
import type { CommandHooks } from '../run-support.ts';

type RmFlags = {
  recursive?: boolean;
  force?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  quiet?: boolean;
};

/** Registers `rm` on `program`. */
export function registerRmCommand(
  program: Command,
  ctx: CliContext,
  hooks: Pick<CommandHooks, 'onInterrupt'> = processHooks,
): void {
  program
    .command('rm')
    .description(
      'remove one object or file, or with -r everything under a prefix or directory ' +
        '(s3://b/dir: the object dir and every key under dir/, never dir2)',
    )
    .argument('<PATH>', 's3://bucket/key, s3+PROFILE://bucket/prefix/ or a local path')
    .option('-r, --recursive', 'remove everything under PATH too (default: off)')
    .option('-f, --force', 'a missing PATH is not an error (default: off)')
    .option(
      '--dry-run',
      'print every path that would be removed (stdout) and remove nothing (default: off)',
    )
    .option('-v, --verbose', 'print every path removed (stdout) (default: off)')
    .option('-q, --quiet', 'no summary line; failures are still printed (default: off)')
    .addHelpText(
      'after',
      '\nRefused even with -r: a bucket root (s3://bucket, s3://bucket/) and the local root /.\n' +
        exitCodesHelp(),
    )
    .action(async (path: string, flags: RmFlags) => {
      const config = ctx.deps.loadConfig(ctx.settingFlags());
      registerPathSecrets(ctx, config, [path]);
      const isDryRun = flags.dryRun === true;
      const abort = new AbortController();
      const removeInterrupt = hooks.onInterrupt(() => {
        if (abort.signal.aborted) return;
        abort.abort();
        ctx.io.writeErr('s3ferry: interrupted: stopping after the batch in flight\n');
      });
      try {
        const { removePath } = await import('../../engine/rm.ts');
        const summary = await removePath(path, {
          config,
          signal: abort.signal,
          recursive: flags.recursive === true,
          force: flags.force === true,
          dryRun: isDryRun,
          onRemoved: (paths) => {
            if (isDryRun || flags.verbose === true)
              ctx.io.writeOut(paths.map((p) => `${printable(p)}\n`).join(''));
          },
          onFailure: (failure) => {
            ctx.io.writeErr(
              `s3ferry: failed: ${printable(failure.path)}: ${failure.code}: ${oneLine(failure.message)}\n`,
            );
          },
          onWarning: (message) => {
            ctx.io.writeErr(warningLine(message));
          },
        });
        // One object gone needs no summary; prefixes, dry runs and trouble do.
        const isNoteworthy =
          flags.recursive === true || isDryRun || summary.failed > 0 || summary.isInterrupted;
        if (flags.quiet !== true && isNoteworthy) ctx.io.writeErr(removeSummaryLine(path, summary));
        if (summary.isInterrupted) ctx.setExitCode?.(ExitCode.Interrupted);
        else if (summary.failed > 0) ctx.setExitCode?.(ExitCode.Partial);
      } finally {
        removeInterrupt();
      }
    });
}
