// Picks blocks of free TCP ports on 127.0.0.1 for local test servers. Several clusters run on
// one machine at once (other developers' test runs), so ports are never fixed: a block is
// reserved with a lock file (atomic create) and then checked by binding every port in it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A reserved block of ports; `release()` frees the reservation (not the ports themselves). */
export type PortBlock = {
  /** First port of the block. */
  base: number;
  /** Number of consecutive ports, all free when the block was handed out. */
  count: number;
  /** Lock file holding the reservation. */
  lockFile: string;
  release: () => void;
};

/**
 * Ports below Linux's ephemeral range (32768-60999 by default) so that outgoing connections
 * never hold a port we are about to listen on.
 */
const RANGE_START = 20_000;
const RANGE_END = 32_000;

/** Every reservation is one aligned block of this size, so two reservations never overlap. */
export const BLOCK_SIZE = 16;

const LOCK_DIR = join(tmpdir(), 's3ferry-port-locks');

/** True when `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the lock file for `base`, or returns false when a live process holds it. */
function tryLock(lockFile: string, ownerPid: number): boolean {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lockFile, `${ownerPid}\n`, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    } catch {
      // Removed by its owner meanwhile: try again.
    }
    if (Number.isInteger(holder) && holder > 0 && isProcessAlive(holder)) return false;
    rmSync(lockFile, { force: true }); // stale: its owner is gone
  }
  return false;
}

/** Moves a block's reservation to another process (e.g. `cluster up` leaves a daemon behind). */
export function transferPortLock(block: PortBlock, ownerPid: number): void {
  writeFileSync(block.lockFile, `${ownerPid}\n`);
}

/**
 * Finds `count` consecutive free ports on 127.0.0.1 and reserves them for `ownerPid`
 * (default: this process) until `release()` or until that process is gone.
 * @throws when no free block is found after `maxAttempts` random tries.
 */
export async function reservePortBlock(
  count: number,
  options: { ownerPid?: number; maxAttempts?: number } = {},
): Promise<PortBlock> {
  const ownerPid = options.ownerPid ?? process.pid;
  const maxAttempts = options.maxAttempts ?? 50;
  if (count < 1 || count > BLOCK_SIZE) {
    throw new Error(`Expected a port count from 1 to ${BLOCK_SIZE}, got ${count}`);
  }
  const slots = Math.floor((RANGE_END - RANGE_START) / BLOCK_SIZE);
  mkdirSync(LOCK_DIR, { recursive: true });
  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    const base = RANGE_START + Math.floor(Math.random() * slots) * BLOCK_SIZE;
    const lockFile = join(LOCK_DIR, String(base));
    if (!tryLock(lockFile, ownerPid)) continue;
    const checks = await Promise.all(Array.from({ length: count }, (_, i) => isPortFree(base + i)));
    if (checks.every(Boolean)) {
      return {
        base,
        count,
        lockFile,
        release: () => {
          rmSync(lockFile, { force: true });
        },
      };
    }
    rmSync(lockFile, { force: true });
  }
  throw new Error(
    `no block of ${count} free ports found on 127.0.0.1 in ${RANGE_START}-${RANGE_END} ` +
      `after ${maxAttempts} tries`,
  );
}
