// A sync job's checkpoint: which job it is (never a credential), its key ranges and how far each
// has settled, the multipart uploads in flight, the destination-only keys spooled for --delete,
// and the failures recorded. Kept in a journal (journal.ts: one JSON record per line, batched
// fsync, atomic compaction) so that kill -9 at any instant leaves a file the next run resumes.
//
// The journal: a header {s3ferry: 's3ferry-checkpoint', version: 1, job: JobIdentity}, then records
// folded in order (a field left out is undefined: an open range end, no mark yet):
//   {t:'pass', n, at}                          pass n starts: what came before is forgotten
//   {t:'range', id, after, until}              a range (after, until] of the job; snapshots add
//                                              its mark, counts and done
//   {t:'split', id, cuts:[c1…cn], ids:[i1…in]} range id, (after, until], becomes (after, c1] and
//                                              ranges i1 = (c1, c2], …, in = (cn, until] are
//                                              added; one line, so a torn tail drops all of it
//   {t:'mark', id, key, counts}                every key of the range ≤ key has settled
//   {t:'done', id, key, counts}                every key of the range has settled
//   {t:'upload', key, uploadId, partSize, size, srcEtag}, {t:'part', uploadId, n, etag, size},
//   {t:'upload-end', uploadId}                 multipart uploads in flight and their parts
//   {t:'extra', keys}                          destination-only keys, for --delete
//   {t:'failed', key, code, message}           a key that failed in this pass
//   {t:'finished', status, at}                 the pass ended
// A compaction writes the state as pass, range (ranges in key order, split ones included),
// upload, part, extra, failed and finished records.
import { S3FerryError } from '../shared/errors.ts';
import { compareKeys } from '../plan/compare-keys.ts';
import { describeRange, inRange } from '../plan/key-range.ts';
import type { KeyRange } from '../plan/key-range.ts';
import { JournalWriter, scanJournal } from './journal.ts';
import type { JsonObject } from './journal.ts';
import { zeroCounts } from './watermark.ts';
import type { SettledCounts } from './watermark.ts';

const MAGIC = 's3ferry-checkpoint';
const VERSION = 1;
/** Marks are coalesced and written this often (the journal fsyncs them in the same batch). */
const MARK_INTERVAL_MS = 250;
/** Records appended before the journal is compacted into a snapshot of the state. */
export const COMPACT_AFTER_RECORDS = 200_000;

/**
 * What makes two runs the same job: the paths as written, where each side resolves to, and what
 * decides the set of keys and the copies. Workers, part sizes and concurrency may change.
 */
export type JobIdentity = {
  src: string;
  dst: string;
  /** Endpoint and bucket/path of each side, resolved (`https://host bucket/prefix`, or a path). */
  srcWhere: string;
  dstWhere: string;
  mode: string;
  include: readonly string[];
  exclude: readonly string[];
  deleteExcluded: boolean;
  delete: boolean;
  /** A shard's `I/N (after, until]`; absent for an unsharded job (and in older files). */
  shard?: string;
  /**
   * The size, age and --files-from filters as flags (`--max-age 7d --files-from sha256:… (N
   * keys)`); absent without them (and in older files). Ages as given: a resumed pass counts them
   * back from its own start.
   */
  filters?: string;
};

const IDENTITY_FIELDS: readonly [keyof JobIdentity, string][] = [
  ['src', 'source'],
  ['dst', 'destination'],
  ['srcWhere', 'source location'],
  ['dstWhere', 'destination location'],
  ['mode', 'compare mode'],
  ['include', '--include patterns'],
  ['exclude', '--exclude patterns'],
  ['deleteExcluded', '--delete-excluded'],
  ['delete', '--delete'],
  ['shard', '--shard'],
  ['filters', 'filter by size, age or --files-from'],
];

/** A multipart upload recorded in flight: enough to continue it, or to abort it. */
export type UploadRecord = {
  key: string;
  uploadId: string;
  partSizeBytes: number;
  sizeBytes: number;
  /**
   * The source's ETag when the upload started (`mtime:<ms>` for a source without one, a local
   * file): a changed source must not be continued.
   */
  srcEtag: string | undefined;
  /** Parts stored, by part number: their ETag and size. */
  parts: Map<number, { etag: string; sizeBytes: number }>;
};

/** One range of the job and how far it has settled. */
export type RangeState = {
  id: string;
  range: KeyRange;
  /** Every key at or before it has settled (undefined: none). */
  mark: string | undefined;
  /** Counts of the settled keys (all of the range's once done). */
  counts: SettledCounts;
  isDone: boolean;
};

/** A failure recorded for the summary of a resumed run. */
export type RecordedFailure = { key: string; code: string; message: string };

/** What the previous, interrupted run left. */
export type ResumeInfo = {
  /** When the pass being resumed started (ISO). */
  passStartedAt: string;
  rangesDone: number;
  /** Source keys settled before this run (not listed again). */
  keysSettled: number;
  uploadsRecorded: number;
  /** A torn last record was dropped (a crash mid-write). */
  droppedTornRecord: boolean;
};

/** The folded state of a checkpoint file. */
type State = {
  pass: number;
  passStartedAt: string;
  isFinished: boolean;
  ranges: Map<string, RangeState>;
  uploads: Map<string, UploadRecord>;
  extras: string[];
  failures: RecordedFailure[];
  records: number;
};

function emptyState(pass: number): State {
  return {
    pass,
    passStartedAt: new Date().toISOString(),
    isFinished: false,
    ranges: new Map(),
    uploads: new Map(),
    extras: [],
    failures: [],
    records: 0,
  };
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function asStrings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

function asCounts(value: unknown): SettledCounts {
  const v = (value ?? {}) as Partial<Record<keyof SettledCounts, unknown>>;
  const n = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
  return {
    keys: n(v.keys),
    copied: n(v.copied),
    copiedBytes: n(v.copiedBytes),
    skipped: n(v.skipped),
    failed: n(v.failed),
  };
}

/**
 * Why `range` cannot be split at `cuts`, or undefined: the cuts must be strictly ascending keys
 * strictly inside the range, at or after its mark (settled keys stay in the range they settled
 * in), and the range must not be done.
 */
function splitProblem(range: RangeState, cuts: readonly string[]): string | undefined {
  const [first] = cuts;
  if (first === undefined) return 'no cut';
  if (range.isDone) return 'the range is done';
  if (range.mark !== undefined && compareKeys(range.mark, first) > 0) {
    return `its mark ${JSON.stringify(range.mark)} is past the first cut ${JSON.stringify(first)}`;
  }
  let previous = range.range.after;
  for (const cut of cuts) {
    if (previous !== undefined && compareKeys(cut, previous) <= 0) {
      return `cut ${JSON.stringify(cut)} is not after ${JSON.stringify(previous)}`;
    }
    previous = cut;
  }
  const { until } = range.range;
  if (until !== undefined && compareKeys(previous ?? '', until) >= 0) {
    return `cut ${JSON.stringify(previous)} is not before the range's end ${JSON.stringify(until)}`;
  }
  return undefined;
}

/** Splits `range` at `cuts` (checked by splitProblem): it ends at the first, `ids` follow it. */
function applySplit(
  state: State,
  range: RangeState,
  cuts: readonly string[],
  ids: readonly string[],
): RangeState[] {
  const { after, until } = range.range;
  const added = cuts.map((cut, i): RangeState => ({
    id: ids[i] ?? '',
    range: { after: cut, until: cuts[i + 1] ?? until },
    mark: undefined,
    counts: zeroCounts(),
    isDone: false,
  }));
  range.range = { after, until: cuts[0] };
  for (const next of added) state.ranges.set(next.id, next);
  return added;
}

/** The ranges in key order (they never overlap: by their start, the open one first). */
function inKeyOrder(ranges: Iterable<RangeState>): RangeState[] {
  return [...ranges].sort((a, b) => {
    if (a.range.after === undefined || b.range.after === undefined) {
      return a.range.after === b.range.after ? 0 : a.range.after === undefined ? -1 : 1;
    }
    return compareKeys(a.range.after, b.range.after);
  });
}

/** The number of a range id `r<n>` (-1 for another form). */
function rangeNumber(id: string): number {
  const match = /^r(\d+)$/.exec(id);
  return match === null ? -1 : Number(match[1]);
}

/** Applies one record to the state; returns why it is invalid, if it is. */
function apply(state: State, record: JsonObject): string | undefined {
  state.records += 1;
  switch (record['t']) {
    case 'pass': {
      const n = record['n'];
      if (typeof n !== 'number') return 'a pass record without a number';
      Object.assign(state, emptyState(n), { records: state.records });
      state.passStartedAt = asString(record['at']) ?? state.passStartedAt;
      return undefined;
    }
    case 'range': {
      const id = asString(record['id']);
      if (id === undefined) return 'a range record without an id';
      const after = asString(record['after']);
      const until = asString(record['until']);
      state.ranges.set(id, {
        id,
        range: { after, until },
        mark: asString(record['mark']),
        counts: asCounts(record['counts']),
        isDone: record['done'] === true,
      });
      return undefined;
    }
    case 'split': {
      const range = state.ranges.get(asString(record['id']) ?? '');
      if (range === undefined) return 'a split record for an unknown range';
      const cuts = asStrings(record['cuts']);
      const ids = asStrings(record['ids']);
      if (cuts === undefined || ids?.length !== cuts.length) {
        return 'a split record without as many ids as cuts';
      }
      if (new Set(ids).size !== ids.length || ids.some((id) => state.ranges.has(id))) {
        return 'a split record reusing a range id';
      }
      const problem = splitProblem(range, cuts);
      if (problem !== undefined) return `a split record of ${range.id}: ${problem}`;
      applySplit(state, range, cuts, ids);
      return undefined;
    }
    case 'mark':
    case 'done': {
      const range = state.ranges.get(asString(record['id']) ?? '');
      if (range === undefined) return `a ${record['t']} record for an unknown range`;
      const key = asString(record['key']);
      if (key !== undefined) range.mark = key;
      range.counts = asCounts(record['counts']);
      if (record['t'] === 'done') range.isDone = true;
      return undefined;
    }
    case 'upload': {
      const uploadId = asString(record['uploadId']);
      const key = asString(record['key']);
      if (uploadId === undefined || key === undefined) return 'an upload record without its id';
      state.uploads.set(uploadId, {
        key,
        uploadId,
        partSizeBytes: Number(record['partSize'] ?? 0),
        sizeBytes: Number(record['size'] ?? 0),
        srcEtag: asString(record['srcEtag']),
        parts: new Map(),
      });
      return undefined;
    }
    case 'part': {
      const upload = state.uploads.get(asString(record['uploadId']) ?? '');
      const etag = asString(record['etag']);
      if (upload !== undefined && etag !== undefined) {
        upload.parts.set(Number(record['n']), { etag, sizeBytes: Number(record['size'] ?? 0) });
      }
      return undefined;
    }
    case 'upload-end':
      state.uploads.delete(asString(record['uploadId']) ?? '');
      return undefined;
    case 'extra': {
      const keys = record['keys'];
      if (!Array.isArray(keys)) return 'an extra record without keys';
      for (const key of keys) if (typeof key === 'string') state.extras.push(key);
      return undefined;
    }
    case 'failed':
      state.failures.push({
        key: asString(record['key']) ?? '',
        code: asString(record['code']) ?? 'Failed',
        message: asString(record['message']) ?? '',
      });
      return undefined;
    case 'finished':
      state.isFinished = true;
      return undefined;
    default:
      return `an unknown record type ${JSON.stringify(record['t'])}`;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function shown(value: unknown): string {
  if (value === undefined) return 'none';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(' ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The first field in which `found` differs from `wanted`, as one line; undefined if none. */
export function identityDifference(found: unknown, wanted: JobIdentity): string | undefined {
  const have = (found ?? {}) as Record<string, unknown>;
  for (const [field, name] of IDENTITY_FIELDS) {
    if (!sameValue(have[field], wanted[field])) {
      return `its ${name} is ${shown(have[field])}, this run's is ${shown(wanted[field])}`;
    }
  }
  return undefined;
}

/** Options of {@link openCheckpoint}. */
export type OpenCheckpointOptions = {
  /** Discard what the file holds and start a new job. */
  fresh?: boolean;
  /** Called for a torn last record that was dropped. */
  onWarning?: (message: string) => void;
};

/**
 * Opens the checkpoint at `path` for the job `identity`: a new one (no file, `fresh`), a new pass
 * of the same job (the file holds a finished pass), or the interrupted pass to resume.
 * @throws S3FerryError (usage, `CheckpointMismatch`) when the file belongs to another job, naming
 *   what differs; `CorruptCheckpoint` for a file that is not a checkpoint or has an invalid record.
 */
export async function openCheckpoint(
  path: string,
  identity: JobIdentity,
  options: OpenCheckpointOptions = {},
): Promise<Checkpoint> {
  const header = { s3ferry: MAGIC, version: VERSION, job: identity };
  if (options.fresh === true) return Checkpoint.start(path, header, emptyState(1), undefined);
  const state = emptyState(0);
  let foundJob: unknown;
  let invalid: { line: number; reason: string } | undefined;
  const scanned = await scanJournal(
    path,
    (record, line) => {
      if (invalid !== undefined) return;
      const reason = apply(state, record);
      if (reason !== undefined) invalid = { line, reason };
    },
    {
      validateHeader: (h) => {
        if (h['s3ferry'] !== MAGIC) return 'not an s3ferry checkpoint';
        if (h['version'] !== VERSION) return `checkpoint version ${String(h['version'])}`;
        foundJob = h['job'];
        return undefined;
      },
    },
  );
  if (scanned === undefined) return Checkpoint.start(path, header, emptyState(1), undefined);
  if (invalid !== undefined) {
    throw new S3FerryError(
      'usage',
      'CorruptCheckpoint',
      `checkpoint ${path} is corrupt at line ${invalid.line}: ${invalid.reason}`,
      { fatal: true, hint: '--fresh discards it and starts the job over' },
    );
  }
  const difference = identityDifference(foundJob, identity);
  if (difference !== undefined) {
    throw new S3FerryError(
      'usage',
      'CheckpointMismatch',
      `checkpoint ${path} belongs to another job: ${difference}`,
      { fatal: true, hint: 'use another --checkpoint file, or --fresh to discard this one' },
    );
  }
  if (scanned.tail !== undefined) {
    options.onWarning?.(
      `checkpoint ${path}: dropped a torn last record at line ${scanned.tail.line} ` +
        `(${scanned.tail.reason}); resuming from the record before it`,
    );
  }
  if (state.isFinished || state.pass === 0) {
    // The nightly case: the last pass finished, this run is a new pass of the same job.
    return Checkpoint.start(path, header, emptyState(Math.max(state.pass, 0) + 1), undefined);
  }
  // Extra keys and failures recorded past their range's mark are found again when the range is
  // listed from the mark: keep only the settled ones, or they would count (and delete) twice.
  state.extras = state.extras.filter((key) => isSettled(key, state.ranges));
  state.failures = state.failures.filter((f) => isSettled(f.key, state.ranges));
  const resume: ResumeInfo = {
    passStartedAt: state.passStartedAt,
    rangesDone: [...state.ranges.values()].filter((r) => r.isDone).length,
    keysSettled: [...state.ranges.values()].reduce((sum, r) => sum + r.counts.keys, 0),
    uploadsRecorded: state.uploads.size,
    droppedTornRecord: scanned.tail !== undefined,
  };
  // Compacting on open also cuts a torn tail away.
  return Checkpoint.start(path, header, state, resume);
}

/** An open checkpoint: the folded state, and the writer of new records. */
export class Checkpoint {
  readonly path: string;
  /** Set when this run resumes an interrupted pass. */
  readonly resumed: ResumeInfo | undefined;
  readonly #header: object;
  readonly #state: State;
  #writer: JournalWriter;
  readonly #pendingMarks = new Map<string, RangeState>();
  #timer: NodeJS.Timeout | undefined;
  #sinceCompaction = 0;
  #compacting: Promise<void> | undefined;
  #nextRangeId: number;

  private constructor(
    path: string,
    header: object,
    state: State,
    writer: JournalWriter,
    resumed: ResumeInfo | undefined,
  ) {
    this.path = path;
    this.#header = header;
    this.#state = state;
    this.#writer = writer;
    this.resumed = resumed;
    // After the highest id in use: ids stay unique however the ranges were split.
    let highest = -1;
    for (const id of state.ranges.keys()) highest = Math.max(highest, rangeNumber(id));
    this.#nextRangeId = highest + 1;
  }

  /** Writes a fresh snapshot of `state` (atomically) and opens it for appending. */
  static async start(
    path: string,
    header: object,
    state: State,
    resumed: ResumeInfo | undefined,
  ): Promise<Checkpoint> {
    const writer = await JournalWriter.create(path, header, snapshot(state));
    const checkpoint = new Checkpoint(path, header, state, writer, resumed);
    checkpoint.#timer = setInterval(() => {
      checkpoint.#writeMarks();
    }, MARK_INTERVAL_MS);
    checkpoint.#timer.unref();
    return checkpoint;
  }

  /** The pass number (1 for a new job). */
  get pass(): number {
    return this.#state.pass;
  }

  /** The ranges in key order, with their state. */
  ranges(): RangeState[] {
    return inKeyOrder(this.#state.ranges.values());
  }

  /** Uploads recorded in flight. */
  uploads(): UploadRecord[] {
    return [...this.#state.uploads.values()];
  }

  /** Destination-only keys recorded for --delete (in key order per range). */
  extras(): readonly string[] {
    return this.#state.extras;
  }

  /** Failures recorded by earlier runs of this pass. */
  failures(): readonly RecordedFailure[] {
    return this.#state.failures;
  }

  /** Adds a range of the job (before any of its keys is marched). */
  addRange(range: KeyRange): RangeState {
    const id = `r${this.#nextRangeId++}`;
    const state: RangeState = { id, range, mark: undefined, counts: zeroCounts(), isDone: false };
    this.#state.ranges.set(id, state);
    this.#append({ t: 'range', id, after: range.after, until: range.until });
    return state;
  }

  /**
   * Splits `range` (a range of this checkpoint, not done) so that `added` — ranges that tile the
   * rest of it, (c1, c2], …, (cn, until] — are ranges of the job and it ends at c1. One record, so
   * a crash leaves the layout before or after the split, never a part of it. Returns the states of
   * the added ranges (not started).
   * @throws S3FerryError `internal` `RangeSplitRefused` when `added` does not tile the rest of
   *   `range` with keys strictly inside it, when its mark is already past c1 (those keys settled
   *   in it), or when it is done; nothing is written then.
   */
  split(range: RangeState, added: readonly KeyRange[]): RangeState[] {
    if (added.length === 0) return [];
    const refuse = (why: string): S3FerryError =>
      new S3FerryError(
        'internal',
        'RangeSplitRefused',
        `cannot split range ${range.id} ${describeRange(range.range)}: ${why}`,
        { fatal: true },
      );
    if (this.#state.ranges.get(range.id) !== range) throw refuse('not a range of this job');
    const keys: string[] = [];
    for (const [i, next] of added.entries()) {
      const end = i + 1 < added.length ? added[i + 1]?.after : range.range.until;
      if (next.after === undefined || next.until !== end) {
        throw refuse(`the new ranges do not tile the rest of it (at ${describeRange(next)})`);
      }
      keys.push(next.after);
    }
    const problem = splitProblem(range, keys);
    if (problem !== undefined) throw refuse(problem);
    const ids = keys.map((_, i) => `r${this.#nextRangeId + i}`);
    // Written first: a record the journal refuses (too long) leaves the state as it was.
    this.#writer.write({ t: 'split', id: range.id, cuts: keys, ids });
    this.#nextRangeId += ids.length;
    const states = applySplit(this.#state, range, keys, ids);
    // After the state changed: a compaction it starts must snapshot the new layout.
    this.#recordAppended();
    return states;
  }

  /** The range's watermark moved (written coalesced, every MARK_INTERVAL_MS). */
  mark(range: RangeState, key: string | undefined, counts: SettledCounts): void {
    if (key === undefined) return;
    range.mark = key;
    range.counts = { ...counts };
    this.#pendingMarks.set(range.id, range);
  }

  /** Every key of the range settled. */
  done(range: RangeState, counts: SettledCounts): void {
    this.#pendingMarks.delete(range.id);
    range.isDone = true;
    range.counts = { ...counts };
    this.#append({ t: 'done', id: range.id, key: range.mark, counts: range.counts });
  }

  /** Destination-only keys to delete after the copies (written before the mark passes them). */
  extra(keys: readonly string[]): void {
    if (keys.length === 0) return;
    for (const key of keys) this.#state.extras.push(key);
    this.#append({ t: 'extra', keys });
  }

  failed(failure: RecordedFailure): void {
    this.#state.failures.push(failure);
    this.#append({ t: 'failed', ...failure });
  }

  uploadStarted(upload: Omit<UploadRecord, 'parts'>): void {
    this.#state.uploads.set(upload.uploadId, { ...upload, parts: new Map() });
    this.#append({
      t: 'upload',
      key: upload.key,
      uploadId: upload.uploadId,
      partSize: upload.partSizeBytes,
      size: upload.sizeBytes,
      srcEtag: upload.srcEtag,
    });
  }

  partStored(uploadId: string, partNumber: number, etag: string, sizeBytes: number): void {
    const upload = this.#state.uploads.get(uploadId);
    if (upload === undefined) return;
    upload.parts.set(partNumber, { etag, sizeBytes });
    this.#append({ t: 'part', uploadId, n: partNumber, etag, size: sizeBytes });
  }

  uploadEnded(uploadId: string): void {
    if (!this.#state.uploads.delete(uploadId)) return;
    this.#append({ t: 'upload-end', uploadId });
  }

  /** The pass ended: the next run with this checkpoint starts a new pass. */
  async finish(status: string): Promise<void> {
    this.#writeMarks();
    this.#state.isFinished = true;
    this.#append({ t: 'finished', status, at: new Date().toISOString() });
    await this.#writer.flush();
  }

  /** Writes the pending marks and waits until everything written is on disk. */
  async flush(): Promise<void> {
    this.#writeMarks();
    await this.#compacting;
    await this.#writer.flush();
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#writeMarks();
    await this.#compacting;
    await this.#writer.close();
  }

  /** Bytes and fsyncs so far (for benchmarks). */
  get stats(): JournalWriter['stats'] {
    return this.#writer.stats;
  }

  #writeMarks(): void {
    for (const range of this.#pendingMarks.values()) {
      this.#append({ t: 'mark', id: range.id, key: range.mark, counts: range.counts });
    }
    this.#pendingMarks.clear();
  }

  #append(record: object): void {
    this.#writer.write(record);
    this.#recordAppended();
  }

  /** One more record appended: compacts the journal when enough have been. */
  #recordAppended(): void {
    this.#sinceCompaction += 1;
    if (this.#sinceCompaction >= COMPACT_AFTER_RECORDS && this.#compacting === undefined) {
      this.#sinceCompaction = 0;
      const compacting = this.#writer.compact(this.#header, snapshot(this.#state)).finally(() => {
        this.#compacting = undefined;
      });
      // A failed compaction surfaces on the next flush or close.
      compacting.catch(() => undefined);
      this.#compacting = compacting;
    }
  }
}

/** True when `key` lies in a range that is done, or at or before its range's mark. */
function isSettled(key: string, ranges: ReadonlyMap<string, RangeState>): boolean {
  for (const range of ranges.values()) {
    if (!inRange(key, range.range)) continue;
    return range.isDone || (range.mark !== undefined && compareKeys(key, range.mark) <= 0);
  }
  return false;
}

/** The records that rebuild `state` (a compaction's content). */
function snapshot(state: State): object[] {
  const records: object[] = [{ t: 'pass', n: state.pass, at: state.passStartedAt }];
  for (const r of inKeyOrder(state.ranges.values())) {
    records.push({
      t: 'range',
      id: r.id,
      after: r.range.after,
      until: r.range.until,
      mark: r.mark,
      counts: r.counts,
      done: r.isDone,
    });
  }
  for (const u of state.uploads.values()) {
    records.push({
      t: 'upload',
      key: u.key,
      uploadId: u.uploadId,
      partSize: u.partSizeBytes,
      size: u.sizeBytes,
      srcEtag: u.srcEtag,
    });
    for (const [n, part] of u.parts) {
      records.push({ t: 'part', uploadId: u.uploadId, n, etag: part.etag, size: part.sizeBytes });
    }
  }
  for (let i = 0; i < state.extras.length; i += 1000) {
    records.push({ t: 'extra', keys: state.extras.slice(i, i + 1000) });
  }
  for (const f of state.failures) records.push({ t: 'failed', ...f });
  if (state.isFinished) records.push({ t: 'finished' });
  return records;
}

/** For messages: a range and how far it got. */
export function describeRangeState(range: RangeState): string {
  const where =
    range.mark === undefined ? 'not started' : `settled through ${JSON.stringify(range.mark)}`;
  return `${describeRange(range.range)} ${range.isDone ? 'done' : where}`;
}
