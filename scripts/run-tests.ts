// Test runner behind `npm test` (run after `npm run build`, from source with tsx; it does not
// need dist/ itself).
//
//   npm test                              all of test/unit, test/integration, test/e2e
//   npm test -- test/unit/x.test.ts       only these files (options starting with - go to
//                                         `node --test`, e.g. --test-name-pattern=...)
//
// Unless S3FERRY_TEST_ENDPOINT is set, it starts the local S3 servers the tests run against:
// a throw-away Ceph RGW cluster (two gateways, two users; scripts/cluster/rgw.ts), and
// moto_server as a second target when it is on PATH. They are described to the tests as JSON
// in S3FERRY_TEST_TARGETS (TestTarget[], test/helpers/targets.ts), and always stopped
// afterwards: on success, failure, Ctrl-C/SIGTERM and crashes. When only test/unit files are
// selected, no server is started. If the Ceph packages are missing they are installed with
// apt-get (root on Debian); otherwise the runner says so in one line and exits 2. The same
// goes for redis-server, which tests of the distributed mode start themselves, one per test
// file (test/helpers/redis.ts, scripts/cluster/redis.ts); it is ensured even with
// S3FERRY_TEST_ENDPOINT.
//
// Environment:
//   S3FERRY_TEST_ENDPOINT             Run against this S3 endpoint (target "external") and
//                                     start no local server. Requires the two keys below.
//   S3FERRY_TEST_ACCESS_KEY_ID        Credentials for S3FERRY_TEST_ENDPOINT.
//   S3FERRY_TEST_SECRET_ACCESS_KEY
//   S3FERRY_TEST_ACCESS_KEY_ID_2      Optional second credential set, for cross-credential
//   S3FERRY_TEST_SECRET_ACCESS_KEY_2  tests (default: the first set).
//   S3FERRY_TEST_ENDPOINT_2           Optional second endpoint of the same storage
//                                     (default: S3FERRY_TEST_ENDPOINT).
//   S3FERRY_TEST_REGION               Region to sign for (default: us-east-1).
//   S3FERRY_TEST_USERS_ISOLATED       1 or 0: the second credential set is refused access to
//                                     the first set's buckets (default: 1 when a distinct
//                                     second set is given, else 0).
//   S3FERRY_TEST_STREAMING_CHECKSUMS  1 or 0: the server accepts the SDK's aws-chunked
//                                     streamed checksums (default: 1).
//   S3FERRY_KEEP_CLUSTER=1            Leave the local servers running after the tests and
//                                     print their endpoints and how to stop them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as osConstants } from 'node:os';
import type { TestTarget } from '../test/helpers/targets.ts';
import { ensureCephPackages, ensureRedisPackages } from './ensure-packages.ts';
import { findMotoServer, startMoto, type MotoServer } from './cluster/moto.ts';
import { startRgwCluster, type RgwCluster } from './cluster/rgw.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIRS = ['test/unit', 'test/integration', 'test/e2e'];
const CHILD_GRACE_MS = 15_000;

/** Only the cluster probe uses the SDK in this process: its Node 20 notice is noise here. */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

function say(line: string): void {
  process.stderr.write(`[run-tests] ${line}\n`);
}

type Servers = { rgw?: RgwCluster; moto?: MotoServer };

const servers: Servers = {};
const startup = new AbortController();
let child: ChildProcess | undefined;
let interruptedBy: NodeJS.Signals | undefined;
/** The signal that interrupted the run (a function, so TypeScript does not narrow it). */
const interrupted = (): NodeJS.Signals | undefined => interruptedBy;
let stopping: Promise<void> | undefined;

function stopServers(): Promise<void> {
  stopping ??= (async () => {
    const started = [servers.rgw, servers.moto].filter((s) => s !== undefined);
    if (started.length === 0) return;
    const at = Date.now();
    await Promise.allSettled(started.map((s) => s.stop()));
    say(`stopped the local S3 servers (${Date.now() - at} ms)`);
  })();
  return stopping;
}

function onSignal(signal: NodeJS.Signals): void {
  if (interruptedBy !== undefined) {
    // Second Ctrl-C: do not wait for the tests any longer.
    if (child?.exitCode === null) child.kill('SIGKILL');
    return;
  }
  interruptedBy = signal;
  say(`${signal}: stopping the tests and the local S3 servers`);
  startup.abort();
  if (child !== undefined && child.exitCode === null) {
    child.kill(signal);
    setTimeout(() => {
      if (child?.exitCode === null) child.kill('SIGKILL');
    }, CHILD_GRACE_MS).unref();
  }
}

function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + ((osConstants.signals[signal] as number | undefined) ?? 1);
}

/** Splits the runner's arguments into `node --test` options and test files. */
function selectFiles(args: string[]): { nodeOptions: string[]; files: string[] } {
  const nodeOptions = args.filter((a) => a.startsWith('-'));
  // Relative to the caller's cwd; node --test runs in the repository root.
  const named = args.filter((a) => !a.startsWith('-')).map((a) => relative(ROOT, resolve(a)));
  if (named.length > 0) return { nodeOptions, files: named };
  const files: string[] = [];
  for (const dir of TEST_DIRS) {
    const abs = join(ROOT, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs).sort()) {
      if (name.endsWith('.test.ts')) files.push(`${dir}/${name}`);
    }
  }
  return { nodeOptions, files };
}

/** True when some selected file is outside test/unit (which must not need a server). */
function needsServers(files: string[]): boolean {
  const unitDir = `test${sep}unit${sep}`;
  return files.some((file) => !file.startsWith(unitDir));
}

function flag(name: string): boolean | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  return !['0', 'false', 'no'].includes(value.toLowerCase());
}

/** The "external" target from S3FERRY_TEST_*; exits 2 when the keys are missing. */
function externalTarget(endpoint: string): TestTarget {
  const env = process.env;
  const key = env['S3FERRY_TEST_ACCESS_KEY_ID'];
  const secret = env['S3FERRY_TEST_SECRET_ACCESS_KEY'];
  if (!key || !secret) {
    say(
      'S3FERRY_TEST_ENDPOINT is set but S3FERRY_TEST_ACCESS_KEY_ID or ' +
        'S3FERRY_TEST_SECRET_ACCESS_KEY is missing',
    );
    process.exit(2);
  }
  const user1 = { accessKeyId: key, secretAccessKey: secret };
  const key2 = env['S3FERRY_TEST_ACCESS_KEY_ID_2'];
  const secret2 = env['S3FERRY_TEST_SECRET_ACCESS_KEY_2'];
  const user2 = key2 && secret2 ? { accessKeyId: key2, secretAccessKey: secret2 } : user1;
  const endpoint2 = env['S3FERRY_TEST_ENDPOINT_2'] || endpoint;
  return {
    name: 'external',
    endpoints: [endpoint, endpoint2],
    users: [user1, user2],
    usersIsolated: flag('S3FERRY_TEST_USERS_ISOLATED') ?? user2.accessKeyId !== key,
    distinctEndpoints: endpoint2 !== endpoint,
    acceptsStreamingChecksums: flag('S3FERRY_TEST_STREAMING_CHECKSUMS') ?? true,
    region: env['S3FERRY_TEST_REGION'] || 'us-east-1',
  };
}

function rgwTarget(rgw: RgwCluster): TestTarget {
  return {
    name: 'rgw',
    endpoints: rgw.endpoints,
    users: [
      { accessKeyId: rgw.users[0].accessKeyId, secretAccessKey: rgw.users[0].secretAccessKey },
      { accessKeyId: rgw.users[1].accessKeyId, secretAccessKey: rgw.users[1].secretAccessKey },
    ],
    usersIsolated: true,
    distinctEndpoints: true,
    // RGW 16 answers 411 MissingContentLength to aws-chunked uploads.
    acceptsStreamingChecksums: false,
    region: rgw.region,
  };
}

function motoTarget(moto: MotoServer): TestTarget {
  return {
    name: 'moto',
    endpoints: [moto.endpoint, moto.endpoint],
    // moto takes any keys; two sets still exercise two client configurations.
    users: [
      { accessKeyId: 'moto-user-0', secretAccessKey: 'moto-secret-0' },
      { accessKeyId: 'moto-user-1', secretAccessKey: 'moto-secret-1' },
    ],
    usersIsolated: false,
    distinctEndpoints: false,
    acceptsStreamingChecksums: true,
    region: 'us-east-1',
  };
}

/** Starts RGW (and moto when on PATH) in parallel; exits when RGW cannot run. */
async function startLocalServers(keep: boolean): Promise<TestTarget[]> {
  const ensured = await ensureCephPackages({ log: say });
  if (!ensured.ok) {
    say(ensured.message);
    process.exit(2);
  }
  if (interrupted() !== undefined) return [];
  const options = { log: say, signal: startup.signal, stopWhenProcessExits: !keep };
  const motoPath = findMotoServer();
  if (motoPath === undefined) say('moto_server is not on PATH: testing against Ceph RGW only');
  const [rgw, moto] = await Promise.allSettled([
    startRgwCluster(options).then((c) => (servers.rgw = c)),
    motoPath === undefined
      ? Promise.resolve(undefined)
      : startMoto(options).then((m) => (servers.moto = m)),
  ]);
  if (interrupted() !== undefined) return [];
  if (rgw.status === 'rejected') {
    say(rgw.reason instanceof Error ? rgw.reason.message : String(rgw.reason));
    await stopServers();
    process.exit(1);
  }
  say(
    `Ceph RGW ready in ${(rgw.value.startupMs / 1000).toFixed(1)} s at ` +
      `${rgw.value.endpoints.join(' and ')} (state dir ${rgw.value.dir})`,
  );
  const targets = [rgwTarget(rgw.value)];
  if (moto.status === 'rejected') {
    say(
      `WARNING: ${moto.reason instanceof Error ? moto.reason.message : String(moto.reason)}; testing against Ceph RGW only`,
    );
  } else if (moto.value !== undefined) {
    targets.push(motoTarget(moto.value));
  }
  return targets;
}

/** Installs redis-server when missing (the tests start their own); exits 2 when it cannot. */
async function ensureRedis(): Promise<void> {
  const ensured = await ensureRedisPackages({ log: say });
  if (!ensured.ok) {
    say(ensured.message);
    process.exit(2);
  }
}

/**
 * node --test's own reporter (spec on a terminal, TAP otherwise) on stdout, and the list of
 * failed tests on stderr after it; left alone when the caller chose a reporter.
 */
function reporterOptions(nodeOptions: string[]): string[] {
  if (nodeOptions.some((o) => o.startsWith('--test-reporter'))) return [];
  return [
    `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/failures-reporter.mjs',
    '--test-reporter-destination=stderr',
  ];
}

function runNodeTest(
  nodeOptions: string[],
  files: string[],
  targets: TestTarget[],
): Promise<number> {
  return new Promise((resolveCode) => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', ...reporterOptions(nodeOptions), ...nodeOptions, ...files],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: { ...process.env, S3FERRY_TEST_TARGETS: JSON.stringify(targets) },
      },
    );
    child.once('error', (error) => {
      say(`could not run node --test: ${error.message}`);
      resolveCode(1);
    });
    child.once('exit', (code, signal) => {
      resolveCode(code ?? (signal === null ? 1 : signalExitCode(signal)));
    });
  });
}

async function main(): Promise<number> {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const { nodeOptions, files } = selectFiles(process.argv.slice(2));
  if (files.length === 0) {
    say(`no test files found in ${TEST_DIRS.join(', ')}`);
    return 0;
  }
  const keep = flag('S3FERRY_KEEP_CLUSTER') === true;
  const external = process.env['S3FERRY_TEST_ENDPOINT'];
  let targets: TestTarget[] = [];
  if (needsServers(files)) await ensureRedis();
  if (external) {
    targets = [externalTarget(external)];
    say(`testing against ${external} (S3FERRY_TEST_ENDPOINT); no local server started`);
  } else if (needsServers(files)) {
    targets = await startLocalServers(keep);
  }
  const early = interrupted();
  if (early !== undefined) return signalExitCode(early);
  const code = await runNodeTest(nodeOptions, files, targets);
  const signal = interrupted();
  if (keep && signal === undefined) {
    if (servers.rgw !== undefined) {
      say(`S3FERRY_KEEP_CLUSTER: left running: ${JSON.stringify(targets)}`);
      say(`stop RGW with: node --import tsx scripts/cluster.ts down --dir ${servers.rgw.dir}`);
    }
    if (servers.moto !== undefined) {
      say(`stop moto with: kill ${servers.moto.pid}; rm -r ${servers.moto.dir}`);
    }
    servers.rgw = undefined;
    servers.moto = undefined;
  }
  return signal === undefined ? code : signalExitCode(signal);
}

process.on('uncaughtException', (error) => {
  say(`crashed: ${error.stack ?? error.message}`);
  void stopServers().finally(() => process.exit(1));
});
process.on('unhandledRejection', (reason) => {
  say(`crashed: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  void stopServers().finally(() => process.exit(1));
});

const exitCode = await main().finally(() => stopServers());
process.exit(exitCode);
