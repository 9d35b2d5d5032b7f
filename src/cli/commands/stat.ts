// `s3ferry stat PATH [--json]`: size, LastModified, ETag, content type and user metadata of one
// object (HEAD), or a local file's size, time and mode.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { statText } from '../everyday-output.ts';
import { registerPathSecrets } from '../run-support.ts';
import { warningLine } from '../error-line.ts';
import { exitCodesHelp } from '../help.ts';

/** Registers `stat` on `program`. */
export function registerStatCommand(program: Command, ctx: CliContext): void {
  program
    .command('stat')
    .description(
      'show what one object or file is: size, last modified, ETag, content type, user metadata ' +
        '(S3: one HEAD); a prefix with keys under it is a directory',
    )
    .argument('<PATH>', 's3://bucket/key, s3+PROFILE://bucket/key or a local path')
    .option(
      '--json',
      'one JSON object: path, type, size, lastModified, mtimeMs, etag, contentType, metadata… (default: off)',
    )
    .addHelpText('after', exitCodesHelp())
    .action(async (path: string, flags: { json?: boolean }) => {
      const config = ctx.deps.loadConfig(ctx.settingFlags());
      registerPathSecrets(ctx, config, [path]);
      const { statPath } = await import('../../engine/inspect.ts');
      const result = await statPath(path, {
        config,
        onWarning: (message) => {
          ctx.io.writeErr(warningLine(message));
        },
      });
      ctx.io.writeOut(flags.json === true ? `${JSON.stringify(result)}\n` : statText(result));
    });
}
