// `npm run bench`: s3ferry side by side with rclone, the aws CLI and s3-sync-client on the
// workloads of issue 5 §2, against a throw-away local Ceph RGW cluster (two gateways, two
// users), with the raw SDK ceiling and the node:http floor measured in the same run. Writes
// docs/benchmarks.md.
//
//   npm run bench                                   everything, 3 runs each
//   npm run bench -- --scale 0.1 --runs 1           a quick run (counts or sizes × 0.1)
//   npm run bench -- --only A,C --tools s3ferry,rclone --out /tmp/b.md
//   npm run bench -- --only A,C,E --tools s3ferry,s3ferry+ckpt   --checkpoint overhead alone
//   npm run bench -- --only C --tools s3ferry,s3ferry+queue1,s3ferry+queue3   distributed overhead
//   npm run bench -- --only G --tools s3ferry,rclone                           under faults (issue 12)
//
// Each workload's source is seeded once (concurrent PutObject, raw SDK). Each run goes through
// the tools in a rotated order (run 1: s3ferry, rclone, …; run 2: rclone, …), each into a fresh
// destination bucket, deleted after. Tools that are not installed are skipped and the report
// says so; rclone is installed with apt-get when missing (root on Debian). On A, C and E,
// s3ferry also runs with `--checkpoint` ("s3ferry+ckpt", right before or after plain s3ferry in
// every run) and the report compares the two. On C, s3ferry also runs as a distributed job
// ("s3ferry+queue1", "s3ferry+queue3": the coordinator `sync --queue` with one or three
// `s3ferry worker` processes, against a redis-server started once for the bench run), next to
// plain s3ferry in every run, and the report compares them. Workload G (issue 12 §1, faults.ts)
// runs s3ferry and rclone through fault-injecting proxies and checks every destination object.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import * as prettier from 'prettier';
import type { SyncSummary } from '../../src/engine/events.ts';
import { removeBucket } from '../../test/helpers/buckets.ts';
import { reclaimDeleted, startRgwCluster, type RgwCluster, type RgwUser } from '../cluster/rgw.ts';
import { ensureCephPackages, ensureRedisPackages } from '../ensure-packages.ts';
import { startRedis, type RedisServer } from '../cluster/redis.ts';
import type { CeilingSide } from './ceiling.ts';
import { readLoopResult } from './loop.ts';
import { canMeasureCpu, counterDelta, readRgwCounters, runMeasured } from './measure.ts';
import { processCpuSeconds, startQueueWorkers, stopAllQueueWorkers } from './queue-workers.ts';
import {
  QUEUE_TOOLS,
  TOOL_NAMES,
  TOOL_SETTINGS,
  commandFor,
  isQueueTool,
  runOrder,
  ensureRclone,
  toolVersion,
  unsupported,
  type StepContext,
  type ToolName,
} from './peers.ts';
import type { PlannerResult } from './planner.ts';
import {
  checkpointOverhead,
  cpuPerObject,
  CHECKPOINT_WALL_LIMIT,
  DISTRIBUTED_WALL_LIMIT,
  distributedOverhead,
  evaluateFloorTargets,
  evaluateTargets,
  FLOOR_CPU_LIMIT,
  renderCpuPerObject,
  renderDistributedOverhead,
  renderCheckpointOverhead,
  renderTable,
  renderTargets,
  tabulate,
  type PlannerFigures,
  type RunRecord,
} from './report.ts';
import { fmt, fmtMiB, fmtSpread, spread } from './stats.ts';
import { FAULT_TOOLS, isComplete, renderFaultSection, type FaultRecord } from './fault-report.ts';
import { faultStepTimeoutMs, runFaultWorkload } from './faults.ts';
import {
  KiB,
  MiB,
  WORKLOAD_IDS,
  faultWorkload as faultWorkloadAt,
  isServerWorkload,
  keyOf,
  workloads,
  type ServerWorkload,
  type WorkloadId,
} from './workloads.ts';
import { rawS3Client } from '../cluster/raw-client.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STEP_TIMEOUT_MS = 30 * 60_000;

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

function say(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

type Options = {
  scale: number;
  runs: number;
  only: WorkloadId[];
  tools: ToolName[];
  out: string;
};

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string', default: '1' },
      runs: { type: 'string', default: '3' },
      only: { type: 'string' },
      tools: { type: 'string' },
      out: { type: 'string', default: join(ROOT, 'docs', 'benchmarks.md') },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(
      'usage: npm run bench -- [--scale X] [--runs N] [--only A,C] [--tools s3ferry,rclone] [--out FILE]\n' +
        `tools: ${TOOL_NAMES.join(', ')} (s3ferry+ckpt = s3ferry --checkpoint, on A, C and E; ` +
        's3ferry+queue1/3 = sync --queue with 1 or 3 s3ferry worker processes, on C)\n',
    );
    process.exit(0);
  }
  const scale = Number(values.scale);
  const runs = Number(values.runs);
  if (!(scale > 0)) throw new Error(`--scale must be a positive number, got ${values.scale}`);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be ≥ 1, got ${values.runs}`);
  const list = (v: string | undefined) =>
    v === undefined
      ? undefined
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const only = (list(values.only)?.map((s) => s.toUpperCase()) ?? [
    ...WORKLOAD_IDS,
  ]) as WorkloadId[];
  for (const w of only) {
    if (!WORKLOAD_IDS.includes(w)) throw new Error(`--only: unknown workload ${w} (A-G)`);
  }
  const tools = (list(values.tools) ?? [...TOOL_NAMES]) as ToolName[];
  for (const t of tools) {
    if (!TOOL_NAMES.includes(t))
      throw new Error(`--tools: unknown tool ${t} (${TOOL_NAMES.join(', ')})`);
  }
  return { scale, runs, only, tools, out: resolve(values.out) };
}

/** Newest .ts modification time under the given dirs. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile() && e.name.endsWith('.ts')) {
        newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
      }
    }
  }
  return newest;
}

/**
 * Compiles to dist/ (tsc -p tsconfig.build.json, never `npm run build`, which deletes dist/)
 * when the CLI or the bench runners are missing or older than the sources.
 */
function ensureBuilt(): void {
  const outputs = [
    join(ROOT, 'dist', 'src', 'cli', 'main.js'),
    join(ROOT, 'dist', 'scripts', 'bench', 'ceiling.js'),
    join(ROOT, 'dist', 'scripts', 'bench', 'floor.js'),
    join(ROOT, 'dist', 'scripts', 'bench', 'planner.js'),
    join(ROOT, 'dist', 'scripts', 'bench', 's3-sync-client-run.js'),
  ];
  const built = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const sources = newestSource(['src', 'workers', 'scripts/bench'].map((d) => join(ROOT, d)));
  if (built >= sources) return;
  say('dist/ is missing or stale: npx tsc -p tsconfig.build.json');
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  } catch {
    // tsc emits despite type errors elsewhere in the tree; the check below decides.
  }
  const missing = outputs.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`build did not produce ${missing.join(', ')}`);
}

function s3(endpoint: string, user: RgwUser, concurrency = 64): S3Client {
  return rawS3Client(endpoint, user, { maxSockets: concurrency });
}

async function inPool(count: number, concurrency: number, job: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, concurrency) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

/** PutObject of every key (32 at a time, fewer for big objects so buffers stay < 512 MiB). */
async function seed(client: S3Client, bucket: string, w: ServerWorkload): Promise<void> {
  const shared = w.sizeBytes > MiB ? randomBytes(w.sizeBytes) : undefined;
  const concurrency = Math.max(1, Math.min(32, Math.floor((512 * MiB) / w.sizeBytes)));
  await inPool(w.count, concurrency, async (i) => {
    const body = shared ?? randomBytes(w.sizeBytes);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(i, w.count), Body: body }));
  });
}

/** The destination of E: the same objects, written after the source (so newer), by CopyObject. */
async function seedCopies(client: S3Client, from: string, to: string, w: ServerWorkload) {
  await inPool(w.count, 32, async (i) => {
    const key = keyOf(i, w.count);
    await client.send(
      new CopyObjectCommand({ Bucket: to, Key: key, CopySource: `${from}/${key}` }),
    );
  });
}

async function listTotals(
  client: S3Client,
  bucket: string,
): Promise<{ count: number; bytes: number }> {
  let token: string | undefined;
  let count = 0;
  let bytes = 0;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      count += 1;
      bytes += o.Size ?? 0;
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return { count, bytes };
}

/** True when `dir` is on tmpfs (Linux's TMPFS_MAGIC), where fsync costs nothing. */
function isTmpfs(dir: string): boolean {
  try {
    return statfsSync(dir).type === 0x01021994;
  } catch {
    return false;
  }
}

/**
 * Deletes a bucket and everything in it, and frees its data in the cluster's RAM at once (see
 * reclaimDeleted); a failure is a warning (the cluster goes at the end).
 */
async function dropBucket(cluster: RgwCluster, client: S3Client, bucket: string): Promise<void> {
  try {
    await removeBucket(client, bucket);
  } catch (error) {
    say(`warning: could not delete bucket ${bucket}: ${(error as Error).message}`);
    try {
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch {
      // reported above; the cluster is removed at the end anyway
    }
  }
  try {
    await reclaimDeleted(cluster.confFile);
  } catch (error) {
    say(`warning: RGW's gc did not run after deleting ${bucket}: ${(error as Error).message}`);
  }
}

/** The outer environment minus anything that configures S3 or the tools. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AWS_|MEGFILE_|OSS_|RCLONE_|S3FERRY_)/.test(key) || /__(AWS_|OSS_|MEGFILE_)/.test(key)) {
      continue;
    }
    env[key] = value;
  }
  return env;
}

function redisVersion(): string {
  try {
    return execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'src', 'workers'], {
        cwd: ROOT,
        encoding: 'utf8',
      }).trim() !== '';
    return dirty ? `${head} + uncommitted changes in src/ or workers/` : head;
  } catch {
    return 'unknown';
  }
}

type Context = {
  cluster: RgwCluster;
  workDir: string;
  credentialsFile: string;
  sockets: string[];
  records: RunRecord[];
  tools: ToolName[];
  runs: number;
  /** The redis-server of the distributed variants, when they run. */
  queueUrl?: string;
  /** Its PID, to read its CPU over each distributed step. */
  queuePid?: number;
};

function sideOf(cluster: RgwCluster, gateway: 0 | 1, bucket: string): CeilingSide {
  const user = cluster.users[gateway];
  return {
    endpoint: cluster.endpoints[gateway],
    accessKeyId: user.accessKeyId,
    secretAccessKey: user.secretAccessKey,
    bucket,
  };
}

async function runServerWorkload(ctx: Context, w: ServerWorkload): Promise<void> {
  const { cluster } = ctx;
  const srcClient = s3(cluster.endpoints[0], cluster.users[0]);
  const dstGateway: 0 | 1 = w.layout === 'same' ? 0 : 1;
  const dstClient = w.layout === 'same' ? srcClient : s3(cluster.endpoints[1], cluster.users[1]);
  const srcBucket = `bench-${w.id.toLowerCase()}-src`;
  const size = w.sizeBytes >= MiB ? `${fmtMiB(w.sizeBytes)} MiB` : `${w.sizeBytes / KiB} KiB`;
  say(
    `workload ${w.id}: ${fmt(w.count)} × ${size}, ${w.layout === 'same' ? 'same endpoint and user' : 'across endpoints and users'}`,
  );
  await srcClient.send(new CreateBucketCommand({ Bucket: srcBucket }));
  let at = Date.now();
  await seed(srcClient, srcBucket, w);
  say(`  seeded s3://${srcBucket} in ${((Date.now() - at) / 1000).toFixed(1)} s`);
  let preseeded: string | undefined;
  if (w.isDestinationPreseeded) {
    preseeded = `bench-${w.id.toLowerCase()}-dst`;
    await dstClient.send(new CreateBucketCommand({ Bucket: preseeded }));
    at = Date.now();
    await seedCopies(dstClient, srcBucket, preseeded, w);
    say(
      `  seeded s3://${preseeded} (same objects, newer) in ${((Date.now() - at) / 1000).toFixed(1)} s`,
    );
  }
  const expected = { count: w.count, bytes: w.count * w.sizeBytes };
  let bucketSeq = 0;

  for (let run = 1; run <= ctx.runs; run++) {
    for (const tool of runOrder(ctx.tools, run, w.measuresCheckpoint, w.measuresDistributed)) {
      for (const [caseIndex, c] of w.cases.entries()) {
        const dstBucket =
          preseeded ?? `bench-${w.id.toLowerCase()}-${run}-${caseIndex}-${bucketSeq++}`;
        const caseDir = mkdtempSync(join(ctx.workDir, `${tool}-`));
        if (preseeded === undefined)
          await dstClient.send(new CreateBucketCommand({ Bucket: dstBucket }));
        try {
          for (const step of c.steps) {
            const record: RunRecord = {
              workload: w.id,
              step: step.label,
              tool,
              run,
              status: 'ok',
              objects: w.count,
              bytes: step.kind === 'fresh' ? expected.bytes : 0,
            };
            ctx.records.push(record);
            const why = unsupported(tool, { workload: w, step });
            if (why !== undefined) {
              Object.assign(record, { status: 'skipped', note: why });
              continue;
            }
            const stepCtx: StepContext = {
              root: ROOT,
              workload: w,
              step,
              src: sideOf(cluster, 0, srcBucket),
              dst: sideOf(cluster, dstGateway, dstBucket),
              caseDir,
              credentialsFile: ctx.credentialsFile,
              baseEnv: cleanEnv(),
              ...(ctx.queueUrl === undefined ? {} : { queueUrl: ctx.queueUrl }),
            };
            const cmd = commandFor(tool, stepCtx);
            // The distributed variants: the workers serve the queue before the coordinator
            // starts, and are stopped once it has exited (after the measurement).
            const pool =
              cmd.workers === undefined ? undefined : await startQueueWorkers(cmd.workers);
            let m: Awaited<ReturnType<typeof runMeasured>>;
            let workerCpu: number | undefined;
            let workerRss: number | undefined;
            let redisCpu: number | undefined;
            const before = await readRgwCounters(ctx.sockets);
            try {
              const cpuBefore = pool?.workers.map((x) => x.cpuSeconds());
              const redisBefore =
                pool === undefined || ctx.queuePid === undefined
                  ? undefined
                  : processCpuSeconds(ctx.queuePid);
              m = await runMeasured(cmd.command, cmd.args, {
                env: cmd.env,
                cwd: caseDir,
                timeoutMs: STEP_TIMEOUT_MS,
              });
              if (pool !== undefined && cpuBefore !== undefined) {
                const deltas = pool.workers.map((x, i) => {
                  const [a, b] = [cpuBefore[i], x.cpuSeconds()];
                  return a === undefined || b === undefined ? undefined : b - a;
                });
                const peaks = pool.workers.map((x) => x.peakRssBytes());
                const redisAfter =
                  ctx.queuePid === undefined ? undefined : processCpuSeconds(ctx.queuePid);
                if (redisBefore !== undefined && redisAfter !== undefined) {
                  redisCpu = redisAfter - redisBefore;
                }
                if (deltas.every((d) => d !== undefined)) {
                  workerCpu = deltas.reduce((n, d) => n + d, 0);
                }
                if (peaks.every((p) => p !== undefined)) {
                  workerRss = peaks.reduce((n, p) => n + p, 0);
                }
              }
            } finally {
              await pool?.stop();
            }
            const after = await readRgwCounters(ctx.sockets);
            const both = (a: number | undefined, b: number | undefined) =>
              a === undefined || b === undefined ? undefined : a + b;
            Object.assign(record, {
              wallMs: m.wallMs,
              // Distributed: the coordinator's (GNU time) plus the workers' during the step (/proc).
              cpuSeconds: pool === undefined ? m.cpuSeconds : both(m.cpuSeconds, workerCpu),
              peakRssBytes: pool === undefined ? m.peakRssBytes : both(m.peakRssBytes, workerRss),
              ...(pool === undefined
                ? {}
                : { workerCpuSeconds: workerCpu, redisCpuSeconds: redisCpu }),
              rgw: counterDelta(before, after),
            });
            const tail = (m.stderr.trim() || m.stdout.trim()).split('\n').slice(-3).join(' / ');
            if (m.exitCode !== 0) {
              Object.assign(record, {
                status: 'failed',
                note: `exit ${m.exitCode}: ${tail.slice(0, 300)}`,
              });
            } else if (tool === 'ceiling' || tool === 'floor') {
              const read = readLoopResult(m.stdout, {
                op: step.ceiling,
                count: w.count,
                sizeBytes: w.sizeBytes,
              });
              if ('problem' in read) {
                Object.assign(record, { status: 'failed', note: read.problem });
              } else {
                // The loop's own clock starts at its first request (no process start-up); its
                // CPU (GNU time) is the whole process's, start-up included.
                const { result } = read;
                Object.assign(record, {
                  wallMs: result.ms,
                  requests: { total: result.requests },
                  ...(result.startupCpuMs === undefined
                    ? {}
                    : { startupCpuSeconds: result.startupCpuMs / 1000 }),
                });
              }
            } else if (cmd.reportFile !== undefined && existsSync(cmd.reportFile)) {
              const summary = JSON.parse(readFileSync(cmd.reportFile, 'utf8')) as SyncSummary;
              record.requests = summary.requests;
              if (summary.status !== 'ok') {
                Object.assign(record, { status: 'failed', note: `status ${summary.status}` });
              } else if (cmd.checkpointFile !== undefined) {
                checkCheckpoint(record, summary, cmd.checkpointFile);
              } else if (cmd.workers !== undefined) {
                checkDistributed(record, summary, cmd.workers.count);
              }
            }
            if (record.status === 'ok' && step.ceiling !== 'list-both') {
              const got = await listTotals(dstClient, dstBucket);
              if (got.count !== expected.count || got.bytes !== expected.bytes) {
                Object.assign(record, {
                  status: 'failed',
                  note: `destination holds ${got.count} objects / ${got.bytes} bytes, expected ${expected.count} / ${expected.bytes}`,
                });
              }
            }
            say(
              `  run ${run} ${tool.padEnd(14)} ${w.id} ${step.label.padEnd(14)} ` +
                (record.status === 'ok'
                  ? `${((record.wallMs ?? 0) / 1000).toFixed(2)} s, CPU ${record.cpuSeconds?.toFixed(2) ?? '–'} s, RSS ${fmtMiB(record.peakRssBytes)} MiB`
                  : `${record.status}: ${record.note ?? ''}`),
            );
          }
        } finally {
          rmSync(caseDir, { recursive: true, force: true });
          if (preseeded === undefined) await dropBucket(cluster, dstClient, dstBucket);
        }
      }
    }
  }
  // Large sources go at once (the cluster keeps data in RAM); small ones stay until the end.
  if (w.sizeBytes >= MiB) await dropBucket(cluster, srcClient, srcBucket);
  srcClient.destroy();
  if (dstClient !== srcClient) dstClient.destroy();
}

/**
 * s3ferry+queue1/3: the run must have been a distributed job's first pass, all its ranges done by
 * the step's own workers; records how many of them ran a range.
 */
function checkDistributed(record: RunRecord, summary: SyncSummary, workers: number): void {
  const d = summary.distributed;
  if (d === undefined || d.pass !== 1 || d.rangesDone !== d.ranges) {
    Object.assign(record, {
      status: 'failed',
      note:
        d === undefined
          ? 'no distributed section in the summary'
          : `pass ${d.pass}, ${d.rangesDone} of ${d.ranges} ranges done`,
    });
    return;
  }
  const ids = Object.keys(d.workers);
  if (ids.length > workers) {
    Object.assign(record, {
      status: 'failed',
      note: `${ids.length} workers reported, ${workers} started: another worker serves this Redis`,
    });
    return;
  }
  record.workersUsed = ids.filter((id) => (d.workers[id]?.['ranges'] ?? 0) > 0).length;
  // How evenly the keys spread: the busiest worker's copied + skipped over all workers'.
  const settled = ids.map(
    (id) => (d.workers[id]?.['copied'] ?? 0) + (d.workers[id]?.['skipped'] ?? 0),
  );
  const total = settled.reduce((n, k) => n + k, 0);
  if (total > 0) record.busiestWorkerShare = Math.max(...settled) / total;
  record.ranges = d.ranges;
}

/**
 * s3ferry+ckpt: the run must have been the job's first pass (nothing resumed) and left its
 * checkpoint file; records the file's size.
 */
function checkCheckpoint(record: RunRecord, summary: SyncSummary, file: string): void {
  const job = summary.checkpoint;
  if (job === undefined || job.pass !== 1 || job.resumed !== undefined) {
    Object.assign(record, {
      status: 'failed',
      note:
        job === undefined
          ? 'no checkpoint in the summary'
          : `not a first pass: pass ${job.pass}${job.resumed === undefined ? '' : ', resumed'}`,
    });
    return;
  }
  if (!existsSync(file)) {
    Object.assign(record, { status: 'failed', note: `no checkpoint file at ${file}` });
    return;
  }
  record.checkpointBytes = statSync(file).size;
}

async function runPlanner(
  count: number,
  runs: number,
  records: RunRecord[],
): Promise<PlannerFigures> {
  say(`workload F: planner on ${fmt(count)} source keys (no server)`);
  const keysPerS: number[] = [];
  const rss: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const m = await runMeasured(
      process.execPath,
      [join(ROOT, 'dist', 'scripts', 'bench', 'planner.js'), String(count)],
      { env: cleanEnv(), timeoutMs: STEP_TIMEOUT_MS },
    );
    const record: RunRecord = {
      workload: 'F',
      step: 'planner',
      tool: 's3ferry',
      run,
      status: 'ok',
      objects: count,
      bytes: 0,
    };
    records.push(record);
    if (m.exitCode !== 0) {
      Object.assign(record, {
        status: 'failed',
        note: `exit ${m.exitCode}: ${m.stderr.trim().slice(-300)}`,
      });
      say(`  run ${run} planner failed: ${record.note ?? ''}`);
      continue;
    }
    const result = JSON.parse(m.stdout.trim().split('\n').at(-1) ?? '{}') as PlannerResult;
    const peak = Math.max(m.peakRssBytes ?? 0, result.peakRssBytes);
    Object.assign(record, {
      wallMs: result.ms,
      cpuSeconds: m.cpuSeconds,
      peakRssBytes: peak,
      objects: result.joined,
      requests: { copy: result.copies, skip: result.skips, extraneous: result.extraneous },
    });
    keysPerS.push(result.joined / (result.ms / 1000));
    rss.push(peak);
    say(
      `  run ${run} planner: ${fmt(result.joined / (result.ms / 1000))} joined keys/s, peak RSS ${fmtMiB(peak)} MiB`,
    );
  }
  return { keysPerS: spread(keysPerS), rssBytes: spread(rss) };
}

function describeWorkload(w: ReturnType<typeof workloads>[number]): string {
  if (!isServerWorkload(w)) return `${fmt(w.count)} source keys`;
  const size = w.sizeBytes >= MiB ? `${fmtMiB(w.sizeBytes)} MiB` : `${fmt(w.sizeBytes / KiB)} KiB`;
  const where =
    w.layout === 'same'
      ? 'gateway A, user 0 → gateway A, user 0'
      : 'gateway A, user 0 → gateway B, user 1';
  return `${fmt(w.count)} × ${size}; ${where}`;
}

type Meta = {
  command: string;
  startedAt: string;
  durationS: number;
  versions: Record<string, string>;
  notes: string[];
  cephVersion?: string;
};

const TUNING_LOG_NAME = 'docs/benchmarks-tuning.md';
/** Measurements recorded by hand, issue by issue: kept at the end of every generated report. */
const RECORDED_NAME = 'docs/benchmarks-recorded.md';

function readDoc(name: string): string | undefined {
  try {
    return readFileSync(join(ROOT, name), 'utf8');
  } catch {
    return undefined;
  }
}

/** `; in this run N (min–max) ms of it came before its first request (…; the SDK ceiling: …)`, or nothing without a floor. */
function floorStartup(records: readonly RunRecord[]): string {
  const startup = (tool: 'floor' | 'ceiling') =>
    spread(
      records
        .filter((r) => r.tool === tool && r.status === 'ok')
        .map((r) => (r.startupCpuSeconds ?? NaN) * 1000),
    );
  const floor = startup('floor');
  if (floor === undefined) return '';
  const ceiling = startup('ceiling');
  return (
    `; in this run ${fmtSpread(floor, 0)} ms of it came before its first request (median and range over its steps` +
    (ceiling === undefined ? ')' : `; the SDK ceiling: ${fmtSpread(ceiling, 0)} ms)`)
  );
}

function render(
  options: Options,
  meta: Meta,
  records: RunRecord[],
  planner: PlannerFigures | undefined,
  faultRecords: FaultRecord[],
): string {
  const tables = tabulate(records);
  const cpu = cpus();
  const lines: string[] = [];
  const w = workloads(options.scale).filter((x) => options.only.includes(x.id));
  lines.push(
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (scripts/bench/bench.ts); do not edit by hand. -->',
    '',
    `Run ${meta.startedAt} (${fmt(meta.durationS)} s in all), scale ${options.scale}, ${options.runs} run(s) per tool and step; ` +
      'each figure is the median with the min–max over the runs in brackets.',
    '',
    'Reproduce:',
    '',
    '```sh',
    meta.command,
    '```',
    '',
    '## Machine and versions',
    '',
    `- Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${fmt(totalmem() / 1024 ** 3, 1)} GiB RAM, ${platform()} ${release()}`,
    `- Server: Ceph RGW ${meta.cephVersion ?? '–'} (memstore, one OSD, two gateways, two users), on the same machine as the tools`,
    ...Object.entries(meta.versions).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## How it is measured',
    '',
    "- Each workload's source is seeded once; every run of every tool syncs into a fresh destination bucket (deleted after), " +
      'and after each copying step the destination is listed and its object count and bytes checked.',
    '- Tools run one at a time, in an order rotated run by run, each as its own process: wall time from spawn to exit ' +
      '(process start-up included). Client CPU seconds (user + sys) and peak RSS come from GNU time (`/usr/bin/time -f "%U %S %M"`, ' +
      'the wait4 rusage of the tool and every descendant it waited for; peak RSS is that of the largest process of the tree).',
    "- Requests: s3ferry's `--report` by operation; for every tool, the RGW gateways' perf counters over the run " +
      '(`ceph --admin-daemon … perf dump`: `req`, `get` = GET + HEAD, `put`; Pacific has no CopyObject counter, so a server-side ' +
      'copy shows in `req` only, with no bytes read or written).',
    '- "of ceiling" = ceiling wall ÷ tool wall: the fraction of the raw SDK loop\'s speed on the same requests, measured in the same ' +
      'run (its clock starts at its first request, so it carries no process start-up and no listing). For no-op steps the ceiling ' +
      'is a serial ListObjectsV2 of source and destination at once.',
    "- The floor (issue 13 §1) sends exactly the ceiling's requests with node:http and node:crypto alone, no SDK and none of s3ferry's code " +
      '(scripts/bench/floor.ts: one keep-alive agent per endpoint with as many sockets as the concurrency, path-style URLs, SigV4 with the ' +
      'signing key derived once per day, UNSIGNED-PAYLOAD, a GET read whole into a Buffer, Content-MD5 on every PUT, ListObjectsV2 pages ' +
      'parsed for their keys and token only, no retries: any answer but 2xx fails the step, and its destination is checked like every ' +
      "tool's): the least CPU a Node process can spend on these requests. It runs as its own process from dist/, right after the ceiling. " +
      'Its wall is its own clock from just before its first request to its last answer: no process start-up, no exit, no listing or planning. ' +
      "Its CPU is GNU time's, as for the tools: the whole process from exec to exit, so Node's start-up, loading floor.js, parsing the spec " +
      `and exiting are in it${floorStartup(records)}. ` +
      `"Client CPU per object" tables give every tool's CPU ms per object (CPU s × 1000 ÷ objects of the step, start-up included for every tool) and s3ferry's as a multiple of the floor's and of rclone's; ` +
      `"Targets (issue 13)" holds s3ferry to ${FLOOR_CPU_LIMIT}× the floor on every step.`,
    '- "s3ferry wall ÷ tool wall" < 1 means s3ferry was faster.',
    ...(records.some((r) => r.tool === 's3ferry+ckpt')
      ? [
          `- Checkpoint overhead (A, C, E): s3ferry+ckpt is s3ferry with \`--checkpoint FILE\`, a new file in a new temp dir for every step, so every run is a first pass (no-op steps too); ` +
            'it runs right before or after plain s3ferry in every run (alternating), each into its own destination. "wall ratio" = median with ÷ median without; ' +
            `"by run" = with ÷ without within each run; the issue 10 acceptance is a wall ratio ≤ ${CHECKPOINT_WALL_LIMIT.toFixed(2)}. ` +
            'The checkpoint file is on the file system of the OS temp dir (real fsyncs unless that is tmpfs).',
        ]
      : []),
    ...(records.some((r) => isQueueTool(r.tool))
      ? [
          '- Distributed overhead (C): s3ferry+queue1 and s3ferry+queue3 are the coordinator `sync --queue URL --job NAME` (a new job for every step, so always a first pass) with one or three ' +
            '`s3ferry worker` processes started before the step (once they serve the queue) and stopped with SIGTERM after it; one redis-server (AOF, fsync every second) serves the whole bench run. ' +
            "They run back to back with plain s3ferry in every run (order rotated). Wall = the coordinator's, spawn to exit (the workers' start-up is not in it: deployed workers are long-running). " +
            "CPU = the coordinator's (GNU time) + each worker's from /proc/PID/stat (utime + stime, all threads) read right before the coordinator starts and right after it exits; " +
            "peak RSS = the coordinator's + the sum of the workers' VmHWM: the memory of the whole job. Redis's CPU over the same window (/proc) is shown apart, not in CPU s. " +
            `"wall ratio" = median of the variant ÷ median of local s3ferry; the issue 11 acceptance is ≤ ${DISTRIBUTED_WALL_LIMIT.toFixed(2)} for one worker.`,
        ]
      : []),
    '- On this machine the tools and the server share the CPU: timings are noisy when anything else runs; compare ratios within one run.',
    '',
    'Tool settings:',
    '',
    ...Object.entries(TOOL_SETTINGS).map(([k, v]) => `- ${k}: ${v}`),
    '',
  );
  if (meta.notes.length > 0)
    lines.push('Notes from this run:', '', ...meta.notes.map((n) => `- ${n}`), '');
  lines.push('## Targets (issue 5 §4)', '', renderTargets(evaluateTargets(tables, planner)), '');
  if (records.some((r) => r.tool === 'floor')) {
    lines.push(
      '## Targets (issue 13): client CPU against the node:http floor and the peers',
      '',
      renderTargets(evaluateFloorTargets(tables)),
      '',
    );
  }
  // The hand-written tuning log (what was tried, what it gave) travels with the numbers.
  const tuning = readDoc(TUNING_LOG_NAME);
  if (tuning !== undefined) {
    lines.push(`<!-- The next section is copied from ${TUNING_LOG_NAME}; edit it there. -->`, '');
    lines.push(tuning.trim(), '');
  }
  for (const workload of w) {
    lines.push(`## ${workload.id}: ${workload.title}`, '', describeWorkload(workload), '');
    if (workload.id === 'F') {
      const f = records.filter((r) => r.workload === 'F' && r.status === 'ok');
      lines.push(
        `mergeJoin + decide (default mode, S3 → S3) over two generated sorted listings: every 10th key missing at the destination, ` +
          'every 7th of another size, one extra destination key per 100. Run from dist/ (no loader) as its own process.',
        '',
        '| runs | joined keys/s | peak RSS MiB | CPU s | decisions (last run) |',
        '| --: | --: | --: | --: | --- |',
        `| ${f.length} | ${fmtSpread(planner?.keysPerS, 0)} | ${planner?.rssBytes === undefined ? '–' : fmtMiB(planner.rssBytes.median)} | ` +
          `${fmtSpread(spread(f.map((r) => r.cpuSeconds ?? NaN)))} | ${Object.entries(
            f.at(-1)?.requests ?? {},
          )
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(', ')} |`,
        '',
      );
      continue;
    }
    for (const table of tables.filter((t) => t.workload === workload.id)) {
      lines.push(`### ${workload.id} ${table.step}`, '', renderTable(table), '');
    }
    const cpuTable = cpuPerObject(tables, workload.id);
    if (cpuTable.rows.length > 0) {
      lines.push(
        `### ${workload.id} client CPU per object`,
        '',
        "Client CPU ms per object of each tool (medians, process start-up included), and s3ferry's as a multiple of the floor's and of rclone's where they ran.",
        '',
        renderCpuPerObject(cpuTable),
        '',
      );
    }
    const overhead = checkpointOverhead(records, workload.id);
    if (overhead.length > 0) {
      lines.push(
        `### ${workload.id} checkpoint overhead`,
        '',
        's3ferry with `--checkpoint` (s3ferry+ckpt) against s3ferry without, in the same runs; medians with the min–max over the runs.',
        '',
        renderCheckpointOverhead(overhead),
        '',
      );
    }
    const distributedRows = distributedOverhead(records, workload.id);
    if (distributedRows.length > 0) {
      lines.push(
        `### ${workload.id} distributed overhead`,
        '',
        'The coordinator `sync --queue` with one (queue1) or three (queue3) `s3ferry worker` processes against local s3ferry, in the same runs; medians with the min–max over the runs.',
        '',
        renderDistributedOverhead(distributedRows),
        '',
      );
    }
  }
  if (options.only.includes('G')) {
    const g = faultWorkloadAt(options.scale);
    lines.push(`## ${g.id}: ${g.title}`, '');
    if (faultRecords.length === 0) lines.push('Not run (see the notes above).', '');
    else lines.push(...renderFaultSection(g, faultRecords, meta.command), '');
  }
  // What earlier issues measured by hand (or with other commands) stays with the numbers.
  const recorded = readDoc(RECORDED_NAME);
  if (recorded !== undefined) {
    lines.push(`<!-- The next sections are copied from ${RECORDED_NAME}; edit them there. -->`, '');
    lines.push(recorded.trim(), '');
  }
  return `${lines.join('\n')}\n`;
}

let cluster: RgwCluster | undefined;
let redis: RedisServer | undefined;
let workDir: string | undefined;
async function cleanUp(): Promise<void> {
  await stopAllQueueWorkers();
  if (redis !== undefined) {
    const r = redis;
    redis = undefined;
    await r.stop();
  }
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
  if (cluster !== undefined) {
    const c = cluster;
    cluster = undefined;
    await c.stop();
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const notes: string[] = [];
  ensureBuilt();
  if (!canMeasureCpu()) notes.push('GNU time (/usr/bin/time) is missing: CPU and RSS are n/a.');

  const selected = workloads(options.scale).filter((w) => options.only.includes(w.id));
  const serverWorkloads = selected.filter(isServerWorkload);
  const faultWorkload = options.only.includes('G') ? faultWorkloadAt(options.scale) : undefined;
  const needsCluster = serverWorkloads.length > 0 || faultWorkload !== undefined;

  const tools: ToolName[] = [];
  const versions: Record<string, string> = { node: process.version, 's3ferry commit': gitCommit() };
  if (needsCluster && options.tools.includes('rclone')) {
    const note = await ensureRclone(say);
    if (note !== undefined) notes.push(`${note}: skipped.`);
  }
  for (const tool of options.tools) {
    const version = await toolVersion(tool, ROOT);
    if (version === undefined) {
      if (tool !== 'rclone' || !notes.some((n) => n.startsWith('rclone'))) {
        notes.push(`${tool} is not installed: skipped.`);
      }
      continue;
    }
    if (!tool.startsWith('s3ferry+')) versions[tool] = version;
    tools.push(tool);
  }
  // The distributed variants need a redis-server (installed with apt-get when missing, as root
  // on Debian); without one they are skipped.
  const distributedWorkloads = serverWorkloads.filter((w) => w.measuresDistributed);
  if (distributedWorkloads.length > 0 && tools.some(isQueueTool)) {
    const ensured = await ensureRedisPackages({ log: say });
    if (ensured.ok) {
      versions['redis-server'] = redisVersion();
    } else {
      notes.push(`${ensured.message}: ${QUEUE_TOOLS.join(' and ')} skipped.`);
      say(ensured.message);
      tools.splice(0, tools.length, ...tools.filter((t) => !isQueueTool(t)));
    }
  }
  for (const n of notes) say(n);
  if (options.tools.includes('aws') && tools.includes('aws')) {
    notes.push(
      'aws CLI has one --endpoint-url per command: C and D go in 2 steps through a local directory (download, then upload).',
    );
  }
  if (tools.includes('s3-sync-client')) {
    notes.push(
      's3-sync-client has one client per sync: C and D go in 2 steps through a local directory; it cannot run B with UploadPartCopy.',
    );
  }
  if (tools.includes('s3ferry+ckpt') && isTmpfs(tmpdir())) {
    notes.push(
      `The checkpoint files are on tmpfs (${tmpdir()}): their fsyncs cost nothing here; set TMPDIR to a directory on disk to measure them.`,
    );
  }
  if (tools.includes('s3ferry+ckpt') && !tools.includes('s3ferry')) {
    notes.push('s3ferry+ckpt runs without plain s3ferry: its overhead cannot be computed.');
  }
  if (tools.some(isQueueTool) && !tools.includes('s3ferry')) {
    notes.push(
      'The distributed variants run without plain s3ferry: their overhead cannot be computed.',
    );
  }
  if (tools.includes('rclone') && serverWorkloads.some((w) => w.id === 'E')) {
    notes.push(
      "rclone runs E with --no-update-modtime: the pre-seeded destination has other times than the source, and rclone would otherwise rewrite every object's metadata.",
    );
  }

  const records: RunRecord[] = [];
  const faultRecords: FaultRecord[] = [];
  const faultTools = tools.filter((t): t is (typeof FAULT_TOOLS)[number] =>
    (FAULT_TOOLS as readonly string[]).includes(t),
  );
  if (faultWorkload !== undefined && faultTools.length === 0) {
    notes.push('G runs s3ferry and rclone only, and neither is here: G skipped.');
  }
  let cephVersion: string | undefined;
  if (needsCluster) {
    const ensured = await ensureCephPackages({ log: say });
    if (!ensured.ok) {
      say(ensured.message);
      return 2;
    }
    const dataBytes =
      serverWorkloads.reduce((n, w) => n + w.count * Math.max(w.sizeBytes, 4 * KiB), 0) +
      // G: its source and one destination at a time (each run's bucket goes before the next).
      2 * (faultWorkload?.objects.reduce((n, o) => n + Math.max(o.sizeBytes, 4 * KiB), 0) ?? 0);
    say('starting a local Ceph cluster (one mon, one OSD, two RGW gateways, two users)');
    cluster = await startRgwCluster({
      stopWhenProcessExits: true,
      memstoreBytes: Math.max(4 * 1024 * MiB, Math.ceil(dataBytes * 3)),
      extraConfig: { debug_rgw: '0/0', debug_ms: '0/0' },
      log: (line) => {
        say(line);
      },
    });
    cephVersion = cluster.cephVersion;
    workDir = mkdtempSync(join(tmpdir(), 's3ferry-bench-'));
    const credentialsFile = join(workDir, 'credentials');
    const profile = (name: string, gateway: 0 | 1) => {
      const user = cluster!.users[gateway];
      return (
        `[${name}]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n` +
        `s3 =\n    endpoint_url = ${cluster!.endpoints[gateway]}\n    addressing_style = path\n`
      );
    };
    writeFileSync(credentialsFile, `${profile('src', 0)}\n${profile('dst', 1)}`, { mode: 0o600 });
    const sockets = ['a', 'b'].map((id) => join(cluster!.dir, 'run', `client.rgw.${id}.asok`));
    if ((await readRgwCounters(sockets)) === undefined) {
      notes.push('RGW perf counters could not be read: server-side request counts are n/a.');
    }
    const ctx: Context = {
      cluster,
      workDir,
      credentialsFile,
      sockets,
      records,
      tools,
      runs: options.runs,
    };
    if (distributedWorkloads.length > 0 && tools.some(isQueueTool)) {
      // One for the whole run; every step is a job of its own. AOF with fsync every second, as
      // a deployment that survives a Redis restart would run it.
      redis = await startRedis({
        persistence: 'aof',
        appendfsync: 'everysec',
        stopWhenProcessExits: true,
        log: say,
      });
      ctx.queueUrl = redis.url;
      ctx.queuePid = redis.pid;
    }
    for (const w of serverWorkloads) await runServerWorkload(ctx, w);
    if (faultWorkload !== undefined && faultTools.length > 0) {
      faultRecords.push(
        ...(await runFaultWorkload(
          {
            root: ROOT,
            cluster,
            workDir,
            tools: faultTools,
            runs: options.runs,
            stepTimeoutMs: faultStepTimeoutMs(options.scale),
            baseEnv: cleanEnv(),
            log: say,
          },
          faultWorkload,
        )),
      );
    }
  }

  let planner: PlannerFigures | undefined;
  const f = selected.find((w) => w.id === 'F');
  if (f !== undefined && options.tools.includes('s3ferry')) {
    planner = await runPlanner(f.count, options.runs, records);
  }
  await cleanUp();

  const argv = process.argv.slice(2).filter((a, i, all) => a !== '--out' && all[i - 1] !== '--out');
  const meta: Meta = {
    command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
    startedAt: startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    versions,
    notes,
    ...(cephVersion === undefined ? {} : { cephVersion }),
  };
  mkdirSync(dirname(options.out), { recursive: true });
  // Formatted as `npm run lint` (prettier --check .) expects it, so the generated file passes.
  const markdown = render(options, meta, records, planner, faultRecords);
  const config = (await prettier.resolveConfig(join(ROOT, 'docs', 'benchmarks.md'))) ?? {};
  writeFileSync(options.out, await prettier.format(markdown, { ...config, parser: 'markdown' }));
  say(`wrote ${relative(process.cwd(), options.out) || options.out}`);
  const failed = records.filter((r) => r.status === 'failed');
  for (const r of failed)
    say(`failed: ${r.tool} ${r.workload} ${r.step} run ${r.run}: ${r.note ?? ''}`);
  // G: a run that did not complete (exit code, a lost or corrupt object, an upload left) is a
  // finding of the table; for s3ferry it also fails the bench, as a failed step does.
  const incomplete = faultRecords.filter((r) => !isComplete(r));
  for (const r of incomplete)
    say(`incomplete: ${r.tool} G ${r.caseId} run ${r.run}: ${r.note ?? ''}`);
  // A peer that fails is reported in its table; only s3ferry's (with or without its variants)
  // and the ceiling's own failures mean the harness (or s3ferry) is broken.
  if (
    failed.some(
      (r) =>
        r.tool === 's3ferry' ||
        r.tool.startsWith('s3ferry+') ||
        r.tool === 'ceiling' ||
        r.tool === 'floor',
    ) ||
    incomplete.some((r) => r.tool === 's3ferry')
  ) {
    say('s3ferry, the ceiling or the floor failed (see the tables): exit 1');
    return 1;
  }
  return 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping (the local cluster will be removed)`);
    void cleanUp().finally(() => process.exit(130));
  });
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  say(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanUp();
}
process.exit(exitCode);
