// Starts and stops a throw-away single-node Ceph cluster (one mon, one memstore OSD, two
// radosgw gateways, two S3 users) as plain processes under one state dir, on a free block of
// ports. Used by the test runner, `scripts/cluster.ts`, the demo and the benchmarks.
// Facts behind every setting: /work/shared/reference/s3-servers.md §2, §6.2, §7.
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { reservePortBlock, transferPortLock, type PortBlock } from './ports.ts';
import {
  abortError,
  findExecutable,
  isOurProcess,
  killProcessesNow,
  runTool,
  spawnDaemon,
  stopProcesses,
  waitFor,
  type Daemon,
  type StopTarget,
} from './processes.ts';
import { CEPH_BINARIES, CEPH_PACKAGES, missingBinaries, type CephBinary } from './packages.ts';
import { REAPER_MARKER, startReaper } from './reaper.ts';

/** One S3 credential set on the cluster. */
export type RgwUser = { uid: string; accessKeyId: string; secretAccessKey: string };

/** Fixed test credentials: two users that cannot read each other's buckets. */
export const RGW_USERS: readonly [RgwUser, RgwUser] = [
  {
    uid: 's3ferry-test-0',
    accessKeyId: 'S3FERRYTEST0ACCESSKEY',
    secretAccessKey: 's3ferry-test-0-secret-key-0000000000000000',
  },
  {
    uid: 's3ferry-test-1',
    accessKeyId: 'S3FERRYTEST1ACCESSKEY',
    secretAccessKey: 's3ferry-test-1-secret-key-1111111111111111',
  },
];

/** Region the SDK should sign for; RGW's default zonegroup accepts any. */
export const RGW_REGION = 'us-east-1';

/** Plain description of a running cluster (also written to `<dir>/cluster.json`). */
export type RgwClusterInfo = {
  /** Two gateways over the same cluster: `http://127.0.0.1:PORT`. */
  endpoints: [string, string];
  users: [RgwUser, RgwUser];
  region: string;
  /** State dir holding config, mon store, admin sockets, PID files and logs. */
  dir: string;
  confFile: string;
  logDir: string;
  ports: { mon: number; gateways: [number, number]; messengerMin: number; messengerMax: number };
  /** PIDs by daemon name (`mon.a`, `osd.0`, `client.rgw.a`, `client.rgw.b`, `reaper`). */
  pids: Record<string, number>;
  /** Lock file reserving the port block (removed on stop). */
  portLockFile: string;
  /** Milliseconds from the call to "ready". */
  startupMs: number;
  cephVersion: string;
};

export type RgwCluster = RgwClusterInfo & {
  /** Stops every daemon (by PID) and deletes the state dir. Safe to call twice. */
  stop: () => Promise<void>;
};

export type StartRgwOptions = {
  /** State dir to create (must not exist or be empty). @default a fresh `os.tmpdir()/s3ferry-cluster-XXXXXX` */
  dir?: string;
  /** First of 16 consecutive ports to use. @default a free, reserved block */
  portBase?: number;
  /** Progress lines (one per step). @default no output */
  log?: (line: string) => void;
  /** RAM cap of the memstore OSD; data lives in memory. @default 5 GiB */
  memstoreBytes?: number;
  /**
   * When true, the cluster is removed when this process exits, even if it is killed: an exit
   * hook plus a watchdog process. Set false for a cluster meant to outlive its starter
   * (`npm run cluster:up`). @default true
   */
  stopWhenProcessExits?: boolean;
  /** Extra `[global]` settings, e.g. `{ debug_rgw: '0/0' }` for benchmarks. */
  extraConfig?: Record<string, string>;
  /** Aborts start-up; whatever was started is stopped and removed. */
  signal?: AbortSignal;
  /** Overall start-up limit. @default 120 000 */
  timeoutMs?: number;
};

const GiB = 1024 ** 3;
const PIDS_FILE = 'pids.json';
const INFO_FILE = 'cluster.json';
const MON_ID = 'a';
const GATEWAY_IDS = ['a', 'b'] as const;

type Layout = {
  dir: string;
  conf: string;
  log: string;
  run: string;
  keyring: string;
  monmap: string;
  pidsFile: string;
};

function layoutOf(dir: string): Layout {
  return {
    dir,
    conf: join(dir, 'ceph.conf'),
    log: join(dir, 'log'),
    run: join(dir, 'run'),
    keyring: join(dir, 'keyring'),
    monmap: join(dir, 'monmap'),
    pidsFile: join(dir, PIDS_FILE),
  };
}

type Ports = RgwClusterInfo['ports'];

function portsFrom(base: number): Ports {
  // base: mon; base+1, base+2: gateways; base+4..base+15: OSD messenger (public, cluster and
  // two heartbeat ports, with room for rebinds).
  return {
    mon: base,
    gateways: [base + 1, base + 2],
    messengerMin: base + 4,
    messengerMax: base + 15,
  };
}

function cephConf(layout: Layout, fsid: string, ports: Ports, options: StartRgwOptions): string {
  const d = layout.dir;
  const global: Record<string, string> = {
    fsid,
    mon_host: `v2:127.0.0.1:${ports.mon}`,
    // msgr v2 only, on loopback, inside our own port range.
    ms_bind_msgr1: 'false',
    ms_bind_msgr2: 'true',
    ms_bind_port_min: String(ports.messengerMin),
    ms_bind_port_max: String(ports.messengerMax),
    // No cephx keys to manage. Without `crc secure`, radosgw loops on
    // "get_initial_auth_request returned -13" and gives up after 300 s.
    auth_cluster_required: 'none',
    auth_service_required: 'none',
    auth_client_required: 'none',
    ms_mon_client_mode: 'crc secure',
    // One OSD: pools of size 1, CRUSH chooses OSDs rather than hosts, few PGs.
    osd_pool_default_size: '1',
    osd_pool_default_min_size: '1',
    osd_pool_default_pg_num: '8',
    osd_pool_default_pgp_num: '8',
    osd_pool_default_pg_autoscale_mode: 'off',
    osd_crush_chooseleaf_type: '0',
    mon_allow_pool_size_one: 'true',
    mon_allow_pool_delete: 'true',
    mon_warn_on_pool_no_redundancy: 'false',
    mon_max_pg_per_osd: '1000',
    // The mon batches map changes for up to 1 s (default), and start-up is a chain of ~15
    // of them (OSD boot, each RGW pool's create/application/set): 17 s instead of 3 s.
    paxos_propose_interval: '0.05',
    // Everything under the state dir: one folder holds the whole cluster.
    run_dir: layout.run,
    admin_socket: join(layout.run, '$name.asok'),
    log_file: join(layout.log, '$name.log'),
    mon_cluster_log_file: join(layout.log, 'cluster.log'),
    crash_dir: join(d, 'crash'),
    keyring: layout.keyring,
    mon_data: join(d, 'mon', '$name'),
    osd_data: join(d, 'osd', '$name'),
    rgw_data: join(d, 'rgw', '$name'),
    // Data in RAM, no disks. memstore_device_bytes caps it.
    osd_objectstore: 'memstore',
    memstore_device_bytes: String(options.memstoreBytes ?? 5 * GiB),
    ...options.extraConfig,
  };
  const sections: [string, Record<string, string>][] = [
    ['global', global],
    ['mon', { pid_file: join(layout.run, '$name.pid') }],
    [
      'osd',
      {
        pid_file: join(layout.run, '$name.pid'),
        // Exit at once on SIGTERM without a clean unmount of the store (the default since
        // Octopus, pinned here): 0.1 s with 512 MiB stored.
        osd_fast_shutdown: 'true',
        // Without these the OSD listens on every interface.
        public_addr: '127.0.0.1',
        cluster_addr: '127.0.0.1',
      },
    ],
    // Deleted data is freed within seconds rather than hours.
    ['client', { rgw_gc_obj_min_wait: '10', rgw_gc_processor_period: '10' }],
    // Several `ceph`/`radosgw-admin` runs at once must not fight over one admin socket.
    ['client.admin', { admin_socket: join(layout.run, '$name.$pid.asok') }],
    ...GATEWAY_IDS.map((id, i): [string, Record<string, string>] => [
      `client.rgw.${id}`,
      {
        pid_file: join(layout.run, '$name.pid'),
        // Without tcp_nodelay every small request takes 44-48 ms (Nagle + delayed ACK).
        rgw_frontends: `beast endpoint=127.0.0.1:${ports.gateways[i] ?? 0} tcp_nodelay=1`,
      },
    ]),
  ];
  return sections
    .map(([name, values]) => {
      const lines = Object.entries(values).map(([k, v]) => `\t${k} = ${v}`);
      return `[${name}]\n${lines.join('\n')}\n`;
    })
    .join('\n');
}

/** Environment for Ceph tools: the user's CEPH_ARGS/CEPH_CONF must not leak in. */
function cephEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['CEPH_ARGS'];
  delete env['CEPH_CONF'];
  return env;
}

function readPids(pidsFile: string): Record<string, number> {
  try {
    return JSON.parse(readFileSync(pidsFile, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** How to stop each recorded process; every command line contains the state dir. */
function stopTargets(dir: string, pids: Record<string, number>): StopTarget[] {
  return Object.entries(pids).map(([name, pid]) => ({
    name,
    pid,
    marker: dir,
  }));
}

/**
 * Stops the cluster whose state dir is `dir` (PIDs from `<dir>/pids.json`), waits for the
 * daemons to exit (SIGTERM, SIGKILL after 10 s) and deletes the dir and its port lock.
 * A dir that does not exist is not an error.
 */
export async function stopCluster(
  dir: string,
  options: { keepLogs?: boolean } = {},
): Promise<void> {
  const layout = layoutOf(resolve(dir));
  if (!existsSync(layout.dir)) return;
  const pids = readPids(layout.pidsFile);
  const { reaper, ...daemons } = pids;
  // The watchdog first, so it does not race us on the dir.
  if (reaper !== undefined) {
    await stopProcesses(
      [{ name: 'reaper', pid: reaper, marker: REAPER_MARKER, signal: 'SIGKILL' }],
      2_000,
    );
  }
  // In order, each while the daemons it talks to still answer: stopped together with the mon
  // and OSD, radosgw sat out the whole 10 s until SIGKILL (alone: about 0.2 s), and the OSD
  // waits osd_mon_shutdown_timeout (5 s) for the mon to acknowledge it going down (0.1 s).
  const targets = stopTargets(layout.dir, daemons);
  const phases = [
    (name: string) => name.startsWith('client.rgw.'),
    (name: string) => name.startsWith('osd.'),
    () => true,
  ];
  let left = targets;
  for (const inPhase of phases) {
    await stopProcesses(left.filter((t) => inPhase(t.name)));
    left = left.filter((t) => !inPhase(t.name));
  }
  const lockFiles = [readInfo(layout.dir)?.portLockFile, readLockFileName(layout.dir)];
  removeStateDir(layout, options.keepLogs === true);
  for (const lockFile of lockFiles) {
    if (lockFile) rmSync(lockFile, { force: true });
  }
}

function removeStateDir(layout: Layout, keepLogs: boolean): void {
  if (!keepLogs) {
    rmSync(layout.dir, { recursive: true, force: true });
    return;
  }
  for (const entry of readdirSync(layout.dir)) {
    if (entry === 'log' || entry === 'ceph.conf') continue;
    rmSync(join(layout.dir, entry), { recursive: true, force: true });
  }
}

/** Reads `<dir>/cluster.json` of a ready cluster, or undefined. */
export function readInfo(dir: string): RgwClusterInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, INFO_FILE), 'utf8')) as RgwClusterInfo;
  } catch {
    return undefined;
  }
}

function readLockFileName(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, 'port-lock'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

class StartError extends Error {}

/**
 * Starts a fresh cluster and resolves once both gateways answer and a probe bucket could be
 * created and deleted, so the first S3 request of a test succeeds without a stall.
 * On failure everything started is stopped, the logs are kept, and the error message is one
 * line naming the log to read.
 */
export async function startRgwCluster(options: StartRgwOptions = {}): Promise<RgwCluster> {
  const startedAt = Date.now();
  const log = options.log ?? (() => undefined);
  const step = (what: string): void => {
    log(`rgw: ${what} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
  };
  const bins = resolveBinaries();

  const dir = prepareDir(options.dir);
  const layout = layoutOf(dir);
  const stopOnExit = options.stopWhenProcessExits ?? true;
  let block: PortBlock | undefined;
  const pids: Record<string, number> = {};
  const savePids = (): void => {
    writeFileSync(layout.pidsFile, `${JSON.stringify(pids, null, 2)}\n`);
  };
  const exitHook = (): void => {
    killProcessesNow(stopTargets(dir, pids));
    rmSync(dir, { recursive: true, force: true });
    block?.release();
  };

  const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let current = 'preparing';
  let currentLog = join(layout.log, 'client.admin.log');

  try {
    block =
      options.portBase === undefined
        ? await reservePortBlock(16)
        : { base: options.portBase, count: 16, lockFile: '', release: () => undefined };
    writeFileSync(join(dir, 'port-lock'), `${block.lockFile}\n`);
    const ports = portsFrom(block.base);
    const fsid = randomUUID();
    writeFileSync(layout.conf, cephConf(layout, fsid, ports, options));
    savePids();
    if (stopOnExit) {
      pids['reaper'] = startReaper({
        ownerPid: process.pid,
        stateDir: dir,
        pidsFile: layout.pidsFile,
        lockFile: block.lockFile || undefined,
      });
      savePids();
      process.on('exit', exitHook);
    }
    const env = cephEnv();
    const conf = ['-c', layout.conf];
    const tool = (command: string, args: string[], timeoutMs = 30_000) =>
      runTool(command, args, { env, timeoutMs, signal });
    const start = (name: string, command: string, args: string[]): Daemon => {
      const daemon = spawnDaemon(name, command, [...args, ...conf], {
        outputFile: join(layout.log, `${name}.out`),
        env,
        cwd: dir,
      });
      pids[name] = daemon.pid;
      savePids();
      return daemon;
    };
    const alive = (daemon: Daemon): void => {
      if (daemon.exit !== undefined) {
        currentLog = join(layout.log, `${daemon.name}.log`);
        const how = daemon.exit.signal ?? `exit code ${daemon.exit.code ?? '?'}`;
        throw new StartError(`${daemon.name} stopped during start-up (${how})`);
      }
    };

    // 1. Keyring, monmap, mon store; start the mon.
    current = 'creating the monitor';
    currentLog = join(layout.log, `mon.${MON_ID}.log`);
    await tool(bins['ceph-authtool'], [
      '--create-keyring',
      layout.keyring,
      '--gen-key',
      '-n',
      'mon.',
      '--cap',
      'mon',
      'allow *',
    ]);
    await tool(bins['ceph-authtool'], [
      layout.keyring,
      '--gen-key',
      '-n',
      'client.admin',
      '--cap',
      'mon',
      'allow *',
      '--cap',
      'osd',
      'allow *',
      '--cap',
      'mgr',
      'allow *',
    ]);
    await tool(bins.monmaptool, [
      '--create',
      '--fsid',
      fsid,
      '--addv',
      MON_ID,
      `[v2:127.0.0.1:${ports.mon}]`,
      layout.monmap,
    ]);
    await tool(bins['ceph-mon'], [
      ...conf,
      '--mkfs',
      '-i',
      MON_ID,
      '--monmap',
      layout.monmap,
      '--keyring',
      layout.keyring,
    ]);
    const mon = start(`mon.${MON_ID}`, bins['ceph-mon'], ['-f', '-i', MON_ID]);
    step(`mon on v2:127.0.0.1:${ports.mon}, pid ${mon.pid}`);

    // 2. Register, create and start the OSD. `ceph osd new` waits for the mon to answer.
    current = 'creating the OSD';
    const osdUuid = randomUUID();
    const created = await tool(bins.ceph, [
      ...conf,
      '--connect-timeout',
      '30',
      'osd',
      'new',
      osdUuid,
    ]);
    alive(mon);
    const osdId = created.stdout.trim();
    if (!/^\d+$/.test(osdId))
      throw new StartError(`"ceph osd new" printed "${osdId}", not an OSD id`);
    currentLog = join(layout.log, `osd.${osdId}.log`);
    mkdirSync(join(dir, 'osd', `osd.${osdId}`), { recursive: true });
    await tool(bins['ceph-osd'], [...conf, '--mkfs', '-i', osdId, '--osd-uuid', osdUuid]);
    const osd = start(`osd.${osdId}`, bins['ceph-osd'], ['-f', '-i', osdId]);
    step(`osd.${osdId} started, pid ${osd.pid}`);

    current = 'waiting for the OSD to be up';
    await waitFor(
      current,
      async () => {
        alive(mon);
        alive(osd);
        const stat = await tool(bins.ceph, [...conf, 'osd', 'stat', '-f', 'json'], 15_000);
        return (JSON.parse(stat.stdout) as { num_up_osds?: number }).num_up_osds === 1;
      },
      { timeoutMs: 60_000, intervalMs: 100, signal },
    );
    step('osd up');

    // 3. Users first: this also creates RGW's zone and metadata pools, so the two gateways
    // starting next do not race each other creating them.
    current = 'creating the S3 users';
    currentLog = join(layout.log, 'client.admin.log');
    await createUser(tool, bins['radosgw-admin'], conf, RGW_USERS[0]);
    const gateways = GATEWAY_IDS.map((id) =>
      start(`client.rgw.${id}`, bins.radosgw, ['-f', '-n', `client.rgw.${id}`]),
    );
    await createUser(tool, bins['radosgw-admin'], conf, RGW_USERS[1]);
    step('users created');

    // 4. Both gateways answer GET / with 200 (anonymous ListAllMyBuckets).
    current = 'waiting for the gateways to answer';
    const endpoints = ports.gateways.map((p) => `http://127.0.0.1:${p}`) as [string, string];
    await Promise.all(
      gateways.map(async (gateway, i) => {
        const endpoint = endpoints[i] ?? '';
        await waitFor(
          `${gateway.name} at ${endpoint}`,
          async () => {
            alive(osd);
            alive(gateway);
            return httpOk(endpoint);
          },
          { timeoutMs: 60_000, intervalMs: 100, signal },
        ).catch((error: unknown) => {
          // alive() already named the log of a daemon that died.
          if (!(error instanceof StartError)) currentLog = join(layout.log, `${gateway.name}.log`);
          throw error;
        });
      }),
    );
    step(`gateways answer at ${endpoints.join(' and ')}`);

    // 5. The first bucket creation and the first write create the data pools, which can
    // stall for seconds: do it now, not in the first test.
    current = 'probing S3 (create, write, delete a bucket)';
    currentLog = join(layout.log, 'client.rgw.a.log');
    await probe(endpoints, signal);
    step('ready');
    const startupMs = Date.now() - startedAt;

    const versionLine = (await tool(bins.ceph, ['--version'], 10_000)).stdout.trim();
    const info: RgwClusterInfo = {
      endpoints,
      users: [{ ...RGW_USERS[0] }, { ...RGW_USERS[1] }],
      region: RGW_REGION,
      dir,
      confFile: layout.conf,
      logDir: layout.log,
      ports,
      pids: { ...pids },
      portLockFile: block.lockFile,
      startupMs,
      cephVersion: versionLine.replace(/^ceph version /, ''),
    };
    writeFileSync(join(dir, INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);
    if (!stopOnExit && block.lockFile !== '') {
      // The reservation now belongs to the mon, which lives as long as the cluster.
      transferPortLock(block, mon.pid);
    }
    let stopped: Promise<void> | undefined;
    return {
      ...info,
      stop: () => {
        stopped ??= stopCluster(dir).finally(() => {
          process.off('exit', exitHook);
        });
        return stopped;
      },
    };
  } catch (error) {
    process.off('exit', exitHook);
    await stopCluster(dir, { keepLogs: true });
    block?.release();
    // Checked after stopping: a Ctrl-C can kill a tool we ran before the abort is seen.
    if (options.signal?.aborted === true) {
      rmSync(dir, { recursive: true, force: true });
      throw abortError('Ceph RGW cluster start-up was aborted', error);
    }
    const timedOut = timeout.aborted;
    const reason = timedOut
      ? `timed out after ${Math.round((options.timeoutMs ?? 120_000) / 1000)} s`
      : error instanceof Error
        ? error.message
        : String(error);
    throw new Error(
      `Ceph RGW cluster failed to start while ${current}: ${reason}. See ${currentLog} ` +
        `(all logs in ${layout.log})`,
      { cause: error },
    );
  }
}

function resolveBinaries(): Record<CephBinary, string> {
  const missing = missingBinaries(CEPH_BINARIES);
  if (missing.length > 0) {
    throw new Error(
      `Ceph RGW cluster cannot start: ${missing.join(', ')} not found on PATH ` +
        `(install the Debian packages ${CEPH_PACKAGES.join(' ')})`,
    );
  }
  return Object.fromEntries(
    CEPH_BINARIES.map((name) => [name, findExecutable(name) ?? name]),
  ) as Record<CephBinary, string>;
}

function prepareDir(requested: string | undefined): string {
  let dir: string;
  if (requested === undefined) {
    dir = mkdtempSync(join(tmpdir(), 's3ferry-cluster-'));
  } else {
    dir = resolve(requested);
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new Error(`cluster state dir ${dir} already exists and is not empty`);
    }
    mkdirSync(dir, { recursive: true });
  }
  for (const sub of ['log', 'run', 'crash', 'mon', 'osd', 'rgw']) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  return dir;
}

type Tool = (command: string, args: string[], timeoutMs?: number) => Promise<unknown>;

async function createUser(tool: Tool, radosgwAdmin: string, conf: string[], user: RgwUser) {
  await tool(radosgwAdmin, [
    ...conf,
    'user',
    'create',
    `--uid=${user.uid}`,
    `--display-name=${user.uid}`,
    `--access-key=${user.accessKeyId}`,
    `--secret-key=${user.secretAccessKey}`,
  ]);
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

function probeClient(endpoint: string, user: RgwUser): S3Client {
  return new S3Client({
    endpoint,
    region: RGW_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 20_000 }),
  });
}

/**
 * Creates a bucket, writes and deletes an object, deletes the bucket (user 0 on gateway 0),
 * then lists buckets as user 1 on gateway 1. Retries each step, since a gateway that has just
 * come up may time out once while the data pools are created.
 */
async function probe(endpoints: [string, string], signal: AbortSignal): Promise<void> {
  const first = probeClient(endpoints[0], RGW_USERS[0]);
  const second = probeClient(endpoints[1], RGW_USERS[1]);
  const bucket = `s3ferry-probe-${randomUUID().slice(0, 8)}`;
  const attempt = async (what: string, run: () => Promise<unknown>): Promise<void> => {
    let lastError: unknown;
    for (let i = 0; i < 4; i += 1) {
      signal.throwIfAborted();
      try {
        await run();
        return;
      } catch (error) {
        lastError = error;
        // A retried CreateBucket may find the bucket created by the timed-out attempt.
        if ((error as { name?: string }).name === 'BucketAlreadyOwnedByYou') return;
        await sleep(250, undefined, { signal });
      }
    }
    const message =
      lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError);
    throw new StartError(`${what} failed: ${message}`);
  };
  try {
    await attempt('CreateBucket', () =>
      first.send(new CreateBucketCommand({ Bucket: bucket }), { abortSignal: signal }),
    );
    await attempt('PutObject', () =>
      first.send(new PutObjectCommand({ Bucket: bucket, Key: 'probe', Body: 'probe' }), {
        abortSignal: signal,
      }),
    );
    await attempt('DeleteObject', () =>
      first.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'probe' }), {
        abortSignal: signal,
      }),
    );
    await attempt('DeleteBucket', () =>
      first.send(new DeleteBucketCommand({ Bucket: bucket }), { abortSignal: signal }),
    );
    await attempt('ListBuckets as the second user', () =>
      second.send(new ListBucketsCommand({}), { abortSignal: signal }),
    );
  } finally {
    first.destroy();
    second.destroy();
  }
}

/** True when every daemon recorded for the cluster in `dir` is still running. */
export function isClusterRunning(dir: string): boolean {
  const list = Object.entries(readPids(join(dir, PIDS_FILE)))
    .filter(([name]) => name !== 'reaper')
    .map(([, pid]) => pid);
  return list.length > 0 && list.every((pid) => isOurProcess(pid, dir));
}

/**
 * Frees at once the RAM of objects deleted in the cluster of `confFile` (RGW's garbage collector,
 * `radosgw-admin gc process --include-all`): the memstore OSD otherwise holds a deleted object's
 * data until gc runs (every 10 s, after 10 s), and a bench that copies large objects back to back
 * filled it ("full status failsafe engaged") and stalled every gateway.
 */
export async function reclaimDeleted(confFile: string): Promise<void> {
  const radosgwAdmin = findExecutable('radosgw-admin') ?? 'radosgw-admin';
  await runTool(radosgwAdmin, ['-c', confFile, 'gc', 'process', '--include-all'], {
    env: cephEnv(),
    timeoutMs: 120_000,
  });
}
