// Help text shared by commands: the exit-code table lives here once.
import { ExitCode } from '../shared/exit-codes.ts';

const EXIT_CODE_MEANINGS: readonly [ExitCode, string][] = [
  [ExitCode.Ok, 'everything asked for was done'],
  [ExitCode.Partial, 'the run finished but some objects failed (each failure is reported)'],
  [ExitCode.Usage, 'usage or configuration error, found before any transfer'],
  [
    ExitCode.Fatal,
    'fatal error that stopped the run (bad credentials, missing bucket, a full or read-only destination, bug)',
  ],
  [ExitCode.Interrupted, 'interrupted (Ctrl-C)'],
];

/** The exit-code table appended to the main `--help`. */
export function exitCodesHelp(): string {
  const rows = EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${String(code).padEnd(5)}${meaning}`);
  return `\nExit codes:\n${rows.join('\n')}\n`;
}
