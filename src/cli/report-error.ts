// The single place where an error becomes what the user reads and the exit code. One line on
// stderr, no stack trace unless --debug.
import { CommanderError } from 'commander';
import { isS3FerryError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { messageWithHint, oneLine } from './error-line.ts';

/** What to print on stderr (empty: nothing) and the process exit code. */
export type ErrorReport = { text: string; exitCode: ExitCode };

/**
 * Maps any thrown value to its report:
 * - `S3FerryError`: `s3ferry: <message>. Hint: <hint>`, exit code from its kind (2 usage/config).
 * - commander parse errors: `s3ferry: <message>`, exit 2; help and `--version` exit 0.
 * - anything else is a bug: `s3ferry: internal error: <message> (run with --debug for details)`,
 *   exit 3 (fatal), because no result of the command can be trusted.
 * With `debug`, the stack (and the cause chain) follows the line.
 */
export function reportError(error: unknown, debug: boolean): ErrorReport {
  if (error instanceof CommanderError) return reportCommanderError(error, debug);
  if (isS3FerryError(error)) {
    return {
      text: `s3ferry: ${messageWithHint(error.message, error.hint)}\n${debug ? stackOf(error) : ''}`,
      exitCode: error.exitCode,
    };
  }
  const message = error instanceof Error ? error.message : describeValue(error);
  const text = debug
    ? `s3ferry: internal error: ${oneLine(message)}\n${stackOf(error)}`
    : `s3ferry: internal error: ${oneLine(message)} (run with --debug for details)\n`;
  return { text, exitCode: ExitCode.Fatal };
}

function reportCommanderError(error: CommanderError, debug: boolean): ErrorReport {
  switch (error.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return { text: '', exitCode: ExitCode.Ok };
    case 'commander.help':
      // Help printed because a command was missing (`s3ferry config`): already on stderr.
      return { text: '', exitCode: error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage };
    default: {
      const message = oneLine(error.message.replace(/^error: /, ''));
      return {
        text: `s3ferry: ${message} (see --help)\n${debug ? stackOf(error) : ''}`,
        exitCode: ExitCode.Usage,
      };
    }
  }
}

/** Collapses a multi-line message (commander's "Did you mean" suggestions) into one line. */
function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(`${depth === 0 ? '' : 'Caused by: '}${current.stack ?? current.message}`);
      current = current.cause;
    } else {
      parts.push(`${depth === 0 ? '' : 'Caused by: '}${describeValue(current)}`);
      break;
    }
  }
  return parts.length === 0 ? '' : `${parts.join('\n')}\n`;
}

/** A thrown non-Error (a string, a plain object) in readable form. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    // undefined for `throw undefined` or a function, whatever the lib typings say.
    const text = JSON.stringify(value) as string | undefined;
    return text ?? typeof value;
  } catch {
    return typeof value;
  }
}
