// Starts a throw-away redis-server (Debian's package, scripts/cluster/packages.ts) on a free port
// of 127.0.0.1 for the distributed mode's tests, the demo and the benchmarks: one plain process,
// configured on its command line, with its data, log and PID file in one fresh dir. It is
// stopped by PID only (never by name: other test runs on this machine run redis-server too),
// and removed when this process exits, even if it is killed (exit hook plus watchdog).
// Fault tests kill it (`kill('SIGKILL')`) and bring it back on the same port and data
// (`restart()`).
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REDIS_PACKAGES } from './packages.ts';
import { reservePortBlock, type PortBlock } from './ports.ts';
import {
  abortError,
  findExecutable,
  killProcessesNow,
  signalProcess,
  spawnDaemon,
  stopProcesses,
  waitFor,
  type Daemon,
} from './processes.ts';
import { REAPER_MARKER, startReaper } from './reaper.ts';

/**
 * - `aof`: `appendonly yes` with `appendfsync always` (by default): Redis writes and fsyncs the
 *   AOF before it answers, so every acknowledged write survives `kill('SIGKILL')` +
 *   `restart()`, under any load. With `everysec` a killed process usually loses nothing
 *   either (the write() still precedes the reply), but when the previous fsync is slow (a busy
 *   shared CI disk) Redis postpones the write() for up to 2 s and answers anyway: a SIGKILL
 *   then loses acknowledged writes, and a crash test flakes. `always` costs about 0.8 ms per
 *   sequential write here (ext4) against 0.25 ms: nothing for tests; benchmarks can ask for
 *   `everysec`.
 * - `none`: `save ""` and `appendonly no`: nothing is written, `restart()` comes back empty.
 */
export type RedisPersistence = 'aof' | 'none';

export type StartRedisOptions = {
  /** @default 'aof' */
  persistence?: RedisPersistence;
  /**
   * `appendfsync` with `persistence: 'aof'`; `everysec` for benchmarks that do not crash the
   * server. @default 'always'
   */
  appendfsync?: 'always' | 'everysec';
  /** Port to listen on (not reserved; start-up fails if it is taken). @default a free, reserved port */
  port?: number;
  /** One line when the server is ready. @default no output */
  log?: (line: string) => void;
  /** Remove the server when this process exits, even if it is killed. @default true */
  stopWhenProcessExits?: boolean;
  /** Aborts start-up; whatever was started is stopped and removed. */
  signal?: AbortSignal;
  /** Limit for each start (and restart) to answer PING. @default 30 000 */
  timeoutMs?: number;
  /** How long `stop()` and `restart()` wait after SIGTERM before SIGKILL. @default 10 000 */
  stopGraceMs?: number;
};

/** A running (or killed, until `restart()`) redis-server. */
export type RedisServer = {
  /** `redis://127.0.0.1:PORT`: the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** PID of the current redis-server process (a new one after `restart()`). */
  readonly pid: number;
  /** True until the process exits (`kill`, `stop`, a crash); true again after `restart()`. */
  readonly running: boolean;
  /** Redis's `--dir` (AOF files in `appendonlydir/`), its log and PID file. Deleted by `stop()`. */
  readonly dir: string;
  /** Redis's own output (`<dir>/redis.log`), appended to across restarts. */
  readonly logFile: string;
  readonly persistence: RedisPersistence;
  /**
   * Stops the server (SIGTERM, SIGKILL after the grace), waits for the process to exit, deletes
   * the dir and frees the port. Safe to call twice, and after `kill()`.
   */
  stop: () => Promise<void>;
  /**
   * Sends `signal` to the server (`SIGKILL` by default: a crash). For a signal that ends it
   * (SIGKILL, SIGTERM, SIGINT, SIGQUIT), resolves once the process has exited and the port
   * refuses connections; for others (SIGSTOP, SIGCONT) right after sending. Does nothing when
   * the server is not running.
   */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
  /**
   * Stops the server if it is running (as `stop()`, without deleting anything), then starts it
   * again on the same port with the same dir, and resolves once it answers PING (after loading
   * its AOF with persistence `aof`). Rejects after `stop()`.
   */
  restart: () => Promise<void>;
};

const ENDING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set([
  'SIGKILL',
  'SIGTERM',
  'SIGINT',
  'SIGQUIT',
]);

/** Path of `redis-server`, or undefined when it is not installed. */
export function findRedisServer(): string | undefined {
  return findExecutable('redis-server');
}

/**
 * Sends PING over a raw RESP connection to 127.0.0.1:`port`; resolves to the first reply line
 * (`+PONG`, or e.g. `-LOADING …` while the AOF loads), or undefined when nothing answers.
 */
export function pingRedis(port: number, timeoutMs = 1_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (line: string | undefined): void => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(timeoutMs, () => {
      done(undefined);
    });
    socket.once('error', () => {
      done(undefined);
    });
    socket.once('connect', () => {
      socket.write('*1\r\n$4\r\nPING\r\n');
    });
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      reply += chunk;
      const end = reply.indexOf('\r\n');
      if (end !== -1) done(reply.slice(0, end));
    });
    socket.once('close', () => {
      done(reply === '' ? undefined : reply);
    });
  });
}

function lastLines(file: string, count = 5): string {
  try {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    return lines.slice(-count).join(' | ');
  } catch {
    return '(no log written)';
  }
}

/**
 * Starts `redis-server` on 127.0.0.1 and resolves once it answers PING. Rejects with one line
 * naming the log and quoting its last lines when it does not come up.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (binary === undefined) {
    throw new Error(
      `redis-server is not installed (install the Debian package ${REDIS_PACKAGES.join(' ')}, ` +
        'e.g. with `node --import tsx scripts/ensure-packages.ts` as root)',
    );
  }
  const persistence = options.persistence ?? 'aof';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const graceMs = options.stopGraceMs ?? 10_000;
  const block: PortBlock | undefined =
    options.port === undefined ? await reservePortBlock(1) : undefined;
  const port = options.port ?? block?.base ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 's3ferry-redis-'));
  const logFile = join(dir, 'redis.log');
  const pidsFile = join(dir, 'pids.json');
  const url = `redis://127.0.0.1:${port}`;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--daemonize',
    'no',
    // To stdout, which spawnDaemon appends to logFile.
    '--logfile',
    '',
    '--save',
    '',
    '--appendonly',
    persistence === 'aof' ? 'yes' : 'no',
    ...(persistence === 'aof' ? ['--appendfsync', options.appendfsync ?? 'always'] : []),
    // Redis rewrites its command line to this title; keeping the dir in it lets every PID
    // check (stop, exit hook, watchdog) recognise the process as ours.
    '--proc-title-template',
    `{title} {listen-addr} ${dir}`,
  ];
  const marker = dir;
  const pids: Record<string, number> = {};
  const savePids = (): void => {
    writeFileSync(pidsFile, `${JSON.stringify(pids)}\n`);
  };
  let daemon: Daemon | undefined;
  const isRunning = (): boolean => daemon !== undefined && daemon.exit === undefined;
  /**
   * Waits up to `ms` for the process to exit (Node has then reaped it: the PID is gone).
   * Polls with a timer rather than awaiting the unref'd child's 'exit' event alone, which
   * would let this process end first and leave a zombie.
   */
  const exitedWithin = async (current: Daemon, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (current.exit === undefined && Date.now() < deadline) await sleep(20);
    return current.exit !== undefined;
  };

  const exitHook = (): void => {
    if (isRunning() && daemon !== undefined) {
      killProcessesNow([{ name: 'redis', pid: daemon.pid, marker }]);
    }
    rmSync(dir, { recursive: true, force: true });
    block?.release();
  };

  /** Signals the server and waits for it to exit; SIGKILL when it outlives `grace`. */
  const terminate = async (signal: NodeJS.Signals, grace: number): Promise<void> => {
    const current = daemon;
    if (current === undefined || current.exit !== undefined) return;
    signalProcess(current.pid, signal);
    // A server frozen with SIGSTOP must run again to act on SIGTERM.
    if (signal !== 'SIGKILL') signalProcess(current.pid, 'SIGCONT');
    if (await exitedWithin(current, grace)) return;
    signalProcess(current.pid, 'SIGKILL');
    if (!(await exitedWithin(current, 10_000))) {
      throw new Error(`redis-server pid ${current.pid} did not exit after SIGKILL`);
    }
  };

  /** Spawns the server and waits for PONG; on failure kills it and rejects (log named). */
  const launch = async (): Promise<void> => {
    const started = spawnDaemon('redis-server', binary, args, { outputFile: logFile, cwd: dir });
    daemon = started;
    pids['redis'] = started.pid;
    savePids();
    const at = Date.now();
    try {
      await waitFor(
        `redis-server at ${url}`,
        async () => {
          if (started.exit !== undefined) {
            const how = started.exit.signal ?? `exit code ${started.exit.code ?? '?'}`;
            throw new Error(`redis-server exited during start-up (${how})`);
          }
          return (await pingRedis(port)) === '+PONG';
        },
        { timeoutMs, intervalMs: 50, signal: options.signal },
      );
    } catch (error) {
      await terminate('SIGKILL', 0);
      throw error;
    }
    options.log?.(
      `redis: ready at ${url}, pid ${started.pid}, persistence ${persistence} ` +
        `(${((Date.now() - at) / 1000).toFixed(1)} s)`,
    );
  };

  let stopped: Promise<void> | undefined;
  const cleanup = async (): Promise<void> => {
    process.off('exit', exitHook);
    const reaper = pids['reaper'];
    if (reaper !== undefined) {
      await stopProcesses(
        [{ name: 'reaper', pid: reaper, marker: REAPER_MARKER, signal: 'SIGKILL' }],
        2_000,
      );
    }
    await terminate('SIGTERM', graceMs);
    rmSync(dir, { recursive: true, force: true });
    block?.release();
  };

  try {
    if (options.stopWhenProcessExits ?? true) {
      pids['reaper'] = startReaper({
        ownerPid: process.pid,
        stateDir: dir,
        pidsFile,
        ...(block === undefined ? {} : { lockFile: block.lockFile }),
        marker,
      });
      savePids();
      process.on('exit', exitHook);
    }
    await launch();
  } catch (error) {
    // Keep the log outside the dir that cleanup() deletes.
    const kept = join(tmpdir(), `s3ferry-redis-${port}-failed.log`);
    try {
      copyFileSync(logFile, kept);
    } catch {
      // no log written
    }
    const tail = lastLines(kept);
    stopped = cleanup();
    await stopped;
    if (options.signal?.aborted === true) {
      throw abortError('redis-server start-up was aborted', error);
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `redis-server failed to start on 127.0.0.1:${port}: ${reason}. See ${kept}: ${tail}`,
      { cause: error },
    );
  }

  return {
    url,
    port,
    get pid() {
      return daemon?.pid ?? 0;
    },
    get running() {
      return isRunning();
    },
    dir,
    logFile,
    persistence,
    stop: () => (stopped ??= cleanup()),
    kill: async (signal = 'SIGKILL') => {
      const current = daemon;
      if (current === undefined || current.exit !== undefined) return;
      signalProcess(current.pid, signal);
      if (!ENDING_SIGNALS.has(signal)) return;
      // A server frozen with SIGSTOP must run again to act on SIGTERM.
      if (signal !== 'SIGKILL') signalProcess(current.pid, 'SIGCONT');
      const grace = signal === 'SIGKILL' ? 10_000 : graceMs;
      if (!(await exitedWithin(current, grace))) {
        throw new Error(`redis-server pid ${current.pid} did not exit ${grace} ms after ${signal}`);
      }
    },
    restart: async () => {
      if (stopped !== undefined) throw new Error(`redis-server at ${url} was stopped`);
      await terminate('SIGTERM', graceMs);
      try {
        await launch();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `redis-server failed to restart on 127.0.0.1:${port}: ${reason}. ` +
            `See ${logFile}: ${lastLines(logFile)}`,
          { cause: error },
        );
      }
    },
  };
}
