// Makes sure the programs of the local test servers are installed: Ceph (the RGW cluster) and
// redis-server (the distributed mode's Redis). When they are missing and this is Debian and we
// are root, installs them with apt-get; otherwise explains, in one line, how to install them
// (or how to point the tests at another S3 server).
// Used by scripts/run-tests.ts, .ci/run and the demo. As a script: ensures both, exit 0
// (ready) or 2.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CEPH_BINARIES,
  CEPH_PACKAGES,
  REDIS_BINARIES,
  REDIS_PACKAGES,
  missingBinaries,
} from './cluster/packages.ts';
import { findExecutable } from './cluster/processes.ts';

export type EnsureResult =
  | { ok: true; installed: boolean }
  | {
      ok: false;
      /** One line: what is missing, why it was not installed, what to do instead. */
      message: string;
    };

export type EnsureOptions = {
  log?: (line: string) => void;
  /** @default CEPH_PACKAGES */
  packages?: readonly string[];
  /** Programs that must be found afterwards. @default CEPH_BINARIES */
  binaries?: readonly string[];
};

const ALTERNATIVE =
  'or run the tests against another S3 server: S3FERRY_TEST_ENDPOINT=http://HOST:PORT ' +
  'S3FERRY_TEST_ACCESS_KEY_ID=... S3FERRY_TEST_SECRET_ACCESS_KEY=... npm test';

/** Installs the Ceph packages when their programs are missing and apt-get can be used. */
export function ensureCephPackages(options: EnsureOptions = {}): Promise<EnsureResult> {
  return ensureDebianPackages({
    label: 'Ceph RGW',
    packages: options.packages ?? CEPH_PACKAGES,
    binaries: options.binaries ?? CEPH_BINARIES,
    alternative: ALTERNATIVE,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}

/** Installs redis-server (Debian's package) when it is missing and apt-get can be used. */
export function ensureRedisPackages(
  options: Pick<EnsureOptions, 'log'> = {},
): Promise<EnsureResult> {
  return ensureDebianPackages({
    label: 'redis-server',
    packages: REDIS_PACKAGES,
    binaries: REDIS_BINARIES,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}

/** What {@link ensureDebianPackages} installs and how it explains a failure. */
export type DebianPackagesOptions = {
  /** What the packages are, for messages (`Ceph RGW`, `rclone`). */
  label: string;
  packages: readonly string[];
  /** Programs that must be found afterwards. */
  binaries: readonly string[];
  /** Appended to the one-line failure message: what to do instead. */
  alternative?: string;
  log?: (line: string) => void;
};

/**
 * Installs Debian packages when their programs are missing, this is Debian and we are root;
 * otherwise explains in one line why not and how to install them.
 */
export async function ensureDebianPackages(options: DebianPackagesOptions): Promise<EnsureResult> {
  const { packages, binaries } = options;
  const missing = missingBinaries(binaries);
  if (missing.length === 0) return { ok: true, installed: false };

  const what = `${options.label} is not installed (missing ${missing.join(', ')})`;
  const install = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  const instead = options.alternative === undefined ? '' : ` ${options.alternative}`;
  const cannot = (why: string): EnsureResult => ({
    ok: false,
    message: `${what} and cannot be installed here (${why}). Install it (${install})${instead}`,
  });
  if (process.platform !== 'linux' || !existsSync('/etc/debian_version')) {
    return cannot('not Debian');
  }
  const aptGet = findExecutable('apt-get');
  if (aptGet === undefined) return cannot('apt-get not found');
  if (process.getuid?.() !== 0) return cannot('not running as root');

  const logDir = mkdtempSync(join(tmpdir(), 's3ferry-apt-'));
  const logFile = join(logDir, 'apt-get.log');
  options.log?.(`installing Debian packages ${packages.join(' ')} (apt-get, output in ${logFile})`);
  // Wait for another apt/dpkg run (a parallel test run installing the same packages) rather
  // than failing on its lock.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
  const update = await runLogged(aptGet, [...lockWait, 'update'], logFile);
  const installed = await runLogged(
    aptGet,
    [...lockWait, 'install', '-y', '--no-install-recommends', ...packages],
    logFile,
  );
  const stillMissing = missingBinaries(binaries);
  if (installed !== 0 || stillMissing.length > 0) {
    const detail =
      installed !== 0
        ? `apt-get install exited with ${installed}${update !== 0 ? ' after apt-get update failed' : ''}`
        : `still missing ${stillMissing.join(', ')} after apt-get install`;
    return cannot(`${detail}; see ${logFile}`);
  }
  rmSync(logDir, { recursive: true, force: true });
  options.log?.(`installed ${packages.join(' ')}`);
  return { ok: true, installed: true };
}

/** Runs a command with its output appended to `logFile`; resolves to its exit status. */
function runLogged(command: string, args: string[], logFile: string): Promise<number> {
  return new Promise((resolve) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(command, args, {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    closeSync(fd);
    child.once('error', () => {
      resolve(127);
    });
    child.once('close', (code) => {
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<void> {
  const log = (line: string): void => {
    process.stderr.write(`[ensure-packages] ${line}\n`);
  };
  // One after the other: two apt-get runs at once would only wait on each other's lock.
  const wanted = [
    { label: 'Ceph RGW', ensure: ensureCephPackages },
    { label: 'redis-server', ensure: ensureRedisPackages },
  ];
  for (const { label, ensure } of wanted) {
    const result = await ensure({ log });
    if (result.ok) {
      if (!result.installed) log(`${label} is installed`);
      continue;
    }
    process.stderr.write(`${result.message}\n`);
    process.exitCode = 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
