// Journal throughput on this machine: the cost of write() alone, records/s written with batched
// fsyncs (bursts with event-loop turns between them, as a sync job writes), and records/s read back.
// Usage: node --import tsx scripts/bench/journal.ts [records] [dir]
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalWriter, readJournal } from '../../src/job/journal.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const dir = await mkdtemp(join(process.argv[3] ?? tmpdir(), 's3ferry-journal-bench-'));
const header = { s3ferry: 'checkpoint', version: 1 };

/** A record the size of a checkpoint entry: a key, its ETag and size, a part number. */
function record(n: number): object {
  return {
    t: 'done',
    key: `datasets/train/shard-${String(n).padStart(8, '0')}.tar`,
    etag: '"d41d8cd98f00b204e9800998ecf8427e"',
    size: 1048576 + n,
    part: n % 10_000,
  };
}

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

async function run(): Promise<void> {
  // 1. write() alone: serialize and buffer, timed in bursts; the flushes between are not timed.
  {
    const path = join(dir, 'sync-cost.ckpt');
    const writer = await JournalWriter.create(path, header, [], { flushIntervalMs: 3_600_000 });
    let ms = 0;
    for (let n = 0; n < total;) {
      const start = performance.now();
      for (const end = Math.min(total, n + 8000); n < end; n += 1) writer.write(record(n));
      ms += performance.now() - start;
      await writer.flush();
    }
    await writer.close();
    console.log(
      `write() alone:        ${rate(total, ms)} (${((ms / total) * 1e6).toFixed(0)} ns each)`,
    );
  }
  // 2. Sustained, with the default interval and buffer: bursts of 1,000, a turn of the loop each.
  for (const burst of [1000, 100]) {
    const path = join(dir, `batched-${burst}.ckpt`);
    const writer = await JournalWriter.create(path, header);
    const start = performance.now();
    for (let n = 0; n < total; n += 1) {
      writer.write(record(n));
      if (n % burst === burst - 1) await new Promise((resolve) => setImmediate(resolve));
    }
    await writer.close();
    const ms = performance.now() - start;
    const { bytesWritten, fsyncs, writes } = writer.stats;
    const mb = bytesWritten / 1024 / 1024;
    console.log(
      `batched (bursts of ${burst}): ${rate(total, ms)}, ${(mb / (ms / 1000)).toFixed(1)} MiB/s, ` +
        `${fsyncs} fsyncs, ${writes} writes, ${(bytesWritten / total).toFixed(0)} B/record`,
    );
  }
  // 3. Reading it back.
  {
    const path = join(dir, 'batched-1000.ckpt');
    const size = (await stat(path)).size;
    const start = performance.now();
    const read = await readJournal(path);
    const ms = performance.now() - start;
    const mb = size / 1024 / 1024;
    console.log(
      `readJournal:          ${rate(read?.records.length ?? 0, ms)}, ` +
        `${(mb / (ms / 1000)).toFixed(1)} MiB/s (${mb.toFixed(0)} MiB)`,
    );
  }
}

try {
  await run();
} finally {
  await rm(dir, { recursive: true, force: true });
}
