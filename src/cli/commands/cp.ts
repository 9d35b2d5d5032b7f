// `s3ferry cp [-r] SRC DST` and `s3ferry mv [-r] SRC DST`: megfile's cp and mv, run through the
// sync engine in force mode (same copy paths, progress, summary, report and exit codes as
// `sync`); mv deletes each source once its copy is verified (src/engine/source-moves.ts). The
// path rules (one object or a directory, DST ending in `/`) live in src/engine/cp.ts.
import { addFilterFlags } from '../filter-flags.ts';
import { addObjectFlags } from '../object-flags.ts';
import { Option, type Command } from 'commander';
import { BOUNDS } from '../../engine/options.ts';
import type { CliContext } from '../context.ts';
import { exitCodesHelp } from '../help.ts';
import { processHooks, registerPathSecrets } from '../run-support.ts';
import type { CommandHooks } from '../run-support.ts';
import { COPY_FLAGS, runSyncCommand } from './sync.ts';
import type { SyncFlags } from './sync.ts';

type CpFlags = Omit<SyncFlags, 'force' | 'skipExisting' | 'sizeOnly' | 'checksum'> & {
  recursive?: boolean;
  /** commander's `--no-target-directory` sets this to false. */
  targetDirectory?: boolean;
  skip?: boolean;
};

/** The flags sync knows (cp's own are dropped). */
function syncOnly(flags: CpFlags): SyncFlags {
  const rest: CpFlags = { ...flags };
  delete rest.recursive;
  delete rest.targetDirectory;
  delete rest.skip;
  return rest;
}

/** Registers `cp` on `program`. */
export function registerCpCommand(
  program: Command,
  ctx: CliContext,
  hooks: CommandHooks = processHooks,
): void {
  registerCopyCommand(program, ctx, hooks, {
    name: 'cp',
    description:
      'copy one object or file, or with -r everything under a prefix or directory, through the ' +
      'sync engine (every object is copied, even if it looks the same)',
    isMove: false,
  });
}

/** Registers `mv` on `program`. */
export function registerMvCommand(
  program: Command,
  ctx: CliContext,
  hooks: CommandHooks = processHooks,
): void {
  registerCopyCommand(program, ctx, hooks, {
    name: 'mv',
    description:
      'move one object or file, or with -r everything under a prefix or directory: copy through ' +
      'the sync engine, then delete each source once its copy is verified (bytes checked on the ' +
      'way, else size and MD5 at the destination); the source of a failed copy stays',
    isMove: true,
  });
}

function registerCopyCommand(
  program: Command,
  ctx: CliContext,
  hooks: CommandHooks,
  spec: { name: 'cp' | 'mv'; description: string; isMove: boolean },
): void {
  const command = program
    .command(spec.name)
    .description(spec.description)
    .argument('<SRC>', 's3://bucket/key, s3+PROFILE://bucket/prefix or a local path')
    .argument('<DST>', 'destination; ending in / it receives SRC under its own name')
    .option('-r, --recursive', 'copy everything under SRC (a prefix or directory) (default: off)')
    .option(
      '-T, --no-target-directory',
      'DST is the target itself, even ending in / or naming a directory (default: off)',
    )
    .option(
      '-w, --workers <N>',
      `worker threads, 1 to ${BOUNDS.workers.max} (4 per core) (default: available cores)`,
    )
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
    .option('--fail-fast', 'stop dispatching after the first failed object (default: off)')
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
    .option('-q, --quiet', 'no progress display and no summary; failures are still printed')
    .option('-g, --progress-bar', 'show progress (the default; accepted for megfile)')
    .option('--json', 'newline-delimited JSON events on stdout (default: off)')
    .option('--report <FILE>', 'write the final summary as JSON to FILE')
    .option('-v, --verbose', 'one line per object (default: off)')
    .option(
      '--dry-run',
      `print what would be ${spec.isMove ? 'moved' : 'copied'}; write${spec.isMove ? ' and delete' : ''} nothing (default: off)`,
    )
    .addOption(new Option('--worker <N>', 'same as --workers (megfile)').hideHelp())
    .addHelpText(
      'after',
      '\nWhere things land:\n' +
        `  ${spec.name} s3://b/a.txt s3://c/x.txt     the object x.txt\n` +
        `  ${spec.name} s3://b/a.txt s3://c/d/        s3://c/d/a.txt (DST ending in /, or an existing directory)\n` +
        `  ${spec.name} -r s3://b/dir s3://c/out      s3://c/out/<everything under dir/>, whether out exists or not\n` +
        `  ${spec.name} -r s3://b/dir s3://c/out/     s3://c/out/dir/<everything under dir/>\n` +
        `Unlike megfile, ${spec.name} -r never nests into DST just because DST exists (S3 has no directories,\n` +
        'and a second run would copy into DST/dir/): end DST with / to keep the source name.\n' +
        exitCodesHelp(),
    );
  if (!spec.isMove) {
    command.option('--skip', 'copy only keys missing at the destination (default: copy all)');
  }
  addFilterFlags(command, spec.isMove ? 'move' : 'copy');
  addObjectFlags(command);
  command.action(async (src: string, dst: string, flags: CpFlags) => {
    const config = ctx.deps.loadConfig(ctx.settingFlags());
    registerPathSecrets(ctx, config, [src, dst]);
    const { resolveCopy } = await import('../../engine/cp.ts');
    const resolved = await resolveCopy(src, dst, {
      config,
      recursive: flags.recursive === true,
      noTargetDirectory: flags.targetDirectory === false,
    });
    // Only the flags sync knows; cp always forces (or, with --skip, copies what is missing).
    const syncFlags: SyncFlags = {
      ...syncOnly(flags),
      ...(flags.skip === true ? { skip: true } : { force: true }),
      ...(spec.isMove ? { deleteSource: true } : {}),
    };
    const code = await runSyncCommand(resolved.src, resolved.dst, syncFlags, ctx, hooks);
    ctx.setExitCode?.(code);
  });
}
