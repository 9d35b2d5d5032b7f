// What the commands that run the engine share: the process hooks (TTY, Ctrl-C, exit now), whole-number
// flags, secret registration, the --report file, and the run scaffolding of sync/cp and check
// (cancel on the first Ctrl-C, exit on the second; a fatal error still writes --report and, with
// --json, an error event).
import { statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { boundedInteger, boundMessage } from '../engine/options.ts';
import type { Bound } from '../engine/options.ts';
import { isS3FerryError, serializeError, usageError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import type { CliContext, LoadedConfig } from './context.ts';
import type { CliIo } from './io.ts';

/** Hooks the CLI binds to the process; tests replace them. */
export type CommandHooks = {
  /** stderr is a terminal. */
  isTty(): boolean;
  columns(): number | undefined;
  /** Installs the Ctrl-C (and SIGTERM) handler; returns its remover. */
  onInterrupt(handler: () => void): () => void;
  /** Leaves at once (second Ctrl-C). */
  exitNow(code: number): never;
};

/** The process-bound hooks. */
export const processHooks: CommandHooks = {
  isTty: () => process.stderr.isTTY,
  columns: () => process.stderr.columns,
  onInterrupt(handler) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
  exitNow: (code) => process.exit(code),
};

/**
 * A flag's whole number (`--workers 8`), undefined when not given. Text that is no whole number,
 * or a number outside the range, is a usage error naming the flag and its range. The engine checks
 * the range again with the same message (the library and the CLI refuse the same values); checked
 * here, a bad flag is refused before the engine and the SDK are loaded.
 */
export function wholeNumber(bound: Bound, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) throw usageError(boundMessage(bound, `'${text}'`));
  return boundedInteger(bound, Number(text));
}

/** The password of a URL's userinfo, as written and decoded (none: []). */
function urlPasswords(url: string | undefined): string[] {
  if (url === undefined || !URL.canParse(url)) return [];
  const { password } = new URL(url);
  if (password === '') return [];
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
}

/** Registers the secret keys of the profiles `paths` use, so no output can carry them. */
export function registerPathSecrets(ctx: CliContext, config: LoadedConfig, paths: string[]): void {
  for (const path of paths) {
    const match = /^s3(?:\+([^:/]*))?:\/\//.exec(path);
    if (match === null) continue;
    try {
      const spec = config.profile(match[1]);
      ctx.io.addSecret(spec.credentials?.secretAccessKey);
      ctx.io.addSecret(spec.credentials?.sessionToken);
      // An endpoint's userinfo password is masked where URLs are shown; this catches the rest.
      for (const password of urlPasswords(spec.endpointUrl)) ctx.io.addSecret(password);
    } catch {
      // The command (or the engine) reports a bad profile with its own message.
    }
  }
}

/**
 * Writes `report` as pretty JSON to `file`, through the same redaction as every printed line (a
 * report is output too); a file that cannot be written is a usage error.
 */
export function writeReport(
  file: string,
  report: unknown,
  redact: (text: string) => string = (text) => text,
): void {
  try {
    writeFileSync(file, redact(`${JSON.stringify(report, null, 2)}\n`));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw usageError(
      `cannot write the report ${file}: ${typeof code === 'string' ? code : String(error)}`,
    );
  }
}

/**
 * Refuses, before the run, a --report FILE that cannot be written: a directory, or a file in a
 * directory that does not exist. Found only at the end, it turned a finished run into a usage
 * error (exit 2) after every copy was made.
 */
export function checkReportPath(file: string): void {
  let problem: string | undefined;
  try {
    if (statSync(file).isDirectory()) problem = 'EISDIR';
  } catch (error) {
    problem = (error as { code?: string }).code ?? String(error);
    if (problem === 'ENOENT') {
      try {
        problem = statSync(dirname(resolve(file))).isDirectory() ? undefined : 'ENOTDIR';
      } catch (parentError) {
        problem = (parentError as { code?: string }).code ?? String(parentError);
      }
    }
  }
  if (problem !== undefined) throw usageError(`cannot write the report ${file}: ${problem}`);
}

/** Writes one NDJSON line to stdout. */
export function jsonLineWriter(io: CliIo): (value: unknown) => void {
  return (value) => {
    io.writeOut(`${JSON.stringify(value)}\n`);
  };
}

/** What {@link runInterruptible} needs from a progress display. */
type Display = { log(text: string): void; stop(): void };

/** Options of {@link runInterruptible}. */
export type InterruptibleRun<S> = {
  ctx: CliContext;
  hooks: Pick<CommandHooks, 'onInterrupt' | 'exitNow'>;
  display: Display;
  config: LoadedConfig;
  src: string;
  dst: string;
  /** Printed (through the display) on the first Ctrl-C. */
  interruptedLine: string;
  /** --report FILE. */
  report: string | undefined;
  isJson: boolean;
  /** Starts the engine; `signal` aborts on the first Ctrl-C. */
  run(signal: AbortSignal): Promise<S>;
};

/**
 * Runs an engine call with Ctrl-C handling (first: abort and say so; second: exit at once), the
 * profiles' secrets registered, and --report written (the summary, or a `fatal` record for an
 * error other than usage). An error is rethrown after the report and, with --json, an `error`
 * event. The display is stopped either way.
 */
export async function runInterruptible<S>(options: InterruptibleRun<S>): Promise<S> {
  const { ctx, hooks, display, src, dst } = options;
  if (options.report !== undefined) checkReportPath(options.report);
  const abort = new AbortController();
  let interrupts = 0;
  const removeInterrupt = hooks.onInterrupt(() => {
    interrupts += 1;
    if (interrupts === 1) {
      abort.abort();
      display.log(options.interruptedLine);
    } else {
      display.stop();
      hooks.exitNow(ExitCode.Interrupted);
    }
  });

  let summary: S;
  try {
    registerPathSecrets(ctx, options.config, [src, dst]);
    summary = await options.run(abort.signal);
  } catch (error) {
    display.stop();
    if (options.report !== undefined && isS3FerryError(error) && error.kind !== 'usage') {
      writeReport(
        options.report,
        { status: 'fatal', src, dst, fatal: serializeError(error) },
        (text) => ctx.io.redact(text),
      );
    }
    if (options.isJson && isS3FerryError(error)) {
      jsonLineWriter(ctx.io)({ kind: 'error', error: serializeError(error) });
    }
    throw error;
  } finally {
    removeInterrupt();
  }
  display.stop();
  if (options.report !== undefined)
    writeReport(options.report, summary, (text) => ctx.io.redact(text));
  return summary;
}

/** Collects a repeatable option's values (commander's option argument parser). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
