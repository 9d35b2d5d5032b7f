// The spilling FIFO against a plain array: push N work-item-like objects (a ~40-character key,
// size, mtime, a 32-hex ETag, a small decision) in pages of 1,000, each after a turn of the event
// loop as a listing delivers them, then drain them the same way, checking the order. Prints one
// JSON line per mode (SpillBenchResult) with the peak RSS (sampled every 50 ms and at each phase's
// end), the wall time and items per second. Each mode runs in its own process, so that one's heap
// does not inflate the other's RSS:
//
//   node --import tsx scripts/bench/spill-fifo.ts [count] [memoryItems]    both modes
//   node --import tsx scripts/bench/spill-fifo.ts spill|array [count] [memoryItems]
import { execFileSync } from 'node:child_process';
import { setImmediate } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SpillFifo } from '../../src/shared/spill-fifo.ts';
import type { SpillStats } from '../../src/shared/spill-fifo.ts';

type Mode = 'spill' | 'array';

type WorkItem = {
  range: string;
  key: string;
  sizeBytes: number;
  mtimeMs: number;
  etag: string;
  decision: { action: 'copy'; reason: 'missing' | 'size-differs' };
};

export type SpillBenchResult = {
  mode: Mode;
  items: number;
  memoryItems: number;
  peakRssMB: number;
  pushMs: number;
  drainMs: number;
  wallMs: number;
  itemsPerSecond: number;
  /** Times the consumer found memory empty with items still on disk, and waited. */
  waits: number;
  spill?: SpillStats;
};

const PAGE = 1000;
const T0 = Date.UTC(2026, 0, 1);

function workItem(i: number): WorkItem {
  const hex = (i * 2_654_435_761 + 0x9e3779b9).toString(16);
  return {
    range: 'r0',
    key: `dataset/part-${String(i % 100).padStart(2, '0')}/object-${String(i).padStart(10, '0')}.bin`,
    sizeBytes: 1024 + (i % 4096),
    mtimeMs: T0 + i,
    etag: hex.padStart(32, '0').slice(-32),
    decision: { action: 'copy', reason: i % 10 === 0 ? 'size-differs' : 'missing' },
  };
}

/** The queue under test, as the dispatch would use it. */
type Queue = {
  push(item: WorkItem): void;
  shiftSync(): WorkItem | undefined;
  shift(): Promise<WorkItem | undefined>;
  readonly length: number;
  dispose(): Promise<void>;
  stats?: SpillStats;
};

function arrayQueue(): Queue {
  const items: WorkItem[] = [];
  let head = 0;
  return {
    push: (item) => items.push(item),
    shiftSync: () => (head < items.length ? items[head++] : undefined),
    shift: () => Promise.resolve(head < items.length ? items[head++] : undefined),
    get length() {
      return items.length - head;
    },
    dispose: () => Promise.resolve(),
  };
}

function spillQueue(memoryItems: number): Queue {
  const fifo = new SpillFifo<WorkItem>({ memoryItems });
  return {
    push: (item) => {
      fifo.push(item);
    },
    shiftSync: () => fifo.shiftSync(),
    shift: () => fifo.shift(),
    get length() {
      return fifo.length;
    },
    dispose: () => fifo.dispose(),
    get stats() {
      return fifo.stats;
    },
  };
}

export async function runSpillBench(
  mode: Mode,
  count: number,
  memoryItems: number,
): Promise<SpillBenchResult> {
  let peakRss = process.memoryUsage.rss();
  const sample = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  const sampler = setInterval(sample, 50);
  const queue = mode === 'spill' ? spillQueue(memoryItems) : arrayQueue();
  let waits = 0;
  const started = performance.now();
  try {
    for (let i = 0; i < count; i += 1) {
      if (i % PAGE === 0) await setImmediate();
      queue.push(workItem(i));
    }
    sample();
    const pushed = performance.now();
    for (let i = 0; i < count; i += 1) {
      if (i % PAGE === 0) await setImmediate();
      let item = queue.shiftSync();
      if (item === undefined) {
        waits += 1;
        item = await queue.shift();
      }
      if (item?.mtimeMs !== T0 + i) throw new Error(`item ${i} out of order`);
    }
    if (queue.length !== 0) throw new Error(`${queue.length} items left`);
    sample();
    const ended = performance.now();
    const wallMs = ended - started;
    return {
      mode,
      items: count,
      memoryItems,
      peakRssMB: Math.round(peakRss / 1e5) / 10,
      pushMs: Math.round(pushed - started),
      drainMs: Math.round(ended - pushed),
      wallMs: Math.round(wallMs),
      itemsPerSecond: Math.round(count / (wallMs / 1000)),
      waits,
      ...(queue.stats === undefined ? {} : { spill: queue.stats }),
    };
  } finally {
    clearInterval(sampler);
    await queue.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [first, ...rest] = process.argv.slice(2);
  if (first === 'spill' || first === 'array') {
    const [count = '1000000', memoryItems = '10000'] = rest;
    const result = await runSpillBench(first, Number(count), Number(memoryItems));
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const args = [first ?? '1000000', rest[0] ?? '10000'];
    for (const mode of ['spill', 'array'] as const) {
      const line = execFileSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), mode, ...args],
        { encoding: 'utf8' },
      );
      process.stdout.write(line);
    }
  }
}
