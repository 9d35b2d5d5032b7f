// A distributed job's state in Redis (ioredis): its spec and status, its ranges in the
// checkpoint's shape (bounds, mark, settled counts, done), the uploads in flight, failures,
// --delete extras and what each worker reported. BullMQ moves the work; this is what the work
// leaves behind, so that a stalled range resumes from its mark on another worker and a
// coordinator that died re-attaches to the same job.
import { Redis } from 'ioredis';
import type { RangeState, RecordedFailure, UploadRecord } from '../job/checkpoint.ts';
import { zeroCounts } from '../job/watermark.ts';
import type { SettledCounts } from '../job/watermark.ts';
import { compareKeys } from '../plan/compare-keys.ts';
import type { KeyRange } from '../plan/key-range.ts';
import { inRange } from '../plan/key-range.ts';
import { S3FerryError } from '../shared/errors.ts';
import type { JobSpec } from './job-spec.ts';
import { jobKeys } from './names.ts';
import type { JobKeys } from './names.ts';
import { displayQueueUrl } from './queue-url.ts';
import type { QueueUrl } from './queue-url.ts';

export type JobStatus = 'running' | 'cancelled' | 'done';

/** The job's meta hash, read back. */
export type JobMeta = {
  spec: JobSpec;
  status: JobStatus;
  pass: number;
  passStartedAt: string;
};

/** How long a first connection may take before the command gives up (one line, exit 3). */
const CONNECT_TIMEOUT_MS = 5_000;

/** ioredis options for a URL: BullMQ needs `maxRetriesPerRequest: null` (wait out outages). */
export function redisOptions(url: QueueUrl) {
  return {
    host: url.host,
    port: url.port,
    db: url.db,
    ...(url.username === undefined ? {} : { username: url.username }),
    ...(url.password === undefined ? {} : { password: url.password }),
    ...(url.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
}

/**
 * Connects and checks that Redis answers.
 * @throws S3FerryError `fatal` `QueueUnreachable` naming the URL (never its password).
 */
export async function connectRedis(url: QueueUrl): Promise<Redis> {
  const redis = new Redis({ ...redisOptions(url), lazyConnect: true, retryStrategy: () => null });
  // Errors reach the commands that meet them; without a listener ioredis prints each reconnect.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new S3FerryError(
      'network',
      'QueueUnreachable',
      `cannot reach Redis at ${displayQueueUrl(url)} (--queue): ${(error as Error).message}`,
      { fatal: true, retryable: false, hint: 'start redis-server there, or fix --queue' },
    );
  }
  // From now on, outages are waited out: reconnect (backing off up to 2 s) and replay.
  redis.options.retryStrategy = (times: number) => Math.min(times * 100, 2_000);
  return redis;
}

/** A range as stored: the checkpoint's range state, plus whether a worker ever started it. */
type RangeRecord = {
  t: 'range';
  id: string;
  after?: string;
  until?: string;
  mark?: string;
  counts: SettledCounts;
  done: boolean;
  started: boolean;
};

function toRecord(state: RangeState, started: boolean): RangeRecord {
  return {
    t: 'range',
    id: state.id,
    ...(state.range.after === undefined ? {} : { after: state.range.after }),
    ...(state.range.until === undefined ? {} : { until: state.range.until }),
    ...(state.mark === undefined ? {} : { mark: state.mark }),
    counts: state.counts,
    done: state.isDone,
    started,
  };
}

/** A stored range, parsed (undefined when it is not one). */
export type StoredRange = { state: RangeState; started: boolean };

function fromRecord(text: string): StoredRange | undefined {
  const r = JSON.parse(text) as Partial<RangeRecord>;
  if (r.t !== 'range' || typeof r.id !== 'string') return undefined;
  const range: KeyRange = {
    ...(typeof r.after === 'string' ? { after: r.after } : {}),
    ...(typeof r.until === 'string' ? { until: r.until } : {}),
  };
  return {
    state: {
      id: r.id,
      range,
      mark: typeof r.mark === 'string' ? r.mark : undefined,
      counts: { ...zeroCounts(), ...r.counts },
      isDone: r.done === true,
    },
    started: r.started === true,
  };
}

// Range ids are the engine's (the start of the range): the same in a local run and a job.
export { rangeIdOf } from '../engine/range-runner.ts';

/** An upload as stored: the checkpoint's upload record, parts as [n, etag, size]. */
type StoredUpload = Omit<UploadRecord, 'parts'> & { parts: [number, string, number][] };

/** The state of one job in Redis. */
export class JobStore {
  readonly redis: Redis;
  readonly name: string;
  readonly keys: JobKeys;

  constructor(redis: Redis, name: string) {
    this.redis = redis;
    this.name = name;
    this.keys = jobKeys(name);
  }

  async meta(): Promise<JobMeta | undefined> {
    const fields = await this.redis.hgetall(this.keys.meta);
    if (fields['spec'] === undefined) return undefined;
    return {
      spec: JSON.parse(fields['spec']) as JobSpec,
      status: (fields['status'] ?? 'running') as JobStatus,
      pass: Number(fields['pass'] ?? '1'),
      passStartedAt: fields['passStartedAt'] ?? new Date(0).toISOString(),
    };
  }

  /** Starts pass `pass` of the job: whatever the name held before is replaced. */
  async create(spec: JobSpec, pass: number, first: RangeState): Promise<void> {
    await this.#deleteAll();
    await this.redis
      .multi()
      .hset(this.keys.meta, {
        spec: JSON.stringify(spec),
        status: 'running',
        pass: String(pass),
        passStartedAt: new Date().toISOString(),
      })
      .hset(this.keys.ranges, first.id, JSON.stringify(toRecord(first, false)))
      .sadd(this.keys.open, first.id)
      .exec();
  }

  async setStatus(status: JobStatus): Promise<void> {
    await this.redis.hset(this.keys.meta, 'status', status);
  }

  async exists(): Promise<boolean> {
    return (await this.redis.hexists(this.keys.meta, 'spec')) === 1;
  }

  /** Every range of the job, in key order. */
  async ranges(): Promise<StoredRange[]> {
    const all = await this.redis.hvals(this.keys.ranges);
    const parsed = all.map(fromRecord).filter((r): r is StoredRange => r !== undefined);
    return parsed.sort((a, b) => compareKeys(a.state.range.after ?? '', b.state.range.after ?? ''));
  }

  async range(id: string): Promise<StoredRange | undefined> {
    const text = await this.redis.hget(this.keys.ranges, id);
    return text === null ? undefined : fromRecord(text);
  }

  async openIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.open);
  }

  /** Writes a range's state (its mark and counts, or that a worker started it). */
  async putRange(state: RangeState): Promise<void> {
    await this.redis.hset(this.keys.ranges, state.id, JSON.stringify(toRecord(state, true)));
  }

  /** One transaction: `state` shrinks and `added` become open ranges of the job. */
  async split(state: RangeState, added: readonly RangeState[]): Promise<void> {
    const multi = this.redis.multi();
    multi.hset(this.keys.ranges, state.id, JSON.stringify(toRecord(state, true)));
    for (const next of added) {
      multi.hset(this.keys.ranges, next.id, JSON.stringify(toRecord(next, false)));
      multi.sadd(this.keys.open, next.id);
    }
    await multi.exec();
  }

  /** One transaction: the range is done and no longer open. */
  async finishRange(state: RangeState): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.ranges, state.id, JSON.stringify(toRecord(state, true)))
      .srem(this.keys.open, state.id)
      .exec();
  }

  /** Uploads recorded in flight for keys in `range`. */
  async uploadsIn(range: KeyRange): Promise<UploadRecord[]> {
    const all = await this.redis.hvals(this.keys.uploads);
    const records: UploadRecord[] = [];
    for (const text of all) {
      const u = JSON.parse(text) as StoredUpload;
      if (!inRange(u.key, range)) continue;
      records.push({
        ...u,
        parts: new Map(u.parts.map(([n, etag, sizeBytes]) => [n, { etag, sizeBytes }])),
      });
    }
    return records;
  }

  async putUpload(upload: UploadRecord): Promise<void> {
    const stored: StoredUpload = {
      ...upload,
      parts: [...upload.parts].map(([n, p]): [number, string, number] => [n, p.etag, p.sizeBytes]),
    };
    await this.redis.hset(this.keys.uploads, upload.uploadId, JSON.stringify(stored));
  }

  async dropUpload(uploadId: string): Promise<void> {
    await this.redis.hdel(this.keys.uploads, uploadId);
  }

  async pushFailure(failure: RecordedFailure): Promise<void> {
    await this.redis.rpush(this.keys.failures, JSON.stringify(failure));
  }

  async failures(limit: number): Promise<{ records: RecordedFailure[]; total: number }> {
    const [records, total] = await Promise.all([
      this.redis.lrange(this.keys.failures, 0, Math.max(0, limit - 1)),
      this.redis.llen(this.keys.failures),
    ]);
    return {
      records: limit === 0 ? [] : records.map((t) => JSON.parse(t) as RecordedFailure),
      total,
    };
  }

  async pushExtras(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.redis.rpush(this.keys.extras, ...keys);
  }

  async extrasCount(): Promise<number> {
    return this.redis.llen(this.keys.extras);
  }

  /** The --delete extras, a page at a time (bounded memory however many there are). */
  async *extras(): AsyncIterable<string> {
    const page = 1000;
    for (let start = 0; ; start += page) {
      const keys = await this.redis.lrange(this.keys.extras, start, start + page - 1);
      yield* keys;
      if (keys.length < page) return;
    }
  }

  /** When the job's shared throttling pause ends (0: none). */
  async sharedPause(): Promise<number> {
    return Number((await this.redis.get(this.keys.pause)) ?? 0);
  }

  /** Publishes a throttling pause that ends at `untilMs` (the key expires then). */
  async sharePause(untilMs: number): Promise<void> {
    await this.redis.set(this.keys.pause, String(untilMs), 'PXAT', Math.ceil(untilMs));
  }

  /** Adds to a worker's counters (fields: `ranges`, `copied`, `req.ListObjectsV2`, …). */
  async addWorkerCounts(worker: string, counts: Record<string, number>): Promise<void> {
    const multi = this.redis.multi().sadd(this.keys.workers, worker);
    for (const [field, n] of Object.entries(counts)) {
      if (n !== 0) multi.hincrby(this.keys.worker(worker), field, n);
    }
    await multi.exec();
  }

  /** Every worker's counters. */
  async workerCounts(): Promise<Record<string, Record<string, number>>> {
    const ids = await this.redis.smembers(this.keys.workers);
    const out: Record<string, Record<string, number>> = {};
    for (const id of ids.sort()) {
      const fields = await this.redis.hgetall(this.keys.worker(id));
      out[id] = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Number(v)]));
    }
    return out;
  }

  async #deleteAll(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.pattern, 'COUNT', 500);
      cursor = next;
      // The pattern also matches other jobs whose name starts with this one's: keep those.
      const own = keys.filter((k) => k === this.keys.meta || k.startsWith(`${this.keys.meta}:`));
      if (own.length > 0) await this.redis.del(...own);
    } while (cursor !== '0');
  }
}
