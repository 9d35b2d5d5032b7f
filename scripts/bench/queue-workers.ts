// The `s3ferry worker` processes of the distributed variants (s3ferry+queue1/3): started before a
// step, stopped (SIGTERM, by PID) after it, and measured from /proc while the coordinator runs.
//
// runMeasured times one process (the coordinator) under GNU time; a worker lives longer than the
// step (it must be serving before the coordinator queues the job), so its CPU is read from
// /proc/<pid>/stat (utime + stime: every thread of the process, piscina's worker threads
// included) right before the coordinator starts and right after it exits: the CPU the worker
// spent on the step, without its own start-up and shutdown (a deployed worker is long-running).
// Its peak RSS is VmHWM from /proc/<pid>/status at the end of the step.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** How long a worker may take to say it is serving, and to stop after SIGTERM. */
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 15_000;

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      clockTicks = 100;
    }
    if (!(clockTicks > 0)) clockTicks = 100;
  }
  return clockTicks;
}

/**
 * user + sys CPU seconds of a process so far (all its threads), from the text of
 * /proc/<pid>/stat; undefined when it cannot be parsed.
 */
export function parseProcStatCpu(text: string, ticks: number): number | undefined {
  // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / ticks;
}

/** VmHWM (peak resident set) in bytes from the text of /proc/<pid>/status. */
export function parseVmHwm(text: string): number | undefined {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(text);
  return match === null ? undefined : Number(match[1]) * 1024;
}

/** user + sys CPU seconds of any process so far, from /proc (undefined when unreadable). */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    return parseProcStatCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'), ticksPerSecond());
  } catch {
    return undefined;
  }
}

export type QueueWorker = {
  pid: number;
  /** CPU seconds so far (undefined once it exited or without /proc). */
  cpuSeconds: () => number | undefined;
  /** Peak RSS so far in bytes (undefined once it exited or without /proc). */
  peakRssBytes: () => number | undefined;
  /** The last lines it printed (for failure notes). */
  tail: () => string;
};

type Running = { proc: ChildProcess; exited: Promise<void>; exit?: string };

/** Every worker started and not yet reaped: stopped by stopAllQueueWorkers() on the way out. */
const running = new Set<Running>();

/**
 * Starts `count` workers and resolves once each printed that it serves the queue; rejects (after
 * stopping them) when one exits first or does not within 30 s.
 */
export async function startQueueWorkers(spec: {
  count: number;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}): Promise<{ workers: QueueWorker[]; stop: () => Promise<string[]> }> {
  const started: Running[] = [];
  const workers: QueueWorker[] = [];
  const waits: Promise<void>[] = [];
  for (let i = 0; i < spec.count; i++) {
    const proc = spawn(spec.command, spec.args, {
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let serving: () => void = () => undefined;
    let failed: (error: Error) => void = () => undefined;
    waits.push(
      new Promise<void>((resolve, reject) => {
        serving = resolve;
        failed = reject;
      }),
    );
    const entry: Running = {
      proc,
      exited: new Promise<void>((resolve) => {
        proc.once('error', (error) => {
          entry.exit = `error ${error.message}`;
          failed(error);
          resolve();
        });
        proc.once('exit', (code, signal) => {
          entry.exit = signal ?? `exit ${code ?? '?'}`;
          failed(
            new Error(`worker ${i + 1} ended (${entry.exit}): ${lines.slice(-3).join(' / ')}`),
          );
          resolve();
        });
      }),
    };
    running.add(entry);
    started.push(entry);
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      let end: number;
      while ((end = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        lines.push(line);
        if (lines.length > 20) lines.shift();
        if (/ serving /.test(line)) serving();
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    const pid = proc.pid ?? 0;
    const readProc = <T>(file: string, parse: (text: string) => T | undefined) => {
      if (entry.exit !== undefined || pid === 0) return undefined;
      try {
        return parse(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
      } catch {
        return undefined;
      }
    };
    workers.push({
      pid,
      cpuSeconds: () => readProc('stat', (t) => parseProcStatCpu(t, ticksPerSecond())),
      peakRssBytes: () => readProc('status', parseVmHwm),
      tail: () => lines.slice(-3).join(' / '),
    });
  }
  const stop = async (): Promise<string[]> => {
    await stopWorkers(started);
    return started.map((w) => w.exit ?? '?');
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(waits),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`the workers did not serve the queue within ${START_TIMEOUT_MS} ms`));
        }, START_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  // Later exits are seen by the step (the coordinator waits, or the workers' CPU is n/a).
  for (const w of waits) w.catch(() => undefined);
  return { workers, stop };
}

/** SIGTERM by PID, SIGKILL to any still running after the grace; waits until all are reaped. */
async function stopWorkers(list: Running[]): Promise<void> {
  const alive = list.filter((w) => w.exit === undefined);
  for (const w of alive) w.proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    Promise.all(alive.map((w) => w.exited)).then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        resolve(true);
      }, STOP_GRACE_MS);
    }),
  ]);
  clearTimeout(timer);
  if (late) {
    for (const w of alive) if (w.exit === undefined) w.proc.kill('SIGKILL');
  }
  await Promise.all(alive.map((w) => w.exited));
  for (const w of list) running.delete(w);
}

/** Stops every worker still running (the bench is ending: failure or Ctrl-C). */
export async function stopAllQueueWorkers(): Promise<void> {
  await stopWorkers([...running]);
}
