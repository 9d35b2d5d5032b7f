// Process plumbing for the local test servers: PATH lookup, running tools, spawning daemons,
// and stopping them by PID only (never by name: other clusters on this machine run the same
// binaries). Every PID is checked against /proc/<pid>/cmdline before it is signalled, so a
// recycled PID is never killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, openSync, closeSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Directories searched after PATH: sbin dirs are often missing from a non-root PATH. */
const EXTRA_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin'];

/** Absolute path of an executable found on PATH (then the usual bin dirs), or undefined. */
export function findExecutable(
  name: string,
  pathEnv = process.env['PATH'] ?? '',
): string | undefined {
  const dirs = [...pathEnv.split(delimiter).filter((d) => d !== ''), ...EXTRA_BIN_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when a process with this PID exists (possibly owned by another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's argv joined with spaces, or undefined when it is gone (or not Linux). */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and its command line contains `marker` (e.g. the state dir). */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  const cmdline = commandLine(pid);
  // Without /proc (not Linux) we cannot check; trust the PID we recorded ourselves.
  return cmdline === undefined ? true : cmdline.includes(marker);
}

/** Sends `signal` to the process, ignoring "no such process". */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export type StopTarget = {
  /** For messages and ordering only. */
  name: string;
  pid: number;
  /** Substring of the command line that proves the PID is still ours. */
  marker: string;
  /** First signal to send. @default 'SIGTERM' */
  signal?: NodeJS.Signals;
};

/**
 * Stops processes by PID: sends each its first signal, waits up to `timeoutMs` for all to
 * exit, then SIGKILLs the rest and waits for them too. PIDs that are gone or no longer carry
 * their marker are skipped.
 */
export async function stopProcesses(targets: StopTarget[], timeoutMs = 10_000): Promise<void> {
  const ours = targets.filter((t) => isOurProcess(t.pid, t.marker));
  for (const target of ours) signalProcess(target.pid, target.signal ?? 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  let alive = ours;
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50);
    alive = alive.filter((t) => isOurProcess(t.pid, t.marker));
  }
  for (const target of alive) signalProcess(target.pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (alive.length > 0 && Date.now() < killDeadline) {
    await sleep(50);
    alive = alive.filter((t) => isOurProcess(t.pid, t.marker));
  }
}

/** Synchronous last resort (process 'exit' handlers): SIGKILL without waiting. */
export function killProcessesNow(targets: StopTarget[]): void {
  for (const target of targets) {
    if (isOurProcess(target.pid, target.marker)) signalProcess(target.pid, 'SIGKILL');
  }
}

export type RunResult = { code: number; stdout: string; stderr: string };

/**
 * Runs a short-lived tool to completion and captures its output. Rejects with the command,
 * exit status and the end of stderr when it fails or exceeds `timeoutMs`.
 */
export async function runTool(
  command: string,
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      signal: options.signal,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve({ code, stdout, stderr });
        return;
      }
      const why = signal === null ? `exit code ${code ?? '?'}` : `signal ${signal}`;
      const tail = lastLine(stderr) ?? lastLine(stdout) ?? '';
      reject(new Error(`${command} ${args.join(' ')} failed (${why})${tail ? `: ${tail}` : ''}`));
    });
  });
}

function lastLine(text: string): string | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.at(-1)?.trim();
}

export type Daemon = {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Set when the process exits: how it ended. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
};

/**
 * Spawns a long-running server in its own process group (so a terminal's Ctrl-C reaches the
 * runner, which then stops it in order), with stdout/stderr appended to `outputFile`.
 * The child is unref'd: it never keeps this process alive.
 */
export function spawnDaemon(
  name: string,
  command: string,
  args: string[],
  options: { outputFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
): Daemon {
  const fd = openSync(options.outputFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      stdio: ['ignore', fd, fd],
      detached: true,
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) {
    throw new Error(`could not start ${name} (${command}); see ${options.outputFile}`);
  }
  child.unref();
  const daemon: Daemon = { name, child, pid: child.pid, exit: undefined };
  child.on('error', () => {
    // Reported through `exit` below (spawn errors after the PID exists are rare).
  });
  child.once('exit', (code, signal) => {
    daemon.exit = { code, signal };
  });
  return daemon;
}

/** Polls `check` every `intervalMs` until it returns true; rejects on timeout or abort. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    if (await check()) return;
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not ready after ${Math.round(options.timeoutMs / 1000)} s`);
    }
    await sleep(options.intervalMs ?? 200, undefined, { signal: options.signal });
  }
}
/** An Error named AbortError (what callers of an aborted operation check for). */
export function abortError(message: string, cause: unknown): Error {
  const error = new Error(message, { cause });
  error.name = 'AbortError';
  return error;
}
