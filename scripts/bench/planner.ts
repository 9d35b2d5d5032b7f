// Workload F: the planner alone, no server. Two generated sorted listings (source and
// destination) go through s3ferry's mergeJoin, decide and the range watermark, with the copies
// held in the look-ahead as the transfer lane holds them (the first DEFAULT_LOOKAHEAD in memory,
// the rest spooled, up to DEFAULT_MAX_AHEAD), and no copy finishing while the listing runs: the
// worst case for memory of a listing that runs ahead of its copies. This prints one JSON
// line (PlannerResult): keys joined per second and the peak RSS seen (sampled every 50 ms; GNU
// time's max RSS of the process is measured by bench.ts as well). Run from dist/ (no loader):
//
//   node dist/scripts/bench/planner.js <keys>
//
// The synthetic diff, per source key i: every 10th is missing at the destination, every 7th
// (not 10th) has another size at the destination, the rest are equal (destination newer); and
// one extra destination key after every 100th source key.
import { setImmediate } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { decide } from '../../src/plan/decide.ts';
import { mergeJoin } from '../../src/plan/merge-join.ts';
import type { ListEntry } from '../../src/shared/protocol.ts';
import { keyOf } from './workloads.ts';
import { Watermark } from '../../src/job/watermark.ts';
import { DEFAULT_LOOKAHEAD, DEFAULT_MAX_AHEAD } from '../../src/engine/lanes.ts';
import { SpillFifo } from '../../src/shared/spill-fifo.ts';
import type { Decision } from '../../src/plan/decide.ts';

export type PlannerResult = {
  keys: number;
  joined: number;
  copies: number;
  skips: number;
  extraneous: number;
  ms: number;
  peakRssBytes: number;
};

const T0 = Date.UTC(2026, 0, 1);

/** Like a listing: entries arrive in pages of 1,000, each after a turn of the event loop. */
/** Listing pages of 1,000 entries, each a turn of the event loop away (as a network page). */
async function* paged(entries: Iterable<ListEntry>): AsyncGenerator<ListEntry[]> {
  let page: ListEntry[] = [];
  for (const entry of entries) {
    page.push(entry);
    if (page.length === 1000) {
      await setImmediate();
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

function* destination(count: number): Generator<ListEntry> {
  for (const key of sortedKeys(count)) {
    const i = indexOf(key);
    if (i % 10 !== 0) {
      yield {
        key,
        sizeBytes: i % 7 === 0 ? 2048 : 1024,
        mtimeMs: T0 + 60_000,
        etag: 'd41d8cd98f00b204e9800998ecf8427e',
      };
    }
    if (i % 100 === 0) {
      yield { key: `${key}~extra`, sizeBytes: 1, mtimeMs: T0, etag: 'x' };
    }
  }
}

function indexOf(key: string): number {
  return Number(key.slice(key.indexOf('-') + 1));
}

/** The keys of `keyOf` in S3 order: directory dNN first, then the object number. */
function* sortedKeys(count: number): Generator<string> {
  for (let dir = 0; dir < 100; dir++) {
    for (let i = dir; i < count; i += 100) yield keyOf(i, count);
  }
}

function* sortedSource(count: number): Generator<ListEntry> {
  for (const key of sortedKeys(count)) {
    yield { key, sizeBytes: 1024, mtimeMs: T0, etag: 'd41d8cd98f00b204e9800998ecf8427e' };
  }
}

export async function runPlanner(count: number): Promise<PlannerResult> {
  let peakRssBytes = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  let joined = 0;
  let copies = 0;
  let skips = 0;
  let extraneous = 0;
  try {
    // As in a sync whose copies are far slower than its listing (every fresh migration): each
    // copy decided waits in the look-ahead as the transfer lane holds it (plain data: the range,
    // the watermark ticket, the key, the entry and the decision), and none settles before the
    // look-ahead reaches its bound; then the oldest settles as a new one arrives.
    type Held = {
      range: string;
      ticket: number;
      key: string;
      work: { src: ListEntry; decision: Decision };
    };
    const lookahead = new SpillFifo<Held>({ memoryItems: DEFAULT_LOOKAHEAD, name: 'planner' });
    const watermark = new Watermark();
    const settleOldest = async (): Promise<void> => {
      const held = await lookahead.shift();
      if (held !== undefined) watermark.settle(held.ticket, 'copied', held.key);
    };
    for await (const batch of mergeJoin(paged(sortedSource(count)), paged(destination(count))))
      for (const entry of batch) {
        joined += 1;
        const decision = decide(entry, { mode: 'default', direction: 's3-to-s3' });
        const key = entry.kind === 'dst-only' ? entry.dst.key : entry.src.key;
        if (decision.action === 'copy' && entry.kind !== 'dst-only') {
          copies += 1;
          const ticket = watermark.begin(entry.src.sizeBytes);
          lookahead.push({ range: 'r0', ticket, key, work: { src: entry.src, decision } });
          if (lookahead.length > DEFAULT_MAX_AHEAD) await settleOldest();
        } else if (decision.action === 'skip') {
          skips += 1;
          watermark.pass(key, 'skipped');
        } else if (decision.action === 'extraneous') {
          extraneous += 1;
          watermark.pass(key, 'extraneous');
        }
      }
    while (lookahead.length > 0) await settleOldest();
    await lookahead.dispose();
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - started;
  peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
  return { keys: count, joined, copies, skips, extraneous, ms, peakRssBytes };
}

const arg = process.argv[2];
if (arg !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runPlanner(Number(arg));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
