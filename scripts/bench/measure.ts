// Measuring one tool run: wall time, client CPU and peak RSS of its whole process tree, and the
// RGW gateways' request counters around it.
//
// CPU and RSS come from GNU time (`/usr/bin/time -f`): it reports the wait4() rusage of the
// child, which covers the child and every descendant it waited for (the tools wait for theirs;
// a `sh -c 'a && b'` two-step waits for both), per run and exactly, with no sampling. Peak RSS
// is `ru_maxrss`: the largest resident set of any single process of the tree (worker threads
// live in their process, so for s3ferry and the Node tools it is the whole tool).
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const GNU_TIME = '/usr/bin/time';

export type Measured = {
  exitCode: number;
  wallMs: number;
  /** user + sys seconds of the process tree; undefined without GNU time. */
  cpuSeconds?: number;
  /** Peak RSS in bytes (largest process of the tree); undefined without GNU time. */
  peakRssBytes?: number;
  stdout: string;
  stderr: string;
};

/** True when GNU time is available to measure CPU and RSS. */
export function canMeasureCpu(): boolean {
  return existsSync(GNU_TIME);
}

/** Parses GNU time's `-f '%U %S %M'` output (the last line; the tool may print before it). */
export function parseTimeOutput(text: string): { cpuSeconds: number; peakRssBytes: number } {
  const line = text.trim().split('\n').at(-1) ?? '';
  const match = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+)$/.exec(line.trim());
  if (match === null) throw new Error(`unexpected output of ${GNU_TIME}: ${JSON.stringify(line)}`);
  return {
    cpuSeconds: Number(match[1]) + Number(match[2]),
    peakRssBytes: Number(match[3]) * 1024,
  };
}

/**
 * Runs a command to completion and measures it; stdout/stderr are captured (last 64 KiB), and
 * the whole of stdout is also written to `stdoutFile` when given (NDJSON events of a long run).
 */
export async function runMeasured(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; stdoutFile?: string },
): Promise<Measured> {
  const useTime = canMeasureCpu();
  const dir = mkdtempSync(join(tmpdir(), 's3ferry-bench-time-'));
  const timeFile = join(dir, 'time.txt');
  const [cmd, argv] = useTime
    ? [GNU_TIME, ['-o', timeFile, '-f', '%U %S %M', command, ...args]]
    : [command, [...args]];
  const started = process.hrtime.bigint();
  try {
    const { exitCode, stdout, stderr } = await new Promise<{
      exitCode: number;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      // Its own process group: GNU time is the child, the tool its child. A timeout kills the
      // whole group; killing GNU time alone left the tool running with the pipes open, and the
      // bench waited for it for ever (rclone stalled under faults in G).
      const child = spawn(cmd, argv, {
        env: options.env,
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      // The bench stopped (Ctrl-C, a failure) while the tool runs: the group goes with it.
      process.once('exit', killGroup);
      const keep = (chunks: Buffer[]) => (chunk: Buffer) => {
        chunks.push(chunk);
        while (chunks.length > 1 && chunks.reduce((n, c) => n + c.length, 0) > 65_536) {
          chunks.shift();
        }
      };
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const file =
        options.stdoutFile === undefined ? undefined : createWriteStream(options.stdoutFile);
      child.stdout.on('data', keep(out));
      if (file !== undefined) child.stdout.pipe(file);
      child.stderr.on('data', keep(err));
      const timer =
        options.timeoutMs === undefined ? undefined : setTimeout(killGroup, options.timeoutMs);
      child.once('error', (error) => {
        if (timer !== undefined) clearTimeout(timer);
        process.removeListener('exit', killGroup);
        reject(error);
      });
      child.once('close', (code, signal) => {
        if (timer !== undefined) clearTimeout(timer);
        process.removeListener('exit', killGroup);
        const result = {
          exitCode: code ?? (signal === null ? 1 : 137),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        };
        // The pipe has ended with stdout; wait for the file to be flushed.
        if (file === undefined) resolve(result);
        else if (file.writableFinished) resolve(result);
        else
          file.once('finish', () => {
            resolve(result);
          });
      });
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    let usage: { cpuSeconds?: number; peakRssBytes?: number } = {};
    if (useTime && existsSync(timeFile)) {
      try {
        usage = parseTimeOutput(readFileSync(timeFile, 'utf8'));
      } catch {
        usage = {};
      }
    }
    return { exitCode, wallMs, ...usage, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RGW request counters (summed over the gateways): `get` counts GET and HEAD. */
export type RgwCounters = {
  req: number;
  failed: number;
  get: number;
  getBytes: number;
  put: number;
  putBytes: number;
};

const ZERO: RgwCounters = { req: 0, failed: 0, get: 0, getBytes: 0, put: 0, putBytes: 0 };

/**
 * Reads `perf dump` of each gateway's admin socket; undefined when a socket cannot be read (the
 * counters are then reported as n/a). Pacific's RGW has no per-operation copy counter: a
 * CopyObject shows up in `req` only, with no GET/PUT bytes (server-side).
 */
export async function readRgwCounters(
  sockets: readonly string[],
): Promise<RgwCounters | undefined> {
  try {
    const dumps = await Promise.all(
      sockets.map(async (socket) => {
        const { stdout } = await execFileAsync('ceph', ['--admin-daemon', socket, 'perf', 'dump'], {
          timeout: 10_000,
        });
        const rgw = (JSON.parse(stdout) as { rgw?: Record<string, unknown> }).rgw ?? {};
        const n = (key: string): number => (typeof rgw[key] === 'number' ? rgw[key] : 0);
        return {
          req: n('req'),
          failed: n('failed_req'),
          get: n('get'),
          getBytes: n('get_b'),
          put: n('put'),
          putBytes: n('put_b'),
        };
      }),
    );
    return dumps.reduce(addCounters, ZERO);
  } catch {
    return undefined;
  }
}

function addCounters(a: RgwCounters, b: RgwCounters): RgwCounters {
  return {
    req: a.req + b.req,
    failed: a.failed + b.failed,
    get: a.get + b.get,
    getBytes: a.getBytes + b.getBytes,
    put: a.put + b.put,
    putBytes: a.putBytes + b.putBytes,
  };
}

/** `after - before`, or undefined when either is missing. */
export function counterDelta(
  before: RgwCounters | undefined,
  after: RgwCounters | undefined,
): RgwCounters | undefined {
  if (before === undefined || after === undefined) return undefined;
  return {
    req: after.req - before.req,
    failed: after.failed - before.failed,
    get: after.get - before.get,
    getBytes: after.getBytes - before.getBytes,
    put: after.put - before.put,
    putBytes: after.putBytes - before.putBytes,
  };
}
