// A tiny watchdog process that removes a local cluster when the process that started it dies
// without stopping it (SIGKILL, a crash, a closed terminal). It polls the owner's PID; when the
// owner is gone it SIGKILLs the PIDs listed in the cluster's pids file (only those whose
// command line still contains the marker, e.g. the state dir), deletes the state dir and the
// port reservation.
// It exits by itself as soon as the state dir disappears (the normal stop path).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Marker in the reaper's command line, so it can be recognised before it is signalled. */
export const REAPER_MARKER = 's3ferry-reaper';

// Plain CommonJS for `node -e`: it must run without tsx and without the project's modules.
const REAPER_SOURCE = String.raw`
const fs = require('node:fs');
const [, ownerArg, ownerStart, dir, pidsFile, lockFile, marker] = process.argv;
const ownerPid = Number(ownerArg);
const startTime = (pid) => {
  try {
    const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch { return undefined; }
};
const alive = (pid) => {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
};
const ownerAlive = () => alive(ownerPid) && (ownerStart === '' || startTime(ownerPid) === ownerStart);
const ours = (pid) => {
  try { return fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\0').join(' ').includes(marker); }
  catch { return false; }
};
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
setInterval(() => {
  if (!fs.existsSync(dir)) process.exit(0);
  if (ownerAlive()) return;
  let pids = {};
  try { pids = JSON.parse(fs.readFileSync(pidsFile, 'utf8')); } catch {}
  let left = Object.values(pids).filter((p) => typeof p === 'number' && p !== process.pid && ours(p));
  for (const p of left) { try { process.kill(p, 'SIGKILL'); } catch {} }
  for (let i = 0; i < 100 && left.length > 0; i += 1) { pause(50); left = left.filter(ours); }
  fs.rmSync(dir, { recursive: true, force: true });
  if (lockFile) fs.rmSync(lockFile, { force: true });
  process.exit(0);
}, 500);
`;

/** The kernel's start time of a process (field 22 of /proc/<pid>/stat), '' when unknown. */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/**
 * Starts the watchdog for one cluster and returns its PID. The reaper runs detached, in its
 * own process group, so a Ctrl-C aimed at the owner does not reach it.
 */
export function startReaper(options: {
  ownerPid: number;
  stateDir: string;
  pidsFile: string;
  lockFile?: string;
  /** Substring of every listed process's command line. @default stateDir */
  marker?: string;
}): number {
  const child = spawn(
    process.execPath,
    [
      '-e',
      REAPER_SOURCE,
      String(options.ownerPid),
      processStartTime(options.ownerPid),
      options.stateDir,
      options.pidsFile,
      options.lockFile ?? '',
      options.marker ?? options.stateDir,
      REAPER_MARKER,
    ],
    { detached: true, stdio: 'ignore' },
  );
  if (child.pid === undefined) throw new Error('could not start the cluster watchdog process');
  child.unref();
  return child.pid;
}
