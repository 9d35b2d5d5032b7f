// `s3ferry cat PATH`: streams one object or file to stdout, byte for byte (no redaction, no
// encoding: the bytes are the user's data). A reader that goes away (`| head`) ends it quietly.
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { isS3FerryError, S3FerryError } from '../../shared/errors.ts';
import type { CliContext } from '../context.ts';
import { registerPathSecrets } from '../run-support.ts';
import { warningLine } from '../error-line.ts';
import { exitCodesHelp } from '../help.ts';

/** Where `cat` writes; tests pass their own stream. */
export type CatHooks = { stdout(): Writable };

const processCatHooks: CatHooks = { stdout: () => process.stdout };

/** Registers `cat` on `program`. */
export function registerCatCommand(
  program: Command,
  ctx: CliContext,
  hooks: CatHooks = processCatHooks,
): void {
  program
    .command('cat')
    .description('write one object or file to stdout, streamed (never held in memory)')
    .argument('<PATH>', 's3://bucket/key, s3+PROFILE://bucket/key or a local file')
    .addHelpText('after', exitCodesHelp())
    .action(async (path: string) => {
      const config = ctx.deps.loadConfig(ctx.settingFlags());
      registerPathSecrets(ctx, config, [path]);
      try {
        const { catPath } = await import('../../engine/inspect.ts');
        await catPath(path, hooks.stdout(), {
          config,
          onWarning: (message) => {
            ctx.io.writeErr(warningLine(message));
          },
        });
      } catch (error) {
        if (isS3FerryError(error)) throw error;
        const code = (error as { code?: unknown } | undefined)?.code;
        // The reader closed the pipe: what it wanted, it got (as `cat file | head` does).
        if (code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return;
        throw new S3FerryError(
          'local-io',
          typeof code === 'string' ? code : 'WriteFailed',
          `cannot write to stdout: ${typeof code === 'string' ? code : String(error)}`,
          { fatal: true },
        );
      }
    });
}
