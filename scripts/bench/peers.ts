// The tools the benchmark compares — s3ferry (the built CLI), rclone, the aws CLI and
// s3-sync-client — plus the raw SDK ceiling, each as: is it here (and which version), can it do
// this step, and the exact command for one step. Commands are plain data (command, args, env) so
// bench.ts measures every tool the same way.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from '../cluster/processes.ts';
import { ensureDebianPackages } from '../ensure-packages.ts';
import type { CeilingSide, CeilingSpec } from './ceiling.ts';
import type { SyncClientSpec } from './s3-sync-client-run.ts';
import { D_PART_BYTES, MiB, type ServerWorkload, type Step, type WorkloadId } from './workloads.ts';

const execFileAsync = promisify(execFile);

/**
 * `s3ferry+ckpt` is s3ferry with `--checkpoint` (issue 10's overhead): measured only on the
 * workloads that ask for it (`measuresCheckpoint`), always next to plain s3ferry (runOrder).
 * `s3ferry+queue1` and `s3ferry+queue3` are the distributed mode (issue 11's overhead): the
 * coordinator `sync --queue` with one or three `s3ferry worker` processes started for the step,
 * on the workloads that ask for it (`measuresDistributed`), next to plain s3ferry.
 */
export type ToolName =
  | 's3ferry'
  | 's3ferry+ckpt'
  | 's3ferry+queue1'
  | 's3ferry+queue3'
  | 'rclone'
  | 'aws'
  | 's3-sync-client';
export const TOOL_NAMES: readonly ToolName[] = [
  's3ferry',
  's3ferry+ckpt',
  's3ferry+queue1',
  's3ferry+queue3',
  'rclone',
  'aws',
  's3-sync-client',
];
/** The distributed variants and their worker processes. */
export const QUEUE_TOOLS = ['s3ferry+queue1', 's3ferry+queue3'] as const;
export type QueueTool = (typeof QUEUE_TOOLS)[number];
export function isQueueTool(tool: string): tool is QueueTool {
  return (QUEUE_TOOLS as readonly string[]).includes(tool);
}
/**
 * Worker processes of each distributed variant and their flags. queue1: one worker with
 * s3ferry's defaults (`-w` = cores, 16 tasks per thread), the same pool as the local run, so the
 * difference is the distribution alone. queue3: three workers with one thread each (3 threads,
 * against the local run's 2 on this 2-core machine), as close to the same total pool as three
 * processes allow; on a real cluster each would have a machine and its defaults.
 */
export const QUEUE_WORKERS: Record<QueueTool, { count: number; args: readonly string[] }> = {
  's3ferry+queue1': { count: 1, args: [] },
  's3ferry+queue3': { count: 3, args: ['-w', '1'] },
};
/** The ceiling and the node:http floor run in the rotation like tools (in one place, back to back). */
export type RunnerName = ToolName | 'ceiling' | 'floor';

/**
 * The order of one run: the tools, then the ceiling, rotated by one place per run (run 1 starts
 * with the first tool, run 2 with the second, …). s3ferry and its variants (s3ferry+ckpt,
 * s3ferry+queue1, s3ferry+queue3) share one place, so they always run back to back, their order
 * within the place rotated by one per run too (with one variant: s3ferry first in odd runs, second
 * in even runs): drift in the machine's load hits them alike. Without `withCheckpoint`
 * s3ferry+ckpt is left out, without `withDistributed` the queue variants.
 */
export function runOrder(
  tools: readonly ToolName[],
  run: number,
  withCheckpoint: boolean,
  withDistributed = false,
): RunnerName[] {
  const measured = (tool: ToolName): boolean =>
    tool === 's3ferry+ckpt' ? withCheckpoint : isQueueTool(tool) ? withDistributed : true;
  const variants = tools.filter((t) => t !== 's3ferry' && t.startsWith('s3ferry+') && measured(t));
  const slots: RunnerName[][] = [];
  for (const tool of tools) {
    if (tool.startsWith('s3ferry+')) {
      if (measured(tool) && !tools.includes('s3ferry')) slots.push([tool]);
    } else if (tool === 's3ferry' && variants.length > 0) {
      const group: RunnerName[] = ['s3ferry', ...variants];
      const shift = (run - 1) % group.length;
      slots.push([...group.slice(shift), ...group.slice(0, shift)]);
    } else {
      slots.push([tool]);
    }
  }
  slots.push(['ceiling', 'floor']);
  return slots.flatMap((_, i) => slots[(i + run - 1) % slots.length]!);
}

/** How each tool is configured, as printed in docs/benchmarks.md. */
export const TOOL_SETTINGS: Record<RunnerName, string> = {
  s3ferry: 'built CLI, defaults (`-w` = cores, 16 tasks per worker), `-q --report`',
  's3ferry+ckpt':
    'as s3ferry, plus `--checkpoint FILE`: a new file in a new temp dir for every step (always a first pass, no-op steps too), on the file system of the OS temp dir',
  's3ferry+queue1':
    'the coordinator `sync --queue URL --job NAME` (a new job for every step) with one `s3ferry worker --queue URL` (defaults: `-w` = cores, 16 tasks per thread, 1 range at once) started before the step and stopped (SIGTERM) after it; one redis-server for the whole bench run (AOF, `appendfsync everysec`) on this machine',
  's3ferry+queue3':
    'as s3ferry+queue1 with three `s3ferry worker --queue URL -w 1` processes (one worker thread each)',
  rclone:
    '`--transfers 32 --checkers 32 --fast-list` (the tuned setting of s3-servers.md §5.3); provider Ceph',
  aws: 'defaults (10 threads, 8 MiB multipart threshold); across endpoints: 2 steps via local disk',
  's3-sync-client':
    'defaults, `requestChecksumCalculation: WHEN_REQUIRED`; across endpoints: 2 steps via local disk',
  ceiling:
    'raw SDK loop: keep-alive agent, maxAttempts 1, WHEN_REQUIRED, concurrency 32 (16 parts for D); time from the first request',
  floor:
    'node:http loop (scripts/bench/floor.ts, no SDK, none of src/): the same requests as the ceiling at the same concurrency, one keep-alive agent per endpoint, SigV4 written out in floor.ts (signing key derived once per day), UNSIGNED-PAYLOAD, Content-MD5 on every PUT, no retries; time from the first request',
};

/** Everything a command needs to know about the cluster and the step. */
export type StepContext = {
  root: string;
  /** The server workload, or what G (scripts/bench/faults.ts) says of itself in its place. */
  workload: Pick<ServerWorkload, 'layout' | 'isDestinationPreseeded' | 'count' | 'sizeBytes'> & {
    id: Exclude<WorkloadId, 'F'>;
  };
  step: Step;
  src: CeilingSide;
  dst: CeilingSide;
  /** Scratch dir of this case (reports, two-step local copies); removed after the case. */
  caseDir: string;
  /** s3ferry's credentials file with profiles `src` and `dst`. */
  credentialsFile: string;
  /** Environment without any AWS_/MEGFILE_/OSS_/RCLONE_ variable. */
  baseEnv: NodeJS.ProcessEnv;
  /** s3ferry+queue1/3: the bench run's redis-server (`redis://127.0.0.1:PORT`). */
  queueUrl?: string;
};

export type Command = {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  reportFile?: string;
  /** s3ferry+ckpt: the checkpoint file the step writes (its size is reported). */
  checkpointFile?: string;
  /**
   * s3ferry+queue1/3: the `s3ferry worker` processes to start before the step and stop after it
   * (each `command args`, in `env`); `command` is then the coordinator.
   */
  workers?: { count: number; command: string; args: string[]; env: NodeJS.ProcessEnv };
};

/** Why a tool cannot run a step (shown in the table), or undefined when it can. */
export function unsupported(tool: RunnerName, ctx: Pick<StepContext, 'workload' | 'step'>) {
  if (tool === 's3-sync-client' && ctx.step.multipart !== undefined) {
    return 'no UploadPartCopy (always one CopyObject)';
  }
  return undefined;
}

export function commandFor(tool: RunnerName, ctx: StepContext): Command {
  switch (tool) {
    case 's3ferry':
      return s3ferry(ctx);
    case 's3ferry+ckpt':
      return s3ferryCheckpoint(ctx);
    case 's3ferry+queue1':
    case 's3ferry+queue3':
      return s3ferryQueue(ctx, tool);
    case 'rclone':
      return rclone(ctx);
    case 'aws':
      return aws(ctx);
    case 's3-sync-client':
      return syncClient(ctx);
    case 'ceiling':
      return ceiling(ctx);
    case 'floor':
      return ceiling(ctx, 'floor.js');
  }
}

function isSame(ctx: StepContext): boolean {
  return ctx.workload.layout === 'same';
}

function s3ferry(ctx: StepContext): Command {
  const reportFile = join(ctx.caseDir, `s3ferry-${ctx.step.label}-${Date.now()}.json`);
  const dstProfile = isSame(ctx) ? 'src' : 'dst';
  const args = [
    join(ctx.root, 'dist', 'src', 'cli', 'main.js'),
    'sync',
    `s3+src://${ctx.src.bucket}/`,
    `s3+${dstProfile}://${ctx.dst.bucket}/`,
    '-q',
    '--report',
    reportFile,
  ];
  if (ctx.step.multipart !== undefined) {
    args.push(
      '--multipart-threshold',
      String(ctx.step.multipart.thresholdBytes),
      '--part-size',
      String(Math.max(5 * MiB, ctx.step.multipart.partSizeBytes)),
    );
  } else if (ctx.step.singleRequest === true) {
    args.push('--multipart-threshold', '5GiB');
  }
  return {
    command: process.execPath,
    args,
    env: {
      ...ctx.baseEnv,
      AWS_SHARED_CREDENTIALS_FILE: ctx.credentialsFile,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    reportFile,
  };
}

/** s3ferry with `--checkpoint` in a directory of its own: every step is the job's first pass. */
function s3ferryCheckpoint(ctx: StepContext): Command {
  const cmd = s3ferry(ctx);
  const checkpointFile = join(mkdtempSync(join(ctx.caseDir, 'ckpt-')), 'job.ckpt');
  return { ...cmd, args: [...cmd.args, '--checkpoint', checkpointFile], checkpointFile };
}

let jobSeq = 0;

/**
 * The coordinator `sync --queue URL --job NAME`, a new job name for every step (so every step is
 * the first pass of its job, like a local run), and the workers it needs.
 */
function s3ferryQueue(ctx: StepContext, tool: QueueTool): Command {
  if (ctx.queueUrl === undefined) throw new Error(`${tool} needs a redis-server (queueUrl)`);
  const cmd = s3ferry(ctx);
  const job = `bench-${ctx.workload.id.toLowerCase()}-${ctx.step.label}-${process.pid}-${Date.now()}-${jobSeq++}`;
  const { count, args } = QUEUE_WORKERS[tool];
  return {
    ...cmd,
    args: [...cmd.args, '--queue', ctx.queueUrl, '--job', job],
    workers: {
      count,
      command: process.execPath,
      args: [
        join(ctx.root, 'dist', 'src', 'cli', 'main.js'),
        'worker',
        '--queue',
        ctx.queueUrl,
        ...args,
      ],
      env: cmd.env,
    },
  };
}

function rcloneRemote(name: string, side: CeilingSide): NodeJS.ProcessEnv {
  const p = `RCLONE_CONFIG_${name.toUpperCase()}_`;
  return {
    [`${p}TYPE`]: 's3',
    [`${p}PROVIDER`]: 'Ceph',
    [`${p}ENDPOINT`]: side.endpoint,
    [`${p}ACCESS_KEY_ID`]: side.accessKeyId,
    [`${p}SECRET_ACCESS_KEY`]: side.secretAccessKey,
    [`${p}REGION`]: 'us-east-1',
  };
}

/** A size for rclone's flags: a bare number would be KiB there, so bytes carry `B`. */
export function rcloneBytes(bytes: number): string {
  return `${bytes}B`;
}

function rclone(ctx: StepContext): Command {
  const dstRemote = isSame(ctx) ? 'src' : 'dst';
  const args = [
    'sync',
    `src:${ctx.src.bucket}`,
    `${dstRemote}:${ctx.dst.bucket}`,
    '--transfers',
    '32',
    '--checkers',
    '32',
    '--fast-list',
  ];
  if (ctx.step.multipart !== undefined && isSame(ctx)) {
    // Server-side copies at or above the cutoff go through UploadPartCopy in parts of this size
    // (rclone's minimum is 5 MiB: smaller objects, at small --scale, stay one CopyObject).
    const { thresholdBytes, partSizeBytes } = ctx.step.multipart;
    args.push(
      '--s3-copy-cutoff',
      rcloneBytes(Math.max(5 * MiB, Math.min(thresholdBytes, partSizeBytes))),
    );
  } else if (ctx.step.multipart !== undefined) {
    // Across endpoints rclone uploads what it reads: multipart at or above the upload cutoff, in
    // chunks of this size (G: `--s3-upload-cutoff 5M --s3-chunk-size 5M`, as issue 12's table).
    const { thresholdBytes, partSizeBytes } = ctx.step.multipart;
    args.push(
      '--s3-upload-cutoff',
      rcloneBytes(thresholdBytes),
      '--s3-chunk-size',
      rcloneBytes(Math.max(5 * MiB, partSizeBytes)),
    );
  }
  if (ctx.workload.isDestinationPreseeded) {
    // The pre-seeded destination's times differ from the source's; by default rclone would
    // rewrite every object's metadata (a CopyObject each) and the destination would change
    // between runs. With this flag it only compares (HEAD both sides, then the MD5s).
    args.push('--no-update-modtime');
  }
  // The sandbox's AWS_CA_BUNDLE breaks rclone 1.60 on http:// endpoints (s3-servers.md §5.1):
  // baseEnv has no AWS_ variables at all.
  return {
    command: 'rclone',
    args,
    env: {
      ...ctx.baseEnv,
      ...rcloneRemote('src', ctx.src),
      ...(isSame(ctx) ? {} : rcloneRemote('dst', ctx.dst)),
    },
  };
}

/** aws CLI's `s3 =` block for the step (multipart threshold and part size). */
function awsConfig(ctx: StepContext): string {
  const lines = ['[default]', 'region = us-east-1'];
  if (ctx.step.multipart !== undefined) {
    lines.push(
      's3 =',
      `    multipart_threshold = ${ctx.step.multipart.thresholdBytes}`,
      `    multipart_chunksize = ${Math.max(5 * MiB, ctx.step.multipart.partSizeBytes)}`,
    );
  } else if (ctx.step.singleRequest === true) {
    lines.push('s3 =', `    multipart_threshold = ${5 * 1024 * MiB}`);
  }
  return `${lines.join('\n')}\n`;
}

function aws(ctx: StepContext): Command {
  const configFile = join(ctx.caseDir, 'aws-config');
  writeFileSync(configFile, awsConfig(ctx));
  const env: NodeJS.ProcessEnv = {
    ...ctx.baseEnv,
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_DEFAULT_REGION: 'us-east-1',
  };
  if (isSame(ctx)) {
    return {
      command: 'aws',
      args: [
        '--endpoint-url',
        ctx.src.endpoint,
        's3',
        'sync',
        `s3://${ctx.src.bucket}`,
        `s3://${ctx.dst.bucket}`,
        '--only-show-errors',
      ],
      env: {
        ...env,
        AWS_ACCESS_KEY_ID: ctx.src.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ctx.src.secretAccessKey,
      },
    };
  }
  // One --endpoint-url per command: two steps through a local directory. Values go through the
  // environment so nothing needs shell quoting.
  const script =
    'AWS_ACCESS_KEY_ID="$B_K1" AWS_SECRET_ACCESS_KEY="$B_S1" aws --endpoint-url "$B_E1" s3 sync "s3://$B_SRC" "$B_DIR" --only-show-errors && ' +
    'AWS_ACCESS_KEY_ID="$B_K2" AWS_SECRET_ACCESS_KEY="$B_S2" aws --endpoint-url "$B_E2" s3 sync "$B_DIR" "s3://$B_DST" --only-show-errors';
  return {
    command: 'sh',
    args: ['-c', script],
    env: {
      ...env,
      B_K1: ctx.src.accessKeyId,
      B_S1: ctx.src.secretAccessKey,
      B_E1: ctx.src.endpoint,
      B_SRC: ctx.src.bucket,
      B_K2: ctx.dst.accessKeyId,
      B_S2: ctx.dst.secretAccessKey,
      B_E2: ctx.dst.endpoint,
      B_DST: ctx.dst.bucket,
      B_DIR: join(ctx.caseDir, 'aws-local'),
    },
  };
}

function syncClient(ctx: StepContext): Command {
  const spec: SyncClientSpec = {
    src: ctx.src,
    dst: ctx.dst,
    localDir: join(ctx.caseDir, 's3-sync-client-local'),
  };
  return {
    command: process.execPath,
    args: [
      join(ctx.root, 'dist', 'scripts', 'bench', 's3-sync-client-run.js'),
      JSON.stringify(spec),
    ],
    env: { ...ctx.baseEnv, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  };
}

/** The raw SDK loop (ceiling.js) or the node:http floor (floor.js), on the same spec. */
function ceiling(ctx: StepContext, script = 'ceiling.js'): Command {
  const { workload, step } = ctx;
  const isD = step.ceiling === 'get-put-multipart';
  const spec: CeilingSpec = {
    op: step.ceiling,
    src: ctx.src,
    dst: ctx.dst,
    count: workload.count,
    sizeBytes: workload.sizeBytes,
    partSizeBytes: step.multipart?.partSizeBytes ?? D_PART_BYTES,
    // s3ferry's default threshold: below it D's objects go in one GET → PUT.
    multipartThresholdBytes: 64 * MiB,
    concurrency: isD ? 16 : 32,
  };
  return {
    command: process.execPath,
    args: [join(ctx.root, 'dist', 'scripts', 'bench', script), JSON.stringify(spec)],
    env: { ...ctx.baseEnv, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  };
}

/** The tool's version line, or undefined when it is not installed. */
export async function toolVersion(tool: ToolName, root: string): Promise<string | undefined> {
  try {
    switch (tool) {
      case 's3ferry':
      case 's3ferry+ckpt':
      case 's3ferry+queue1':
      case 's3ferry+queue3': {
        const main = join(root, 'dist', 'src', 'cli', 'main.js');
        if (!existsSync(main)) return undefined;
        const { stdout } = await execFileAsync(process.execPath, [main, '--version']);
        return stdout.trim();
      }
      case 'rclone': {
        if (findExecutable('rclone') === undefined) return undefined;
        const { stdout } = await execFileAsync('rclone', ['version']);
        return stdout.split('\n')[0]?.trim();
      }
      case 'aws': {
        if (findExecutable('aws') === undefined) return undefined;
        const { stdout, stderr } = await execFileAsync('aws', ['--version'], { timeout: 30_000 });
        return (stdout || stderr).trim();
      }
      case 's3-sync-client': {
        const pkg = join(root, 'node_modules', 's3-sync-client', 'package.json');
        if (!existsSync(pkg)) return undefined;
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
      }
    }
  } catch {
    return undefined;
  }
}

/**
 * Installs Debian's rclone when it is missing and this is Debian as root (like
 * ensure-packages.ts does for Ceph). Returns a one-line note when it is still missing.
 */
export async function ensureRclone(log: (line: string) => void): Promise<string | undefined> {
  const result = await ensureDebianPackages({
    label: 'rclone',
    packages: ['rclone'],
    binaries: ['rclone'],
    alternative: 'to compare s3ferry against it',
    log,
  });
  return result.ok ? undefined : result.message;
}
