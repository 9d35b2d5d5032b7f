// Unit: the bench's runMeasured stops a tool that outlives its step's timeout — the tool itself,
// not only GNU time in front of it. Killing GNU time alone left the tool running with the pipes
// open, and a full bench waited on a stalled rclone for ever (workload G, 2026-12-06).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { faultStepTimeoutMs } from '../../scripts/bench/faults.ts';
import { runMeasured } from '../../scripts/bench/measure.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

/** Whether `pid` still runs: it exists and is not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Waits up to `ms` for `pid` to end: a SIGKILLed process dies when it is next scheduled. */
async function endsWithin(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isRunning(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('runMeasured: a step timeout', () => {
  it(
    'kills the tool and its children, and the run ends (exit 137)',
    { timeout: 30_000 },
    async () => {
      const pidFile = join(tempRoot('bench-measure').root, 'pid');
      // A tool that starts a child of its own and waits on it, as rclone's threads wait on a stall.
      const m = await runMeasured('sh', ['-c', `sleep 60 & echo $! > ${pidFile}; wait`], {
        env: process.env,
        // Long enough for a loaded machine to start sh and write the pid; far below the 60 s.
        timeoutMs: 3_000,
      });
      assert.equal(m.exitCode, 137);
      const sleeper = Number(readFileSync(pidFile, 'utf8').trim());
      assert.ok(sleeper > 0, 'the tool wrote its child pid');
      assert.equal(await endsWithin(sleeper, 5_000), true, 'the tool’s child was killed with it');
    },
  );
});

describe("G's step timeout", () => {
  it('bounds a stalled peer by minutes at the smoke scale, and keeps 20 at full scale', () => {
    assert.equal(faultStepTimeoutMs(0.01), 3 * 60_000);
    assert.equal(faultStepTimeoutMs(0.5), 10 * 60_000);
    assert.equal(faultStepTimeoutMs(1), 20 * 60_000);
    assert.equal(faultStepTimeoutMs(10), 20 * 60_000);
  });
});
