// Which s3ferry temp files in a local destination are stale (left by a run that is gone), and the
// sweep a run does over them: removed by a run that writes, only counted by a dry run or a check.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  createTempSweep,
  isProcessAlive,
  judgeTempFile,
  UNKNOWN_WRITER_STALE_MS,
} from '../../src/local/stale-temp.ts';
import type { StaleTempContext } from '../../src/local/stale-temp.ts';
import { isTempName, parseTempName, tempPathFor } from '../../src/local/temp-name.ts';

const RUN_STARTED = 1_700_000_000_000;
const PROCESS_STARTED = RUN_STARTED - 5_000;
const HOST = 'aaaaaaaa';
const SELF = { pid: 4242, hostTag: HOST };
const ALIVE = new Set([100]);
const isAlive = (pid: number): boolean => ALIVE.has(pid);

const ctx: StaleTempContext = {
  runStartedMs: RUN_STARTED,
  processStartedMs: PROCESS_STARTED,
  self: SELF,
  isProcessAlive: isAlive,
};

/** A temp name written by `pid` on the host tagged `host`. */
function nameBy(pid: number, host = HOST): string {
  return tempPathFor('data.bin', { pid, hostTag: host });
}

const LEGACY = '.data.bin.s3ferry-tmp-0123456789ab';

describe('temp names', () => {
  it('carry the writer PID and host tag, and the older names without them are still known', () => {
    assert.deepEqual(parseTempName(nameBy(321)), { writer: { pid: 321, hostTag: HOST } });
    assert.deepEqual(parseTempName(LEGACY), { writer: undefined });
    assert.ok(isTempName(LEGACY));
    assert.equal(parseTempName('data.bin'), undefined);
    assert.equal(parseTempName('.data.bin.s3ferry-tmp-0123456789a'), undefined);
    // A PID of 0 would address a process group: not a writer name.
    assert.equal(parseTempName('.d.s3ferry-tmp-0-aaaaaaaa-0123456789ab'), undefined);
  });
});

describe('judgeTempFile', () => {
  const before = RUN_STARTED - 1_000;

  it('removes a file whose writer no longer runs, once it is older than the run', () => {
    assert.deepEqual(judgeTempFile(nameBy(200), before, ctx), {
      isStale: true,
      reason: 'writer-gone',
    });
  });

  it('keeps a file whose writer still runs, however old', () => {
    assert.equal(judgeTempFile(nameBy(100), RUN_STARTED - 10 * 86_400_000, ctx).isStale, false);
  });

  it('keeps any file written since the run started, even by a dead PID', () => {
    assert.deepEqual(judgeTempFile(nameBy(200), RUN_STARTED, ctx), {
      isStale: false,
      reason: 'written-since-start',
    });
  });

  it("keeps this process's files, but not a namesake's from before this process started", () => {
    assert.equal(judgeTempFile(nameBy(SELF.pid), PROCESS_STARTED + 1, ctx).isStale, false);
    assert.deepEqual(judgeTempFile(nameBy(SELF.pid), PROCESS_STARTED - 1, ctx), {
      isStale: true,
      reason: 'pid-reused',
    });
  });

  it('does not ask about PIDs of another host: only an hour-old file is stale', () => {
    const other = nameBy(200, 'bbbbbbbb');
    assert.equal(judgeTempFile(other, before, ctx).isStale, false);
    assert.equal(
      judgeTempFile(other, RUN_STARTED - UNKNOWN_WRITER_STALE_MS - 1, ctx).isStale,
      true,
    );
  });

  it('treats the older names without a writer by age alone', () => {
    assert.equal(judgeTempFile(LEGACY, before, ctx).isStale, false);
    assert.deepEqual(judgeTempFile(LEGACY, RUN_STARTED - UNKNOWN_WRITER_STALE_MS - 1, ctx), {
      isStale: true,
      reason: 'old-unknown-writer',
    });
  });
});

describe('isProcessAlive', () => {
  it('knows this process, and a PID beyond the kernel limit is no process', () => {
    assert.equal(isProcessAlive(process.pid), true);
    assert.equal(isProcessAlive(0x7ffffffe), false);
  });
});

describe('createTempSweep', () => {
  const dir = mkdtempSync(join(tmpdir(), 's3ferry-sweep-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const make = (name: string): string => {
    const path = join(dir, name);
    writeFileSync(path, 'partial');
    return path;
  };
  const context = {
    processStartedMs: PROCESS_STARTED,
    self: SELF,
    isProcessAlive: isAlive,
  };

  it('removes stale files, keeps live ones, and counts a file met twice once', async () => {
    const stale = make(nameBy(200));
    const live = make(nameBy(100));
    const sweep = createTempSweep({ runStartedMs: RUN_STARTED, shouldRemove: true, context });
    sweep.onTempFile(stale, RUN_STARTED - 1_000);
    sweep.onTempFile(stale, RUN_STARTED - 1_000);
    sweep.onTempFile(live, RUN_STARTED - 1_000);
    const summary = await sweep.finish();
    assert.deepEqual(summary, {
      stale: 1,
      removed: 1,
      removeFailed: 0,
      inUse: 1,
      stalePaths: [stale],
      isPathListTruncated: false,
    });
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(live), true);
  });

  it('only counts when it must not remove (dry run, check)', async () => {
    const stale = make(nameBy(201));
    const sweep = createTempSweep({ runStartedMs: RUN_STARTED, shouldRemove: false, context });
    sweep.onTempFile(stale, RUN_STARTED - 1_000);
    const summary = await sweep.finish();
    assert.equal(summary?.stale, 1);
    assert.equal(summary.removed, 0);
    assert.equal(existsSync(stale), true);
  });

  it('says nothing when no temp file was met', async () => {
    const sweep = createTempSweep({ runStartedMs: RUN_STARTED, shouldRemove: true, context });
    assert.equal(await sweep.finish(), undefined);
  });
});
