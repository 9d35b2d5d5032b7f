// Starts a moto_server (in-memory S3 emulator) when one is on PATH. It is never installed
// here: tests must not depend on it. moto accepts any keys and has no IAM isolation, so both
// "endpoints" are the same URL. Facts: /work/shared/reference/s3-servers.md §2, §6.1.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePortBlock } from './ports.ts';
import {
  abortError,
  findExecutable,
  killProcessesNow,
  spawnDaemon,
  stopProcesses,
  waitFor,
  type StopTarget,
} from './processes.ts';
import { REAPER_MARKER, startReaper } from './reaper.ts';

export type MotoServer = {
  endpoint: string;
  port: number;
  pid: number;
  /** Holds moto's output (`moto.log`); deleted on stop. */
  dir: string;
  logFile: string;
  startupMs: number;
  /** Stops moto by PID and deletes its dir. Safe to call twice. */
  stop: () => Promise<void>;
};

export type StartMotoOptions = {
  log?: (line: string) => void;
  /** Remove the server when this process exits, even if killed. @default true */
  stopWhenProcessExits?: boolean;
  signal?: AbortSignal;
  /** @default 30 000 */
  timeoutMs?: number;
};

/** Path of `moto_server` on PATH, or undefined when it is not installed. */
export function findMotoServer(): string | undefined {
  return findExecutable('moto_server', process.env['PATH'] ?? '');
}

/**
 * Starts `moto_server` on a free port of 127.0.0.1 and resolves once `GET /moto-api/`
 * answers 200. Rejects with one line naming the log when it does not come up.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const startedAt = Date.now();
  const binary = findMotoServer();
  if (binary === undefined) throw new Error('moto_server is not on PATH');
  const block = await reservePortBlock(1);
  const port = block.base;
  const dir = mkdtempSync(join(tmpdir(), 's3ferry-moto-'));
  const logFile = join(dir, 'moto.log');
  const pidsFile = join(dir, 'pids.json');
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  // The command line of the shim and of the final python process both contain this.
  const marker = args.join(' ');
  const pids: Record<string, number> = {};
  const targets = (): StopTarget[] =>
    Object.entries(pids)
      .filter(([name]) => name !== 'reaper')
      .map(([name, pid]) => ({ name, pid, marker }));
  const exitHook = (): void => {
    killProcessesNow(targets());
    rmSync(dir, { recursive: true, force: true });
    block.release();
  };
  const stopOnExit = options.stopWhenProcessExits ?? true;
  const cleanup = async (): Promise<void> => {
    process.off('exit', exitHook);
    const reaper = pids['reaper'];
    if (reaper !== undefined) {
      await stopProcesses(
        [{ name: 'reaper', pid: reaper, marker: REAPER_MARKER, signal: 'SIGKILL' }],
        2_000,
      );
    }
    await stopProcesses(targets());
    rmSync(dir, { recursive: true, force: true });
    block.release();
  };

  try {
    if (stopOnExit) {
      pids['reaper'] = startReaper({
        ownerPid: process.pid,
        stateDir: dir,
        pidsFile,
        lockFile: block.lockFile,
        marker,
      });
      process.on('exit', exitHook);
    }
    const daemon = spawnDaemon('moto', binary, args, { outputFile: logFile });
    pids['moto'] = daemon.pid;
    writeFileSync(pidsFile, `${JSON.stringify(pids)}\n`);
    await waitFor(
      `moto_server at ${endpoint}`,
      async () => {
        if (daemon.exit !== undefined) {
          throw new Error(
            `moto_server exited during start-up (${daemon.exit.signal ?? `exit code ${daemon.exit.code ?? '?'}`})`,
          );
        }
        try {
          const response = await fetch(`${endpoint}/moto-api/`, {
            signal: AbortSignal.timeout(2_000),
          });
          await response.arrayBuffer();
          return response.status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 100, signal: options.signal },
    );
    const startupMs = Date.now() - startedAt;
    options.log?.(
      `moto: ready at ${endpoint}, pid ${daemon.pid} (${(startupMs / 1000).toFixed(1)} s)`,
    );
    let stopped: Promise<void> | undefined;
    return {
      endpoint,
      port,
      pid: daemon.pid,
      dir,
      logFile,
      startupMs,
      stop: () => (stopped ??= cleanup()),
    };
  } catch (error) {
    if (options.signal?.aborted === true) {
      await cleanup();
      throw abortError('moto_server start-up was aborted', error);
    }
    // Keep the log outside the dir that cleanup() deletes.
    const kept = join(tmpdir(), `s3ferry-moto-${port}-failed.log`);
    try {
      copyFileSync(logFile, kept);
    } catch {
      // no log written
    }
    await cleanup();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`moto_server failed to start: ${reason}. See ${kept}`, { cause: error });
  }
}
