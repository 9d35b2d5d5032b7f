// `npm run demo`: the README's main job on a throw-away local Ceph cluster. Builds dist/ when it is
// missing or older than the sources, starts the cluster (two gateways, two users), seeds a source
// bucket with a few thousand objects (awkward keys, multipart-sized ones), runs the built CLI
// `s3ferry sync` across gateways and users twice (the second run is a no-op), checks the
// destination, and stops the cluster — also on failure and Ctrl-C.
//
// `npm run demo -- --distributed`: the same, as a distributed job (issue 11): a throw-away
// redis-server and three `s3ferry worker` processes (output prefixed `[worker N]`) do the copying
// while `s3ferry sync --queue` coordinates in the foreground with its progress; then the workers
// get SIGTERM and the coordinator's per-worker counts are printed. Redis and the workers are
// stopped by PID like the cluster, also on failure and Ctrl-C.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { SyncSummary } from '../src/engine/events.ts';
import { startRgwCluster } from './cluster/rgw.ts';
import type { RgwCluster } from './cluster/rgw.ts';
import { ensureCephPackages, ensureRedisPackages } from './ensure-packages.ts';
import { rawS3Client } from './cluster/raw-client.ts';
import { startRedis, type RedisServer } from './cluster/redis.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const MiB = 1024 * 1024;

// The shape of the demo: sizes are small enough for a 2-core box to finish in about a minute.
const SMALL_OBJECTS = 2_950; // 1-64 KiB each
const MEDIUM_SIZES_MIB = [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5]; // single PUT each
const LARGE_SIZES_MIB = [20, 28, 41]; // above the demo's 16 MiB multipart threshold
const SYNC_FLAGS = ['--multipart-threshold', '16MiB', '--part-size', '8MiB'];
/** `--distributed`: worker processes, each with one worker thread (this box has 2 cores). */
const WORKER_COUNT = 3;
const WORKER_FLAGS = ['-w', '1'];
/** How long a worker may take to stop after SIGTERM before it is SIGKILLed. */
const WORKER_STOP_GRACE_MS = 15_000;
/** Keys that break naive tools: all must arrive byte for byte. */
const AWKWARD_KEYS = [
  'awkward/naïve café.txt',
  'awkward/日本語/ファイル.txt',
  'awkward/emoji 😀.txt',
  'awkward/a+b=c.txt',
  'awkward/100%.txt',
  'awkward/%2F not a slash',
  'awkward/what?.txt',
  'awkward/#hash#tag',
  'awkward/double//slash',
  'awkward/trailing space ',
  'awkward/  leading spaces',
  'awkward/semi;colon & amp',
];

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

function say(line: string): void {
  process.stderr.write(`[demo] ${line}\n`);
}

class DemoError extends Error {}

const USAGE = 'usage: npm run demo [-- --distributed]';
const argv = process.argv.slice(2);
if (argv.includes('-h') || argv.includes('--help')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const unknown = argv.filter((a) => a !== '--distributed');
if (unknown.length > 0) {
  process.stderr.write(`[demo] unknown argument ${unknown.join(' ')}\n${USAGE}\n`);
  process.exit(2);
}
const distributed = argv.includes('--distributed');

let cluster: RgwCluster | undefined;
let redis: RedisServer | undefined;
let workDir: string | undefined;
let child: ReturnType<typeof spawn> | undefined;
/** `--distributed`: the `s3ferry worker` processes (each in its own process group). */
const workers: DemoWorker[] = [];
let interrupts = 0;
let lastSignalAt = 0;
const startup = new AbortController();

/**
 * Ctrl-C. The CLI runs in its own process group, so it hears only what is forwarded here: once,
 * it finishes the copies in flight and prints its summary; twice, it quits at once.
 */
function onSignal(signal: NodeJS.Signals): void {
  // Under `npm run` one Ctrl-C arrives twice (from the terminal and forwarded by npm).
  if (Date.now() - lastSignalAt < 500) return;
  lastSignalAt = Date.now();
  interrupts += 1;
  startup.abort();
  if (child !== undefined && child.exitCode === null) child.kill('SIGINT');
  if (interrupts === 1) {
    say(`${signal}: stopping (the local cluster will be removed)`);
  } else if (child === undefined) {
    void cleanUp().finally(() => process.exit(130));
  }
}

let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    if (workers.some((w) => w.exit === undefined)) await stopWorkers();
    if (redis !== undefined) {
      await redis.stop();
      say(`stopped redis-server (pid ${redis.pid})`);
    }
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
    if (cluster !== undefined) {
      const at = Date.now();
      await cluster.stop();
      say(`stopped the local cluster (${Date.now() - at} ms)`);
    }
  })();
  return cleaning;
}

/** Newest modification time under `dir` (0 when it does not exist). */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolveCode, reject) => {
    const proc = spawn(command, args, {
      cwd: ROOT,
      stdio: 'inherit',
      env: env ?? process.env,
      // Its own process group: Ctrl-C reaches it only through onSignal (exactly once).
      detached: true,
    });
    child = proc;
    proc.once('error', reject);
    proc.once('exit', (code, signal) => {
      child = undefined;
      resolveCode(code ?? (signal === null ? 1 : 128 + 2));
    });
  });
}

type DemoWorker = {
  index: number;
  proc: ReturnType<typeof spawn>;
  /** Resolves once the worker said it is serving the queue; rejects if it exits first. */
  serving: Promise<void>;
  exited: Promise<void>;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
};

/** Copies a stream to stderr line by line, each line prefixed; calls `onLine` for each. */
function prefixLines(
  stream: NodeJS.ReadableStream,
  prefix: string,
  onLine: (line: string) => void,
): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      process.stderr.write(`${prefix} ${line}\n`);
      onLine(line);
    }
  });
  stream.on('end', () => {
    if (pending !== '') process.stderr.write(`${prefix} ${pending}\n`);
  });
}

/**
 * Starts `s3ferry worker --queue URL` (the built CLI, like the syncs) in its own process group:
 * Ctrl-C reaches it only as the SIGTERM of stopWorkers(). Its output goes to stderr, prefixed.
 */
function startWorker(index: number, queueUrl: string, env: NodeJS.ProcessEnv): DemoWorker {
  const proc = spawn(process.execPath, [MAIN, 'worker', '--queue', queueUrl, ...WORKER_FLAGS], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let onServing: () => void = () => undefined;
  let onEarlyExit: (error: Error) => void = () => undefined;
  const serving = new Promise<void>((resolveServing, rejectServing) => {
    onServing = resolveServing;
    onEarlyExit = rejectServing;
  });
  // Nobody may be waiting when it fails later on (the coordinator would notice the missing work).
  serving.catch(() => undefined);
  const prefix = `[worker ${index}]`;
  const onLine = (line: string): void => {
    if (/ serving /.test(line)) onServing();
  };
  prefixLines(proc.stdout, prefix, onLine);
  prefixLines(proc.stderr, prefix, onLine);
  const worker: DemoWorker = {
    index,
    proc,
    serving,
    exited: new Promise<void>((resolveExit) => {
      proc.once('error', (error) => {
        worker.exit = { code: 127, signal: null };
        onEarlyExit(new DemoError(`worker ${index} could not start: ${error.message}`));
        resolveExit();
      });
      proc.once('exit', (code, signal) => {
        worker.exit = { code, signal };
        onEarlyExit(
          new DemoError(`worker ${index} exited (${signal ?? `exit code ${code ?? '?'}`})`),
        );
        resolveExit();
      });
    }),
  };
  return worker;
}

/** SIGTERM to every running worker (by PID), SIGKILL to any still there after the grace. */
async function stopWorkers(): Promise<void> {
  const running = workers.filter((w) => w.exit === undefined && w.proc.pid !== undefined);
  if (running.length === 0) return;
  say(
    `stopping ${running.length} worker(s) (SIGTERM to pids ${running.map((w) => w.proc.pid).join(', ')})`,
  );
  for (const w of running) w.proc.kill('SIGTERM');
  const all = Promise.all(running.map((w) => w.exited));
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    all.then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => {
        r(true);
      }, WORKER_STOP_GRACE_MS);
    }),
  ]);
  clearTimeout(timer);
  if (late) {
    for (const w of running) {
      if (w.exit === undefined) {
        say(`worker ${w.index} (pid ${w.proc.pid}) did not stop: SIGKILL`);
        w.proc.kill('SIGKILL');
      }
    }
    await all;
  }
  for (const w of running) {
    const how = w.exit?.signal ?? `exit ${w.exit?.code ?? '?'}`;
    say(`worker ${w.index} (pid ${w.proc.pid}) stopped: ${how}`);
  }
}

/** Builds dist/ when the CLI is missing or older than any source file. */
async function ensureBuilt(): Promise<void> {
  const built = existsSync(MAIN) ? statSync(MAIN).mtimeMs : 0;
  const sources = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'workers')));
  if (built >= sources) return;
  say(built === 0 ? 'building dist/ (npm run build)' : 'dist/ is stale: rebuilding');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if ((await run(npm, ['run', '--silent', 'build'])) !== 0) throw new DemoError('build failed');
}

function clientFor(endpoint: string, user: { accessKeyId: string; secretAccessKey: string }) {
  return rawS3Client(endpoint, user);
}

type Seeded = { key: string; size: number; md5: string };

/** Seeds `bucket` with the demo's objects, 64 PUTs at a time. */
async function seed(client: S3Client, bucket: string): Promise<Seeded[]> {
  const specs: { key: string; size: number }[] = [];
  for (let i = 0; i < SMALL_OBJECTS; i++) {
    const dir = `data/batch-${String(i % 30).padStart(2, '0')}`;
    specs.push({
      key: `${dir}/obj-${String(i).padStart(5, '0')}.bin`,
      size: 1024 + ((i * 7919) % (63 * 1024)),
    });
  }
  MEDIUM_SIZES_MIB.forEach((mib, i) =>
    specs.push({ key: `media/clip-${i}.mp4`, size: Math.round(mib * MiB) }),
  );
  LARGE_SIZES_MIB.forEach((mib, i) =>
    specs.push({ key: `archives/big-${i}.tar`, size: mib * MiB }),
  );
  AWKWARD_KEYS.forEach((key, i) => specs.push({ key, size: 100 + i * 111 }));
  specs.push({ key: 'empty-file', size: 0 });

  const seeded: Seeded[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < specs.length && !startup.signal.aborted) {
      const spec = specs[next++]!;
      const body = randomBytes(spec.size);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: spec.key, Body: body }));
      seeded.push({ ...spec, md5: createHash('md5').update(body).digest('hex') });
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  if (startup.signal.aborted) throw new DemoError('interrupted while seeding');
  return seeded;
}

type Listed = { key: string; size: number; etag: string };

async function listAll(client: S3Client, bucket: string): Promise<Map<string, Listed>> {
  const out = new Map<string, Listed>();
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      out.set(o.Key!, {
        key: o.Key!,
        size: o.Size ?? -1,
        etag: (o.ETag ?? '').replaceAll('"', ''),
      });
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return out;
}

async function md5Of(client: S3Client, bucket: string, key: string): Promise<string> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('md5');
  for await (const chunk of got.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Checks the destination against what was seeded: the same keys and sizes, the single-part ETags
 * (plain MD5s on both sides) all equal to the seeded MD5s, and the MD5 of every multipart object
 * and every awkward key downloaded from the destination.
 */
async function verify(dst: S3Client, bucket: string, seeded: Seeded[]): Promise<string> {
  const listed = await listAll(dst, bucket);
  const problems: string[] = [];
  if (listed.size !== seeded.length) {
    problems.push(`${listed.size} objects at the destination, ${seeded.length} seeded`);
  }
  let etagsCompared = 0;
  const download: Seeded[] = [];
  for (const s of seeded) {
    const got = listed.get(s.key);
    if (got === undefined) problems.push(`missing: ${JSON.stringify(s.key)}`);
    else if (got.size !== s.size) problems.push(`size of ${JSON.stringify(s.key)}: ${got.size}`);
    else if (/^[0-9a-f]{32}$/.test(got.etag)) {
      etagsCompared += 1;
      if (got.etag !== s.md5) problems.push(`ETag of ${JSON.stringify(s.key)} differs`);
    }
    if (got !== undefined && (!/^[0-9a-f]{32}$/.test(got.etag) || AWKWARD_KEYS.includes(s.key))) {
      download.push(s);
    }
  }
  for (const s of download) {
    if (listed.has(s.key) && (await md5Of(dst, bucket, s.key)) !== s.md5) {
      problems.push(`content of ${JSON.stringify(s.key)} differs`);
    }
  }
  if (problems.length > 0) {
    throw new DemoError(`the destination does not match:\n  ${problems.slice(0, 20).join('\n  ')}`);
  }
  return (
    `${listed.size.toLocaleString('en-US')} objects, same keys and sizes; ` +
    `${etagsCompared.toLocaleString('en-US')} ETags equal to the seeded MD5s; ` +
    `${download.length} downloaded (multipart and awkward keys) with matching MD5s`
  );
}

/** The outer environment without anything that configures S3, plus the demo's two profiles. */
function cliEnv(credentialsFile: string, configFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AWS_|MEGFILE_|OSS_)/.test(key) || /__(AWS_|OSS_|MEGFILE_)/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_CONFIG_FILE: configFile,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

async function syncOnce(
  label: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  reportFile: string,
): Promise<SyncSummary> {
  const shown = ['s3ferry', ...args].join(' ');
  process.stderr.write(`\n[demo] ${label}: ${shown}\n`);
  const code = await run(process.execPath, [MAIN, ...args, '--report', reportFile], env);
  if (startup.signal.aborted) throw new DemoError(`interrupted (s3ferry exited with ${code})`);
  if (code !== 0) throw new DemoError(`s3ferry sync exited with ${code}`);
  return JSON.parse(readFileSync(reportFile, 'utf8')) as SyncSummary;
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  await ensureBuilt();
  const ensured = await ensureCephPackages({ log: say });
  if (!ensured.ok) {
    say(ensured.message);
    return 2;
  }
  if (distributed) {
    const redisReady = await ensureRedisPackages({ log: say });
    if (!redisReady.ok) {
      say(redisReady.message);
      return 2;
    }
  }
  say('starting a local Ceph cluster (one mon, one OSD, two RGW gateways, two users)');
  cluster = await startRgwCluster({
    signal: startup.signal,
    stopWhenProcessExits: true,
    // The demo's data lives in the OSD's memory; keep the logs quiet.
    extraConfig: { debug_rgw: '0/0', debug_ms: '0/0' },
  });
  say(
    `cluster ready in ${(cluster.startupMs / 1000).toFixed(1)} s: gateways ${cluster.endpoints.join(' and ')}`,
  );

  const [user0, user1] = cluster.users;
  const src = clientFor(cluster.endpoints[0], user0);
  const dst = clientFor(cluster.endpoints[1], user1);
  const srcBucket = 'demo-source';
  const dstBucket = 'demo-destination';
  await src.send(new CreateBucketCommand({ Bucket: srcBucket }));
  await dst.send(new CreateBucketCommand({ Bucket: dstBucket }));
  const seedAt = Date.now();
  const seeded = await seed(src, srcBucket);
  const bytes = seeded.reduce((n, s) => n + s.size, 0);
  say(
    `seeded s3://${srcBucket} on gateway 0 as user 0: ${seeded.length.toLocaleString('en-US')} objects, ` +
      `${(bytes / MiB).toFixed(0)} MiB (${LARGE_SIZES_MIB.length} above the multipart threshold, ` +
      `${AWKWARD_KEYS.length} awkward keys) in ${((Date.now() - seedAt) / 1000).toFixed(1)} s`,
  );

  // Two profiles in megfile's format: src = gateway 0 / user 0, dst = gateway 1 / user 1.
  workDir = mkdtempSync(join(tmpdir(), 's3ferry-demo-'));
  const credentialsFile = join(workDir, 'credentials');
  const configFile = join(workDir, 'config');
  writeFileSync(
    credentialsFile,
    [
      ['src', cluster.endpoints[0], user0],
      ['dst', cluster.endpoints[1], user1],
    ]
      .map(
        ([name, endpoint, user]) =>
          `[${name as string}]\naws_access_key_id = ${(user as typeof user0).accessKeyId}\n` +
          `aws_secret_access_key = ${(user as typeof user0).secretAccessKey}\n` +
          `s3 =\n    endpoint_url = ${endpoint as string}\n    addressing_style = path\n`,
      )
      .join('\n'),
    { mode: 0o600 },
  );
  writeFileSync(configFile, '');
  const env = cliEnv(credentialsFile, configFile);
  say(`profiles src (gateway 0, user 0) and dst (gateway 1, user 1) in ${credentialsFile}`);

  const args = ['sync', `s3+src://${srcBucket}/`, `s3+dst://${dstBucket}/`, ...SYNC_FLAGS];
  if (distributed) {
    // Nothing in Redis needs to outlive the demo: no persistence.
    redis = await startRedis({
      persistence: 'none',
      signal: startup.signal,
      stopWhenProcessExits: true,
      log: say,
    });
    for (let i = 1; i <= WORKER_COUNT; i++) workers.push(startWorker(i, redis.url, env));
    say(
      `started ${WORKER_COUNT} workers: s3ferry worker --queue ${redis.url} ${WORKER_FLAGS.join(' ')} ` +
        `(pids ${workers.map((w) => w.proc.pid).join(', ')})`,
    );
    await Promise.race([
      Promise.all(workers.map((w) => w.serving)),
      new Promise<never>((_, reject) => {
        const fail = (): void => {
          reject(new DemoError('interrupted while the workers started'));
        };
        if (startup.signal.aborted) fail();
        startup.signal.addEventListener('abort', fail);
      }),
    ]);
    args.push('--queue', redis.url, '--job', `demo-${Date.now()}`);
  }
  const first = await syncOnce('run 1 (copies everything)', args, env, join(workDir, 'run1.json'));
  const second = await syncOnce('run 2 (nothing changed)', args, env, join(workDir, 'run2.json'));

  const check = await verify(dst, dstBucket, seeded);
  const problems: string[] = [];
  if (first.objects.copied !== seeded.length) {
    problems.push(`run 1 copied ${first.objects.copied} of ${seeded.length} objects`);
  }
  if (second.objects.copied !== 0 || second.objects.skipped !== seeded.length) {
    problems.push(`run 2 copied ${second.objects.copied} objects (expected none)`);
  }
  // Distributed, the coordinator also looks for multipart uploads the workers left (one LIST).
  const listOps = distributed ? ['ListObjectsV2', 'ListMultipartUploads'] : ['ListObjectsV2'];
  const secondOps = Object.keys(second.requests);
  if (secondOps.some((op) => !listOps.includes(op))) {
    problems.push(`run 2 sent more than LISTs: ${JSON.stringify(second.requests)}`);
  }
  if (problems.length > 0) throw new DemoError(problems.join('; '));
  if (distributed) await stopWorkers();

  process.stderr.write('\n');
  say(`verified s3://${dstBucket} on gateway 1 as user 1: ${check}`);
  say(
    `run 1: ${first.objects.copied.toLocaleString('en-US')} copied` +
      // Distributed, the methods stay with the workers: the summary has none.
      (Object.keys(first.objects.byMethod).length > 0
        ? ` (${JSON.stringify(first.objects.byMethod)})`
        : '') +
      ` in ${(first.durationMs / 1000).toFixed(1)} s; run 2: ${second.objects.skipped.toLocaleString('en-US')} ` +
      `skipped with ${second.requestsTotal} ${listOps.join('/')} requests only, in ${(second.durationMs / 1000).toFixed(1)} s`,
  );
  if (distributed) {
    for (const [label, summary] of [
      ['run 1', first],
      ['run 2', second],
    ] as const) {
      const d = summary.distributed;
      if (d === undefined) throw new DemoError(`${label}: no distributed section in the report`);
      say(
        `${label}: job ${d.job}, pass ${d.pass}, ${d.rangesDone} of ${d.ranges} ranges done by ` +
          `${Object.keys(d.workers).length} worker(s):`,
      );
      for (const [id, c] of Object.entries(d.workers)) {
        say(
          `  ${id}: ${c['ranges'] ?? 0} ranges, ${(c['copied'] ?? 0).toLocaleString('en-US')} copied, ` +
            `${(c['skipped'] ?? 0).toLocaleString('en-US')} skipped, ${c['failed'] ?? 0} failed, ` +
            `ListObjectsV2 ${c['req.ListObjectsV2'] ?? 0}`,
        );
      }
    }
  }
  say(`done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  src.destroy();
  dst.destroy();
  return 0;
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('SIGHUP', onSignal);

let exitCode: number;
try {
  exitCode = await main();
} catch (error) {
  if (startup.signal.aborted) {
    say('interrupted');
    exitCode = 130;
  } else {
    // The demo's own checks explain themselves; anything else is a bug: show its stack.
    const detail =
      error instanceof DemoError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    say(`FAILED: ${detail}`);
    exitCode = 1;
  }
} finally {
  await cleanUp();
}
process.exit(exitCode);
