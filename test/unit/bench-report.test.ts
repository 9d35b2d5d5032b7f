import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  evaluateTargets,
  renderTable,
  requestsText,
  tabulate,
  type RunRecord,
} from '../../scripts/bench/report.ts';

function rec(partial: Partial<RunRecord> & Pick<RunRecord, 'tool' | 'run'>): RunRecord {
  return {
    workload: 'A',
    step: 'fresh',
    status: 'ok',
    objects: 1000,
    bytes: 1000 * 1024,
    ...partial,
  };
}

const records: RunRecord[] = [
  rec({ tool: 's3ferry', run: 1, wallMs: 1000, cpuSeconds: 1, peakRssBytes: 100 * 1024 ** 2 }),
  rec({ tool: 's3ferry', run: 2, wallMs: 1200, cpuSeconds: 1.2, peakRssBytes: 110 * 1024 ** 2 }),
  rec({ tool: 's3ferry', run: 3, wallMs: 1100, cpuSeconds: 1.1, peakRssBytes: 90 * 1024 ** 2 }),
  rec({ tool: 'rclone', run: 1, wallMs: 2000, cpuSeconds: 0.5, peakRssBytes: 50 * 1024 ** 2 }),
  rec({ tool: 'ceiling', run: 1, wallMs: 1000, requests: { total: 1000 } }),
  rec({ tool: 's3-sync-client', run: 1, status: 'skipped', note: 'not possible' }),
  rec({ tool: 'aws', run: 1, status: 'failed', note: 'exit 1: boom' }),
];

describe('bench report', () => {
  it('summarises each tool of a step with medians and ranges, in a fixed tool order', () => {
    const [table] = tabulate(records);
    assert.ok(table !== undefined);
    assert.deepEqual(
      table.rows.map((r) => r.tool),
      ['s3ferry', 'rclone', 'aws', 's3-sync-client', 'ceiling'],
    );
    const s3ferry = table.rows[0]!;
    assert.deepEqual(s3ferry.wallS, { median: 1.1, min: 1, max: 1.2, n: 3 });
    assert.equal(Math.round(s3ferry.objPerS!.median), 909);
    assert.equal(s3ferry.cpuMsPerObject!.median, 1.1);
    assert.equal(table.rows[2]!.failure, 'exit 1: boom');
    assert.equal(table.rows[3]!.skipped, 'not possible');
  });

  it('renders ratios against the ceiling and against each peer', () => {
    const [table] = tabulate(records);
    const md = renderTable(table!);
    const line = (tool: string) => md.split('\n').find((l) => l.startsWith(`| ${tool}`)) ?? '';
    // s3ferry: 1.1 s against the ceiling's 1.0 s → 0.91× of the ceiling.
    assert.match(line('s3ferry'), /\| 0\.91× \|/);
    // rclone: 2.0 s; s3ferry's 1.1 s is 0.55× of it.
    assert.match(line('rclone'), /\| 0\.50× \| 0\.55× \|/);
    assert.match(line('aws'), /failed: exit 1: boom/);
    assert.match(line('s3-sync-client'), /not possible/);
  });

  it('names requests by operation and shows the RGW counters', () => {
    const text = requestsText(
      rec({
        tool: 'rclone',
        run: 1,
        requests: { ListObjectsV2: 2, CopyObject: 1000 },
        rgw: { req: 2002, failed: 0, get: 1000, getBytes: 0, put: 0, putBytes: 0 },
      }),
    );
    assert.equal(text, 'CopyObject 1,000, ListObjectsV2 2; RGW: 2,002 req (GET/HEAD 1,000, PUT 0)');
    assert.equal(requestsText(rec({ tool: 'aws', run: 1 })), 'n/a');
  });

  it('evaluates the targets it has data for and marks the rest n/a', () => {
    const targets = evaluateTargets(tabulate(records), {
      rssBytes: { median: 150e6, min: 150e6, max: 150e6, n: 1 },
    });
    const status = Object.fromEntries(targets.map((t) => [t.target, t.status]));
    assert.equal(status['A fresh: ≥ 0.95 of the raw CopyObject ceiling'], 'not met');
    assert.equal(
      status['A fresh: faster than rclone --transfers 32 --checkers 32 --fast-list'],
      'met',
    );
    assert.equal(status['A no-op: wall ≤ 0.7 × s3-sync-client'], 'n/a');
    assert.equal(status['F: peak RSS ≤ 200 MB'], 'met');
    // 1.1 ms of CPU per object against rclone's 0.5 ms.
    assert.equal(status["A: client CPU per copied object ≤ rclone's"], 'not met');
    assert.equal(status['D: peak RSS ≤ 300 MB'], 'n/a');
  });
});
