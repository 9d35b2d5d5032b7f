// `s3ferry ls [-l] [-r] [-h] [-f] PATH`: megfile's ls. Prints each listing page as it arrives
// (a huge prefix starts printing at once; memory holds one page), `total(N): SIZE` after `-l`.
import type { Command } from 'commander';
import { ExitCode } from '../../shared/exit-codes.ts';
import type { CliContext } from '../context.ts';
import { lsLine, totalLine } from '../everyday-output.ts';
import { registerPathSecrets } from '../run-support.ts';
import { warningLine } from '../error-line.ts';
import { addFilterFlags, filterSelectionOf } from '../filter-flags.ts';
import type { FilterFlags } from '../filter-flags.ts';
import { exitCodesHelp } from '../help.ts';

type LsFlags = FilterFlags & {
  long?: boolean;
  recursive?: boolean;
  humanReadable?: boolean;
  full?: boolean;
};

/** Registers `ls` on `program`. */
export function registerLsCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('ls')
    .description(
      'list a directory level (objects, and prefixes ending in /) or, with -r, every object below; ' +
        'PATH: s3://bucket/prefix, s3+PROFILE://…, s3:// (the buckets) or a local path',
    )
    .argument('<PATH>', 'what to list')
    // -h is --human-readable here (megfile), so help is --help only.
    .helpOption('--help', 'show help')
    .option('-l, --long', 'size, modification time and name, then a total(N) line (default: off)')
    .option('-r, --recursive', 'every object or file below PATH, no directories (default: off)')
    .option('-h, --human-readable', 'with -l: sizes as 1.5 KB, 2.0 MB (default: off)')
    .option('-f, --full', 'print full paths instead of names relative to PATH (default: off)');
  addFilterFlags(command, 'with -r: list', false)
    .addHelpText(
      'after',
      '\nNames are relative to PATH (sub/b.txt with -r); a PATH naming one object prints its name.\n' +
        'With -l, directories show size 0 and, for S3 prefixes (which have no time), the epoch.\n' +
        'The filters take -r and select as sync does, on names relative to PATH.\n' +
        exitCodesHelp(),
    )
    .action(async (path: string, flags: LsFlags) => {
      const config = ctx.deps.loadConfig(ctx.settingFlags());
      registerPathSecrets(ctx, config, [path]);
      const format = {
        isLong: flags.long === true,
        isHuman: flags.humanReadable === true,
        isFull: flags.full === true,
      };
      let count = 0;
      let bytes = 0;
      let warnings = 0;
      const selection = await filterSelectionOf(flags);
      const { ls } = await import('../../engine/ls.ts');
      for await (const batch of ls(path, {
        config,
        recursive: flags.recursive === true,
        ...(Object.keys(selection).length === 0 ? {} : { selection }),
        onWarning: (message) => {
          warnings += 1;
          ctx.io.writeErr(warningLine(message));
        },
      })) {
        let text = '';
        for (const entry of batch) {
          count += 1;
          bytes += entry.sizeBytes;
          text += lsLine(entry, format);
        }
        ctx.io.writeOut(text);
      }
      if (format.isLong) ctx.io.writeOut(totalLine(count, bytes));
      // Files that could not be listed were reported: the listing is incomplete.
      if (warnings > 0) ctx.setExitCode?.(ExitCode.Partial);
    });
}
