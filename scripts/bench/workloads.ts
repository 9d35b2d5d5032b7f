// The benchmark workloads of issue 5 §2 and how `--scale` shrinks them. Pure data.
//
// Scaling rule: workloads of many small objects (A, C, E, F) scale their object count; workloads
// of a few large objects (B, D) scale their object size (the count stays, so the parallelism
// over objects is the same at any scale). Counts never go below 20, sizes never below 1 MiB for
// B and D. G (faults, issue 12 §1) scales the count of its small objects; its six multipart
// objects stay as they are from scale 0.1 up, and below it only the smallest one is kept.
import { scaleBytes, scaleCount } from './stats.ts';

export const KiB = 1024;
export const MiB = 1024 * KiB;

export type WorkloadId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G';
export const WORKLOAD_IDS: readonly WorkloadId[] = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

/**
 * Where source and destination live: `same` = one gateway, one user (server-side copies);
 * `cross` = source on gateway 0 as user 0, destination on gateway 1 as user 1.
 */
export type Layout = 'same' | 'cross';

/** What the raw SDK ceiling of a step does (ceiling.ts). */
export type CeilingOp =
  | 'copy' // CopyObject per key
  | 'upload-part-copy' // Create + UploadPartCopy per part + Complete
  | 'get-put' // GetObject → PutObject per key (buffered; small objects)
  | 'get-put-multipart' // Create + ranged GET → UploadPart per part + Complete
  | 'list-both'; // ListObjectsV2 of source and destination, the two at once

/**
 * One measured step. `fresh` steps start on an empty destination bucket; `no-op` steps repeat the
 * previous step of the same case (or run against a pre-seeded destination, workload E).
 * `multipart` forces multipart copies (UploadPartCopy on one endpoint) with `partSizeBytes`.
 */
export type Step = {
  label: string;
  kind: 'fresh' | 'no-op';
  multipart?: { thresholdBytes: number; partSizeBytes: number };
  /** When false the multipart threshold is raised so every object goes in one request. */
  singleRequest?: boolean;
  ceiling: CeilingOp;
};

/** Steps that share one destination bucket, in order. */
export type Case = { steps: Step[] };

export type ServerWorkload = {
  id: Exclude<WorkloadId, 'F' | 'G'>;
  title: string;
  count: number;
  sizeBytes: number;
  layout: Layout;
  /** E: the destination is seeded once with the same objects (newer), shared by every run. */
  isDestinationPreseeded: boolean;
  /** Issue 10: s3ferry+ckpt (s3ferry with `--checkpoint`) runs next to s3ferry on this one. */
  measuresCheckpoint: boolean;
  /** Issue 11: s3ferry+queue1/3 (the distributed mode) run next to s3ferry on this one. */
  measuresDistributed: boolean;
  cases: Case[];
};

export type PlannerWorkload = { id: 'F'; title: string; count: number };

/** One object of the fault workload: its key and size (its bytes are derived from the key). */
export type FaultObject = { key: string; sizeBytes: number };

/**
 * G, issue 12 §1: a mixed set synced across endpoints and users through fault-injecting proxies
 * (scripts/bench/faults.ts runs it), multipart at `partSizeBytes` for both tools.
 */
export type FaultWorkload = {
  id: 'G';
  title: string;
  /** Objects of 1–64 KiB. */
  smallCount: number;
  /** Sizes of the objects that go in parts (6–20 MiB). */
  largeSizes: number[];
  /** Multipart threshold and part size, for s3ferry and rclone alike. */
  partSizeBytes: number;
  /** Every object, small ones first. */
  objects: FaultObject[];
};

/** The workloads of `workloads()`; G comes from `faultWorkload()` (a shape of its own). */
export type Workload = ServerWorkload | PlannerWorkload;

export function isServerWorkload(w: Workload): w is ServerWorkload {
  return w.id !== 'F';
}

/** Part size of forced multipart copies in B (aws-cli's default chunk size). */
const B_PART_BYTES = 8 * MiB;
const MIN_COUNT = 20;

/** Issue 12's six multipart objects, 6–20 MiB (odd sizes, so the last part is short). */
const G_LARGE_BYTES = [6, 8, 10, 13, 16, 20].map((mib, i) => mib * MiB + 4_321 * i);

/** The fault workload at `scale`: 1,500 × 1–64 KiB (scaled, ≥ 20) plus the multipart objects. */
export function faultWorkload(scale: number): FaultWorkload {
  const smallCount = scaleCount(1_500, scale, MIN_COUNT);
  const largeSizes = scale >= 0.1 ? G_LARGE_BYTES : G_LARGE_BYTES.slice(0, 1);
  const objects: FaultObject[] = [];
  for (let i = 0; i < smallCount; i++) {
    // 1 KiB to 64 KiB, spread evenly by a stride prime to the range.
    objects.push({ key: keyOf(i, smallCount), sizeBytes: KiB + ((i * 7_919) % (63 * KiB + 1)) });
  }
  largeSizes.forEach((sizeBytes, i) => objects.push({ key: `large/big-${i}`, sizeBytes }));
  return {
    id: 'G',
    title: 'under faults: mixed sizes across endpoints and users through a fault proxy (issue 12)',
    smallCount,
    largeSizes,
    partSizeBytes: 5 * MiB,
    objects,
  };
}

/** The six workloads A–F at the given scale (1 = issue 5 §2 as written). */
export function workloads(scale: number): Workload[] {
  const bSize = scaleBytes(64 * MiB, scale, MiB);
  const dSize = scaleBytes(512 * MiB, scale, MiB);
  const fresh = (ceiling: CeilingOp): Step => ({ label: 'fresh', kind: 'fresh', ceiling });
  const noop: Step = { label: 'no-op', kind: 'no-op', ceiling: 'list-both' };
  return [
    {
      id: 'A',
      title: 'small objects, same endpoint and user (server-side copy)',
      count: scaleCount(10_000, scale, MIN_COUNT),
      sizeBytes: KiB,
      layout: 'same',
      isDestinationPreseeded: false,
      measuresCheckpoint: true,
      measuresDistributed: false,
      cases: [{ steps: [fresh('copy'), noop] }],
    },
    {
      id: 'B',
      title: 'large objects, same endpoint: CopyObject, then forced multipart UploadPartCopy',
      count: 20,
      sizeBytes: bSize,
      layout: 'same',
      isDestinationPreseeded: false,
      measuresCheckpoint: false,
      measuresDistributed: false,
      cases: [
        { steps: [{ label: 'CopyObject', kind: 'fresh', singleRequest: true, ceiling: 'copy' }] },
        {
          steps: [
            {
              label: 'UploadPartCopy',
              kind: 'fresh',
              multipart: {
                thresholdBytes: Math.min(B_PART_BYTES, bSize),
                partSizeBytes: B_PART_BYTES,
              },
              ceiling: 'upload-part-copy',
            },
          ],
        },
      ],
    },
    {
      id: 'C',
      title: 'small objects across endpoints and users (GET → PUT)',
      count: scaleCount(2_000, scale, MIN_COUNT),
      sizeBytes: 64 * KiB,
      layout: 'cross',
      isDestinationPreseeded: false,
      measuresCheckpoint: true,
      measuresDistributed: true,
      cases: [{ steps: [fresh('get-put'), noop] }],
    },
    {
      id: 'D',
      title: 'large objects across endpoints and users (throughput, peak RSS)',
      count: 4,
      sizeBytes: dSize,
      layout: 'cross',
      isDestinationPreseeded: false,
      measuresCheckpoint: false,
      measuresDistributed: false,
      cases: [{ steps: [fresh('get-put-multipart')] }],
    },
    {
      id: 'E',
      title: 'no-op re-sync of many small objects (listing speed, memory)',
      count: scaleCount(100_000, scale, MIN_COUNT),
      sizeBytes: KiB,
      layout: 'same',
      isDestinationPreseeded: true,
      measuresCheckpoint: true,
      measuresDistributed: false,
      cases: [{ steps: [noop] }],
    },
    {
      id: 'F',
      title: 'planner alone: merge join + decide on a synthetic diff (no server)',
      count: scaleCount(1_000_000, scale, 1_000),
    },
  ];
}

/**
 * The i-th key of a workload with `count` objects: `dNN/obj-NNNNN` over 100 "directories"
 * (s3-servers.md §5.1), zero-padded so every key has the same length.
 */
export function keyOf(i: number, count: number): string {
  const width = Math.max(5, String(count - 1).length);
  return `d${String(i % 100).padStart(2, '0')}/obj-${String(i).padStart(width, '0')}`;
}

/** Part size the ceiling uses for multipart data copies across endpoints (s3ferry's default). */
export const D_PART_BYTES = 16 * MiB;
