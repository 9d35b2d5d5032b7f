// The progress display (src/cli/progress.ts) fed with sync events: bars on a TTY, one status line
// per period otherwise (never escape codes), logged lines in both, and the silent display of -q
// and --json.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProgressSnapshot, SyncEvent } from '../../src/engine/events.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { createProgressDisplay, silentDisplay } from '../../src/cli/progress.ts';

const MiB = 1024 * 1024;
const ESC = '\u001b[';

function captureIo(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    writeOut: (text: string): void => {
      io.out += text;
    },
    writeErr: (text: string): void => {
      io.err += text;
    },
  };
  return io;
}

function progress(overrides: Partial<ProgressSnapshot> = {}): SyncEvent {
  return {
    kind: 'progress',
    objectsListed: 40,
    objectsDone: 10,
    copied: 8,
    skipped: 2,
    failed: 0,
    objectsToCopy: 38,
    bytesToCopy: 8 * MiB,
    bytesCopied: 2 * MiB,
    isListingDone: false,
    elapsedMs: 1000,
    ...overrides,
  };
}

describe('progress display, not a TTY', () => {
  it('writes one status line per period, the first after one period, and no escape codes', () => {
    const io = captureIo();
    let now = 1_000;
    const display = createProgressDisplay({
      io,
      isTty: false,
      statusIntervalMs: 5000,
      now: () => now,
    });
    display.update(progress());
    now += 4_999;
    display.update(progress());
    // (through a function: assert.equal would narrow io.err to '' for the rest of the test)
    const err = (): string => io.err;
    assert.equal(err(), '', 'nothing before the first period');
    now += 1;
    display.update(progress());
    now += 100;
    display.update(progress());
    assert.equal(
      io.err,
      's3ferry: listing: 40 keys so far; copies 8/38+ (8 copied, 0 failed), 2 skipped; 2.0 MiB/8.0 MiB+ at 2.0 MiB/s, ETA ?\n',
    );
    now += 5_000;
    display.update(
      progress({ isListingDone: true, objectsDone: 40, copied: 38, bytesCopied: 8 * MiB }),
    );
    assert.equal(err().split('\n').length - 1, 2);
    assert.match(err(), /\ns3ferry: listed 40 keys \(done\); copies 38\/38 \(38 copied/);
    display.stop();
    assert.equal(err().includes(ESC), false);
    assert.equal(io.out, '', 'progress never goes to stdout');
  });

  it('ignores other events and prints logged lines as they are', () => {
    const io = captureIo();
    let now = 0;
    const display = createProgressDisplay({ io, isTty: false, now: () => now });
    now = 60_000;
    display.update({ kind: 'warning', message: 'x' });
    display.update({ kind: 'object', key: 'k', action: 'skip', reason: 'same', sizeBytes: 1 });
    display.log('s3ferry: failed: s3://b/k: AccessDenied: Access Denied\n');
    display.stop();
    assert.equal(io.err, 's3ferry: failed: s3://b/k: AccessDenied: Access Denied\n');
  });
});

describe('progress display on a TTY', () => {
  it('draws a copies bar and a bytes bar with their totals and the listing apart, on stderr', () => {
    const io = captureIo();
    const display = createProgressDisplay({ io, isTty: true, columns: 120 });
    display.update(progress());
    display.update(
      progress({
        objectsDone: 40,
        copied: 38,
        bytesCopied: 8 * MiB,
        isListingDone: true,
        elapsedMs: 4000,
      }),
    );
    display.stop();
    assert.ok(io.err.includes(ESC), 'cursor movement and line clearing');
    // The last frame: final totals, no "+", throughput and ETA, the listing done.
    assert.match(
      io.err,
      /copies {2}[\u2588]{24} 38\/38 {2}failed 0 {2}skipped 2 {2}listed 40 keys \(done\)/,
    );
    assert.match(io.err, /bytes {3}[\u2588]{24} 8\.0 MiB\/8\.0 MiB {2}2\.0 MiB\/s {2}ETA 0:00/);
    assert.equal(io.out, '');
  });

  it('while listing goes on: bars held empty, totals marked +, the listing count, no ETA', () => {
    const io = captureIo();
    const display = createProgressDisplay({ io, isTty: true });
    display.update(progress({ copied: 30, bytesCopied: 7 * MiB }));
    display.stop();
    // 30 of 38 copies done, but the total still grows: never a bar near full.
    assert.match(
      io.err,
      /copies {2}[\u2591]{24} 30\/38\+ {2}failed 0 {2}skipped 2 {2}listing: 40 keys so far/,
    );
    assert.match(io.err, /bytes {3}[\u2591]{24} 7\.0 MiB\/8\.0 MiB\+ .* ETA \?/);
  });

  it('logged lines appear above the bars; after stop they are written directly; stop is idempotent', () => {
    const io = captureIo();
    const display = createProgressDisplay({ io, isTty: true });
    display.update(progress());
    display.log('s3ferry: warning: first\n');
    display.update(progress({ objectsDone: 11 }));
    display.stop();
    assert.ok(io.err.includes('s3ferry: warning: first\n'), io.err);
    const before = io.err;
    display.stop();
    assert.equal(io.err, before, 'a second stop draws nothing');
    display.update(progress({ objectsDone: 12 }));
    assert.equal(io.err, before, 'no drawing after stop');
    display.log('s3ferry: interrupted\n');
    assert.equal(io.err, `${before}s3ferry: interrupted\n`);
  });
});

describe('silent display (-q, --json)', () => {
  it('draws nothing but still prints logged lines (failures, warnings) on stderr', () => {
    const io = captureIo();
    const display = silentDisplay(io);
    display.update(progress());
    display.log('s3ferry: failed: x\n');
    display.stop();
    assert.equal(io.err, 's3ferry: failed: x\n');
    assert.equal(io.out, '');
  });
});
