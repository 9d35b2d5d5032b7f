// Workload G (issue 12 §1): s3ferry and rclone syncing a mixed set across gateways and users
// through fault-injecting proxies (test/helpers/fault-proxy.ts, in this process), one in front of
// each gateway, with the cases of fault-report.ts. Each run goes into a fresh destination bucket,
// checked afterwards straight at the gateway: every key's size and content, and the multipart
// uploads left.
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { SyncEvent, SyncSummary } from '../../src/engine/events.ts';
import { removeBucket } from '../../test/helpers/buckets.ts';
import { addFaultMix, faultCounts } from '../../test/helpers/fault-mix.ts';
import type { ActiveRule } from '../../test/helpers/fault-proxy.ts';
import { FaultProxy } from '../../test/helpers/fault-proxy.ts';
import { rawS3Client } from '../cluster/raw-client.ts';
import type { RgwCluster } from '../cluster/rgw.ts';
import {
  FAULT_CASES,
  faultSeed,
  isComplete,
  type ConcurrencySample,
  type FaultRecord,
  type FaultSide,
  type FaultTool,
} from './fault-report.ts';
import { runMeasured } from './measure.ts';
import { commandFor, type StepContext } from './peers.ts';
import { fmtMiB } from './stats.ts';
import type { FaultObject, FaultWorkload, Step } from './workloads.ts';

/**
 * How long one tool may take on one case before it is killed and recorded as incomplete: 20
 * minutes at scale 1 (rclone took 26–36 s under the same faults in a full bench), down to 3 at
 * the smoke's scales, where s3ferry takes seconds. rclone sometimes waits out a cut answer for
 * its 5-minute --timeout, more than once: a CI smoke then loses 3 minutes, not 20 or more.
 */
export function faultStepTimeoutMs(scale: number): number {
  return Math.max(3 * 60_000, Math.round(20 * 60_000 * Math.min(1, scale)));
}

export type FaultContext = {
  root: string;
  cluster: RgwCluster;
  /** Scratch space of the bench run (credentials, reports, NDJSON events). */
  workDir: string;
  /** s3ferry and/or rclone, as installed and asked for. */
  tools: FaultTool[];
  runs: number;
  /** Per tool and case (faultStepTimeoutMs). */
  stepTimeoutMs: number;
  /** Environment without any AWS_/MEGFILE_/OSS_/RCLONE_/S3FERRY_ variable. */
  baseEnv: NodeJS.ProcessEnv;
  log: (line: string) => void;
};

/** The bytes of one object: AES-128-CTR of zeros, keyed by the workload, the IV by the key. */
export function bodyOf(o: FaultObject): Buffer {
  const key = createHash('sha256').update('s3ferry bench G').digest().subarray(0, 16);
  const iv = createHash('md5').update(o.key).digest();
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(o.sizeBytes));
}

type Expected = Map<string, { sizeBytes: number; md5: string }>;

async function inPool(count: number, concurrency: number, job: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, concurrency) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

/** PutObject of every object (one request each: the source's ETags are plain MD5s). */
async function seedSource(client: S3Client, bucket: string, w: FaultWorkload): Promise<Expected> {
  const expected: Expected = new Map();
  await inPool(w.objects.length, 16, async (i) => {
    const o = w.objects[i]!;
    const body = bodyOf(o);
    expected.set(o.key, {
      sizeBytes: o.sizeBytes,
      md5: createHash('md5').update(body).digest('hex'),
    });
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: body }));
  });
  return expected;
}

/**
 * Lists the bucket at the gateway and checks every key: size, and content by the ETag (the MD5
 * of a single-part object) or, for a multipart one (`…-N`), by reading it back and hashing it.
 */
export async function verifyDestination(
  client: S3Client,
  bucket: string,
  expected: Expected,
): Promise<{ lost: number; corrupt: number; extra: number; problems: string[] }> {
  const seen = new Set<string>();
  const problems: string[] = [];
  let corrupt = 0;
  let extra = 0;
  const reread: { key: string; md5: string }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const key = o.Key ?? '';
      seen.add(key);
      const want = expected.get(key);
      if (want === undefined) {
        extra += 1;
        problems.push(`extra ${key}`);
        continue;
      }
      const etag = (o.ETag ?? '').replace(/"/g, '');
      if (o.Size !== want.sizeBytes) {
        corrupt += 1;
        problems.push(`${key}: ${o.Size} bytes, expected ${want.sizeBytes}`);
      } else if (etag.includes('-')) {
        reread.push({ key, md5: want.md5 });
      } else if (etag !== want.md5) {
        corrupt += 1;
        problems.push(`${key}: ETag ${etag}, expected ${want.md5}`);
      }
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
  await inPool(reread.length, 4, async (i) => {
    const { key, md5 } = reread[i]!;
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const hash = createHash('md5');
    for await (const chunk of got.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
    const sum = hash.digest('hex');
    if (sum !== md5) {
      corrupt += 1;
      problems.push(`${key}: MD5 ${sum}, expected ${md5}`);
    }
  });
  const lost = [...expected.keys()].filter((k) => !seen.has(k));
  problems.push(...lost.slice(0, 3).map((k) => `lost ${k}`));
  return { lost: lost.length, corrupt, extra, problems };
}

/** Multipart uploads in progress in the bucket (every page). */
async function uploadsLeft(client: S3Client, bucket: string): Promise<number> {
  let count = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
    );
    count += page.Uploads?.length ?? 0;
    if (page.IsTruncated !== true) return count;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/** The destination's concurrency in each `progress` event of an NDJSON stream. */
export function concurrencySeries(ndjson: string, endpoint: string): ConcurrencySample[] {
  const samples: ConcurrencySample[] = [];
  for (const line of ndjson.split('\n')) {
    if (!line.startsWith('{')) continue;
    let event: SyncEvent;
    try {
      event = JSON.parse(line) as SyncEvent;
    } catch {
      continue;
    }
    if (event.kind !== 'progress') continue;
    const host = new URL(endpoint).host;
    const entry = event.concurrency?.find(
      (e) => e.endpoint === endpoint || e.endpoint.includes(host),
    );
    if (entry === undefined) continue;
    samples.push({
      t: event.elapsedMs / 1000,
      limit: entry.limit,
      inFlight: entry.inFlight,
      throttles: entry.throttles,
    });
  }
  return samples;
}

/** Counts of the arrival times (ms) in each whole second. */
export function perSecond(arrivalsMs: readonly number[]): number[] {
  const counts: number[] = [];
  for (const ms of arrivalsMs) {
    const second = Math.max(0, Math.floor(ms / 1000));
    while (counts.length <= second) counts.push(0);
    counts[second]! += 1;
  }
  return counts;
}

/** s3ferry's profiles `src` and `dst`, at the proxies. */
function credentialsFor(ctx: FaultContext, proxies: Record<FaultSide, FaultProxy>): string {
  const file = join(ctx.workDir, 'credentials-g');
  const profile = (name: FaultSide, gateway: 0 | 1) => {
    const user = ctx.cluster.users[gateway];
    return (
      `[${name}]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n` +
      `s3 =\n    endpoint_url = ${proxies[name].url}\n    addressing_style = path\n`
    );
  };
  writeFileSync(file, `${profile('src', 0)}\n${profile('dst', 1)}`, { mode: 0o600 });
  return file;
}

/** Runs every case of G `ctx.runs` times; the tools' order rotates run by run. */
export async function runFaultWorkload(
  ctx: FaultContext,
  w: FaultWorkload,
): Promise<FaultRecord[]> {
  const { cluster, log } = ctx;
  const records: FaultRecord[] = [];
  const srcClient = rawS3Client(cluster.endpoints[0], cluster.users[0]);
  const dstClient = rawS3Client(cluster.endpoints[1], cluster.users[1]);
  const srcBucket = 'bench-g-src';
  const totalBytes = w.objects.reduce((n, o) => n + o.sizeBytes, 0);
  log(
    `workload G: ${w.objects.length} objects (${w.smallCount} × 1–64 KiB, ${w.largeSizes.length} multipart), ` +
      `${fmtMiB(totalBytes)} MiB, across endpoints and users through fault proxies`,
  );
  await srcClient.send(new CreateBucketCommand({ Bucket: srcBucket }));
  const at = Date.now();
  const expected = await seedSource(srcClient, srcBucket, w);
  log(`  seeded s3://${srcBucket} in ${((Date.now() - at) / 1000).toFixed(1)} s`);
  const proxies: Record<FaultSide, FaultProxy> = {
    src: await FaultProxy.start(cluster.endpoints[0]),
    dst: await FaultProxy.start(cluster.endpoints[1]),
  };
  const credentialsFile = credentialsFor(ctx, proxies);
  const step: Step = {
    label: 'fresh',
    kind: 'fresh',
    multipart: { thresholdBytes: w.partSizeBytes, partSizeBytes: w.partSizeBytes },
    ceiling: 'get-put',
  };
  try {
    for (let run = 1; run <= ctx.runs; run++) {
      for (const [caseIndex, c] of FAULT_CASES.entries()) {
        const tools = c.tools.filter((t) => ctx.tools.includes(t));
        const shift = (run - 1) % Math.max(1, tools.length);
        for (const tool of [...tools.slice(shift), ...tools.slice(0, shift)]) {
          const dstBucket = `bench-g-${run}-${caseIndex}-${tool}`;
          await dstClient.send(new CreateBucketCommand({ Bucket: dstBucket }));
          const caseDir = mkdtempSync(join(ctx.workDir, `g-${tool}-`));
          try {
            for (const proxy of Object.values(proxies)) {
              proxy.clearRules();
              proxy.clearLog();
            }
            // A rule that never matches, first in the plan, sees every request arrive: the
            // destination's request rate over the run.
            const arrivals: number[] = [];
            let spawnedAt = performance.now();
            proxies.dst.addRule({
              match: () => {
                arrivals.push(performance.now() - spawnedAt);
                return false;
              },
              fault: { kind: 'forward' },
            });
            const mixes: Partial<Record<FaultSide, ActiveRule[]>> = {};
            for (const side of c.sides) {
              mixes[side] = addFaultMix(proxies[side], {
                rate: c.rate,
                kinds: c.kinds,
                seed: faultSeed(caseIndex, side),
              });
            }
            const stepCtx: StepContext = {
              root: ctx.root,
              workload: {
                id: 'G',
                layout: 'cross',
                isDestinationPreseeded: false,
                count: w.objects.length,
                sizeBytes: 0,
              },
              step,
              src: { ...sideOf(cluster, 0, srcBucket), endpoint: proxies.src.url },
              dst: { ...sideOf(cluster, 1, dstBucket), endpoint: proxies.dst.url },
              caseDir,
              credentialsFile,
              baseEnv: ctx.baseEnv,
            };
            const cmd = commandFor(tool, stepCtx);
            const eventsFile =
              c.tracksConcurrency && tool === 's3ferry'
                ? join(caseDir, 'events.ndjson')
                : undefined;
            if (eventsFile !== undefined) cmd.args.push('--json');
            spawnedAt = performance.now();
            const m = await runMeasured(cmd.command, cmd.args, {
              env: cmd.env,
              cwd: caseDir,
              timeoutMs: ctx.stepTimeoutMs,
              ...(eventsFile === undefined ? {} : { stdoutFile: eventsFile }),
            });
            // Stop faulting before anything else is looked at (the checks go to the gateway).
            for (const proxy of Object.values(proxies)) proxy.clearRules();
            const record: FaultRecord = {
              caseId: c.id,
              tool,
              run,
              exitCode: m.exitCode,
              wallMs: m.wallMs,
              ...(m.cpuSeconds === undefined ? {} : { cpuSeconds: m.cpuSeconds }),
              ...(m.peakRssBytes === undefined ? {} : { peakRssBytes: m.peakRssBytes }),
              lost: 0,
              corrupt: 0,
              extra: 0,
              uploadsLeft: 0,
              faults: Object.fromEntries(
                Object.entries(mixes).map(([side, rules]) => [side, faultCounts(c.kinds, rules)]),
              ),
              proxyRequests: {
                src: proxies.src.requests.length,
                dst: proxies.dst.requests.length,
              },
            };
            if (cmd.reportFile !== undefined && existsSync(cmd.reportFile)) {
              const summary = JSON.parse(readFileSync(cmd.reportFile, 'utf8')) as SyncSummary;
              record.reportStatus = summary.status;
              if (summary.throttling !== undefined) record.throttling = summary.throttling;
            }
            if (c.tracksConcurrency) record.dstRequestsPerSecond = perSecond(arrivals);
            if (eventsFile !== undefined && existsSync(eventsFile)) {
              record.concurrency = concurrencySeries(
                readFileSync(eventsFile, 'utf8'),
                proxies.dst.url,
              );
            }
            const check = await verifyDestination(dstClient, dstBucket, expected);
            Object.assign(record, {
              lost: check.lost,
              corrupt: check.corrupt,
              extra: check.extra,
              uploadsLeft: await uploadsLeft(dstClient, dstBucket),
            });
            const notes: string[] = [];
            if (m.exitCode !== 0) {
              const tail = (m.stderr.trim() || m.stdout.trim()).split('\n').slice(-2).join(' / ');
              notes.push(`exit ${m.exitCode}: ${tail.slice(0, 200)}`);
            }
            if (check.problems.length > 0) notes.push(check.problems.slice(0, 3).join(', '));
            if (notes.length > 0) record.note = notes.join('; ');
            records.push(record);
            const hits = Object.values(record.faults)
              .flatMap((f) => Object.values(f))
              .reduce((n, v) => n + v, 0);
            log(
              `  run ${run} ${tool.padEnd(8)} G ${c.label.padEnd(30)} ${(m.wallMs / 1000).toFixed(2)} s, ` +
                `CPU ${m.cpuSeconds?.toFixed(2) ?? '–'} s, exit ${m.exitCode}, ` +
                `lost ${record.lost} corrupt ${record.corrupt} uploads left ${record.uploadsLeft}, ` +
                `${hits} faults in ${record.proxyRequests.src + record.proxyRequests.dst} requests` +
                (isComplete(record) ? '' : ` — ${record.note ?? 'incomplete'}`),
            );
          } finally {
            rmSync(caseDir, { recursive: true, force: true });
            await dropBucket(dstClient, dstBucket, log);
          }
        }
      }
    }
  } finally {
    for (const proxy of Object.values(proxies)) await proxy.close();
    await dropBucket(srcClient, srcBucket, log);
    srcClient.destroy();
    dstClient.destroy();
  }
  return records;
}

function sideOf(cluster: RgwCluster, gateway: 0 | 1, bucket: string) {
  const user = cluster.users[gateway];
  return {
    endpoint: cluster.endpoints[gateway],
    accessKeyId: user.accessKeyId,
    secretAccessKey: user.secretAccessKey,
    bucket,
  };
}

async function dropBucket(client: S3Client, bucket: string, log: (line: string) => void) {
  try {
    await removeBucket(client, bucket);
  } catch (error) {
    log(`warning: could not delete bucket ${bucket}: ${(error as Error).message}`);
  }
}
