// What the ceiling (ceiling.ts, the SDK) and the floor (floor.ts, node:http) loops share: a
// fixed-size pool of jobs, a part's byte ranges, a copy source. No SDK here: the floor must not
// pay for loading it.

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
