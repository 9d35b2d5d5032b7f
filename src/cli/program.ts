// Builds the commander program and runs one command line. Every error of every command ends up
// in reportError() here: the one place that decides what is printed and the exit code.
//
// Start-up: every command is registered (flags, help) on every run, so the commands/*.ts files
// and what they import statically must stay light: no engine run code, no SDK, no p-queue,
// piscina or BullMQ. A command's action loads the engine with `await import()` once its flags
// are checked, so `--help`, `CMD --help` and usage errors never load it
// (test/e2e/startup-cli.test.ts). Type-only imports are free.
import { Command } from 'commander';
import type { ExitCode } from '../shared/exit-codes.ts';
import { expandMultiCharShortFlags } from './argv.ts';
import { registerCheckCommand } from './commands/check.ts';
import { registerCatCommand } from './commands/cat.ts';
import { registerConfigCommand } from './commands/config.ts';
import { registerCpCommand, registerMvCommand } from './commands/cp.ts';
import { registerLsCommand } from './commands/ls.ts';
import { registerPlanCommand } from './commands/plan.ts';
import { registerRmCommand } from './commands/rm.ts';
import { registerStatCommand } from './commands/stat.ts';
import { registerSyncCommand } from './commands/sync.ts';
import { registerUploadsCommand } from './commands/uploads.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import type { CliContext, CliDeps, SettingFlags } from './context.ts';
import { exitCodesHelp } from './help.ts';
import { createRedactingIo, type CliIo } from './io.ts';
import { reportError } from './report-error.ts';
import { addSettingFlags, readSettingFlags } from './setting-flags.ts';

/** Builds the `s3ferry` program; commands are registered from `commands/*.ts`. */
export function createProgram(ctx: Omit<CliContext, 'settingFlags'>): Command {
  const program = new Command('s3ferry');
  const fullCtx: CliContext = {
    ...ctx,
    settingFlags: (): SettingFlags => readSettingFlags(program),
  };
  program
    .description(
      'Bulk S3 transfers across endpoints and credentials, with megfile-compatible configuration.',
    )
    .version(ctx.deps.version, '-V, --version', 'print the version')
    .option('--debug', 'print stack traces with errors')
    .helpOption('-h, --help', 'show help')
    .helpCommand(false)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        ctx.io.writeOut(text);
      },
      writeErr: (text) => {
        ctx.io.writeErr(text);
      },
      // Errors are printed once, by reportError().
      outputError: () => undefined,
    })
    .addHelpText('after', exitCodesHelp());
  addSettingFlags(program);
  registerConfigCommand(program, fullCtx);
  registerSyncCommand(program, fullCtx);
  registerPlanCommand(program, fullCtx);
  registerLsCommand(program, fullCtx);
  registerCpCommand(program, fullCtx);
  registerMvCommand(program, fullCtx);
  registerRmCommand(program, fullCtx);
  registerStatCommand(program, fullCtx);
  registerCatCommand(program, fullCtx);
  registerCheckCommand(program, fullCtx);
  registerUploadsCommand(program, fullCtx);
  registerWorkerCommand(program, fullCtx);
  return program;
}

/**
 * Runs one command line (`argv` without `node` and the script) and returns the exit code.
 * Nothing here touches the process: `main.ts` binds `io` and `deps` to it.
 */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps): Promise<ExitCode> {
  const redacting = createRedactingIo(io);
  const args = expandMultiCharShortFlags(argv);
  // Read from argv, not from parsed options, so a failed parse still honours --debug.
  const end = args.indexOf('--');
  const debug = (end === -1 ? args : args.slice(0, end)).includes('--debug');
  let exitCode: ExitCode = 0;
  try {
    const program = createProgram({
      io: redacting,
      deps,
      setExitCode: (code) => {
        exitCode = code;
      },
    });
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    const report = reportError(error, debug);
    if (report.text !== '') redacting.writeErr(report.text);
    return report.exitCode;
  }
}
