#!/usr/bin/env node
// The `s3ferry` bin. Binds the CLI to the process and sets the exit code; everything else lives
// in program.ts so it can be tested without spawning.
import { silenceSdkNodeVersionWarning } from '../config/sdk-environment.ts';
import { packageVersion } from './version.ts';

silenceSdkNodeVersionWarning();

// `s3ferry ... | head` closes stdout early: stop quietly instead of crashing with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE')
    process.stderr.write(`s3ferry: cannot write output: ${error.code ?? error.message}\n`);
  process.exit(
    error.code === 'EPIPE' ? (typeof process.exitCode === 'number' ? process.exitCode : 0) : 3,
  );
});

const io = {
  writeOut: (text: string): void => {
    process.stdout.write(text);
  },
  writeErr: (text: string): void => {
    process.stderr.write(text);
  },
};

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // `s3ferry --version` alone is answered before commander and the CLI load (start-up: the bare
  // Node start plus a few ms; test/e2e/startup-cli.test.ts). commander prints the same line for
  // any other command line that asks for the version (`--debug --version`).
  io.writeOut(`${packageVersion()}\n`);
} else {
  const [{ processDeps }, { runCli }] = await Promise.all([
    import('./deps.ts'),
    import('./program.ts'),
  ]);
  // exitCode rather than exit(): lets piped stdout drain before the process ends.
  process.exitCode = await runCli(argv, io, processDeps());
}
