// What the ceiling (ceiling.ts, the SDK) and the floor (floor.ts, node:http) loops share: a
// fixed-size pool of jobs, a part's byte ranges, a copy source, and how bench.ts checks what a
// loop reports. No SDK here (type imports only): the floor must not pay for loading it.
import type { CeilingResult } from './ceiling.ts';
import type { CeilingOp } from './workloads.ts';

/** Runs `jobs` with at most `concurrency` at once. */
export async function pool(jobs: (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
}

/** `bucket/key` as x-amz-copy-source wants it (each key segment encoded). */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Byte ranges of the parts of an object of `size` bytes (one empty part for an empty one). */
export function partRanges(size: number, partSize: number): { first: number; last: number }[] {
  const ranges: { first: number; last: number }[] = [];
  for (let first = 0; first < size || ranges.length === 0; first += partSize) {
    ranges.push({ first, last: Math.min(size, first + partSize) - 1 });
  }
  return ranges;
}

/**
 * Multipart: `concurrency` parts in flight in all, over as few objects as that allows.
 * @returns objects copied at once, and parts in flight for each
 */
export function multipartShape(spec: {
  count: number;
  sizeBytes: number;
  partSizeBytes: number;
  concurrency: number;
}): { objectsAtOnce: number; partConcurrency: number } {
  const partsPerObject = Math.ceil(spec.sizeBytes / spec.partSizeBytes);
  const objectsAtOnce = Math.min(
    spec.count,
    Math.max(1, Math.floor(spec.concurrency / partsPerObject)),
  );
  return {
    objectsAtOnce,
    partConcurrency: Math.max(1, Math.floor(spec.concurrency / objectsAtOnce)),
  };
}

/**
 * The result line of a loop (ceiling.js or floor.js, the last line of its stdout), checked
 * against what the step asks for: every object copied with all its bytes, or — for a listing —
 * both sides' keys (source and destination hold `count` each by then). A loop that answers
 * anything else failed, however fast it was.
 */
export function readLoopResult(
  stdout: string,
  step: { op: CeilingOp; count: number; sizeBytes: number },
): { result: CeilingResult } | { problem: string } {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { problem: `no result line: ${JSON.stringify(line.slice(0, 200))}` };
  }
  const r = parsed as Partial<Record<keyof CeilingResult, unknown>> | null;
  const numbers = ['objects', 'bytes', 'requests', 'ms'] as const;
  if (r === null || typeof r !== 'object' || numbers.some((k) => !Number.isFinite(r[k]))) {
    return { problem: `not a result: ${line.slice(0, 200)}` };
  }
  const result = parsed as CeilingResult;
  const want =
    step.op === 'list-both'
      ? { objects: 2 * step.count, bytes: 0 }
      : { objects: step.count, bytes: step.count * step.sizeBytes };
  if (result.objects !== want.objects || result.bytes !== want.bytes) {
    return {
      problem:
        `${step.op}: ${result.objects} objects / ${result.bytes} bytes, ` +
        `expected ${want.objects} / ${want.bytes}`,
    };
  }
  return { result };
}
