// The benchmark workloads of issue 5 §2 and how `--scale` shrinks them. Pure data.
//
// Scaling rule: workloads of many small objects (A, C, E, F) scale their object count; workloads
// of a few large objects (B, D) scale their object size (the count stays, so the parallelism
// over objects is the same at any scale). Counts never go below 20, sizes never below 1 MiB for
// B and D.
import { scaleBytes, scaleCount } from './stats.ts';

export const KiB = 1024;
export const MiB = 1024 * KiB;

export type WorkloadId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
export const WORKLOAD_IDS: readonly WorkloadId[] = ['A', 'B', 'C', 'D', 'E', 'F'];

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
  id: Exclude<WorkloadId, 'F'>;
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

export type Workload = ServerWorkload | PlannerWorkload;

export function isServerWorkload(w: Workload): w is ServerWorkload {
  return w.id !== 'F';
}

/** Part size of forced multipart copies in B (aws-cli's default chunk size). */
const B_PART_BYTES = 8 * MiB;
const MIN_COUNT = 20;

/** The six workloads at the given scale (1 = issue 5 §2 as written). */
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
