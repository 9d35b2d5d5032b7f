import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkpointOverhead,
  cpuPerObject,
  distributedOverhead,
  evaluateFloorTargets,
  evaluateTargets,
  renderCheckpointOverhead,
  renderCpuPerObject,
  renderDistributedOverhead,
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

describe('bench floor targets (issue 13)', () => {
  it("compares s3ferry's CPU per object with the node:http floor's and rclone's", () => {
    const withFloor = [
      ...records,
      // 0.8 ms of CPU per object: s3ferry's 1.1 ms is 1.375× it (≤ 1.5).
      rec({ tool: 'floor', run: 1, wallMs: 900, cpuSeconds: 0.8, requests: { total: 1000 } }),
      rec({ workload: 'C', tool: 's3ferry', run: 1, wallMs: 3000, cpuSeconds: 3 }),
      rec({ workload: 'C', tool: 'floor', run: 1, wallMs: 2000, cpuSeconds: 1 }),
      rec({ workload: 'C', tool: 'rclone', run: 1, wallMs: 3300, cpuSeconds: 2.5 }),
    ];
    const targets = evaluateFloorTargets(tabulate(withFloor));
    const byName = new Map(targets.map((t) => [t.target, t]));
    assert.equal(
      byName.get("A fresh: client CPU per object ≤ 1.5 × the node:http floor's")?.status,
      'met',
    );
    assert.match(
      byName.get("A fresh: client CPU per object ≤ 1.5 × the node:http floor's")?.detail ?? '',
      /1\.10 ms vs 0\.800 ms: 1\.38×/,
    );
    // C: 3 ms against the floor's 1 ms per object.
    assert.equal(
      byName.get("C fresh: client CPU per object ≤ 1.5 × the node:http floor's")?.status,
      'not met',
    );
    assert.equal(byName.get("C fresh: client CPU ≤ 1.3 × rclone's")?.status, 'met');
    assert.equal(byName.get("C fresh: wall ≤ 1 × rclone's")?.status, 'met');
    // s3ferry's 1.1 s of CPU against rclone's 0.5 s on A.
    assert.equal(byName.get("A fresh: client CPU ≤ 1 × rclone's")?.status, 'not met');
    assert.match(
      byName.get("A fresh: client CPU ≤ 1 × rclone's")?.detail ?? '',
      /1\.10 ms per object vs 0\.500 ms per object: 2\.20× rclone's/,
    );
    assert.equal(byName.get("E no-op: wall ≤ 0.7 × s3-sync-client's")?.status, 'n/a');
    assert.equal(byName.get("D fresh: throughput ≥ 0.9 × the node:http floor's")?.status, 'n/a');
    assert.equal(byName.get('D fresh: peak RSS ≤ 300 MB')?.status, 'n/a');
    // One per-step floor target for each step with a floor row (A fresh, C fresh), then the rest.
    assert.equal(targets.filter((t) => t.target.includes('node:http floor')).length, 3);
  });

  it('judges D against the floor: throughput from the walls, and peak RSS', () => {
    const d = (tool: 's3ferry' | 'floor', wallMs: number, peakRssBytes: number) =>
      rec({ workload: 'D', tool, run: 1, wallMs, cpuSeconds: 1, peakRssBytes, objects: 4 });
    const byName = (list: RunRecord[]) =>
      new Map(evaluateFloorTargets(tabulate(list)).map((t) => [t.target, t]));
    // The floor took 9 s, s3ferry 10 s: 0.90× the floor's throughput; 250 MiB < 300 MB.
    const met = byName([d('s3ferry', 10_000, 250 * 1024 ** 2), d('floor', 9_000, 50e6)]);
    assert.equal(met.get("D fresh: throughput ≥ 0.9 × the node:http floor's")?.status, 'met');
    assert.equal(met.get('D fresh: peak RSS ≤ 300 MB')?.status, 'met');
    const missed = byName([d('s3ferry', 12_000, 301e6), d('floor', 9_000, 50e6)]);
    assert.equal(
      missed.get("D fresh: throughput ≥ 0.9 × the node:http floor's")?.status,
      'not met',
    );
    assert.equal(missed.get('D fresh: peak RSS ≤ 300 MB')?.status, 'not met');
  });

  it("gives every tool's CPU per object by step, and s3ferry's as multiples", () => {
    const list = [
      ...records,
      rec({ tool: 'floor', run: 1, wallMs: 900, cpuSeconds: 0.8 }),
      rec({ step: 'no-op', tool: 's3ferry', run: 1, wallMs: 500, cpuSeconds: 0.2 }),
      rec({ step: 'no-op', tool: 'floor', run: 1, wallMs: 100, cpuSeconds: 0.05 }),
      rec({ step: 'no-op', tool: 'rclone', run: 1, status: 'failed', note: 'exit 1' }),
      rec({ tool: 's3ferry+ckpt', run: 1, wallMs: 1000, cpuSeconds: 1.3 }),
      rec({ workload: 'C', tool: 's3ferry', run: 1, wallMs: 1000, cpuSeconds: 9 }),
    ];
    const table = cpuPerObject(tabulate(list), 'A');
    // The s3ferry variants stay out (they have tables of their own); a failed or skipped tool
    // keeps its column, empty.
    assert.deepEqual(table.tools, [
      's3ferry',
      'rclone',
      'aws',
      's3-sync-client',
      'ceiling',
      'floor',
    ]);
    assert.deepEqual(
      table.rows.map((r) => r.step),
      ['fresh', 'no-op'],
    );
    const [fresh, noop] = table.rows;
    assert.deepEqual(fresh!.msPerObject, { s3ferry: 1.1, rclone: 0.5, floor: 0.8 });
    assert.equal(fresh!.vsFloor, 1.1 / 0.8);
    assert.equal(fresh!.vsRclone, 1.1 / 0.5);
    assert.equal(noop!.vsFloor, 4);
    assert.equal(noop!.vsRclone, undefined);
    const md = renderCpuPerObject(table).split('\n');
    assert.equal(
      md[0],
      '| step | s3ferry | rclone | aws | s3-sync-client | SDK ceiling | node:http floor | s3ferry ÷ floor | s3ferry ÷ rclone |',
    );
    assert.equal(md[1], '| --- | --: | --: | --: | --: | --: | --: | --: | --: |');
    assert.equal(md[2], '| fresh | 1.10 | 0.500 | – | – | – | 0.800 | 1.38× | 2.20× |');
    assert.equal(md[3], '| no-op | 0.200 | – | – | – | – | 0.050 | 4.00× | – |');
    assert.deepEqual(cpuPerObject(tabulate(list), 'B'), { tools: [], rows: [] });
    // Without rclone (or the floor) in the run, its multiple is left out rather than shown empty.
    const alone = renderCpuPerObject(
      cpuPerObject(tabulate(list.filter((r) => r.tool !== 'rclone')), 'A'),
    ).split('\n');
    assert.equal(
      alone[0],
      '| step | s3ferry | aws | s3-sync-client | SDK ceiling | node:http floor | s3ferry ÷ floor |',
    );
    assert.equal(alone[2], '| fresh | 1.10 | – | – | – | 0.800 | 1.38× |');
  });
});

describe('bench checkpoint overhead', () => {
  const ckpt = (
    step: string,
    run: number,
    plain: number,
    withCkpt: number,
    extra: Partial<RunRecord> = {},
  ): RunRecord[] => [
    rec({ tool: 's3ferry', step, run, wallMs: plain, cpuSeconds: plain / 2000 }),
    rec({
      tool: 's3ferry+ckpt',
      step,
      run,
      wallMs: withCkpt,
      cpuSeconds: withCkpt / 2000,
      checkpointBytes: 3000 + run,
      ...extra,
    }),
  ];
  const overheadRecords: RunRecord[] = [
    // fresh: with ÷ without 1.02, 1.10, 0.99 by run; medians 1,045 ms ÷ 1,000 ms.
    ...ckpt('fresh', 1, 1000, 1020),
    ...ckpt('no-op', 1, 500, 560),
    ...ckpt('fresh', 2, 950, 1045),
    ...ckpt('no-op', 2, 500, 540),
    ...ckpt('fresh', 3, 1100, 1089),
    ...ckpt('no-op', 3, 520, 530, { status: 'failed', note: 'not a first pass: pass 2' }),
    rec({ tool: 'rclone', run: 1, wallMs: 5000 }),
    rec({ tool: 's3ferry+ckpt', workload: 'C', run: 1, wallMs: 1 }),
  ];

  it('compares medians with and without, and pairs the runs', () => {
    const [fresh, noop] = checkpointOverhead(overheadRecords, 'A');
    assert.ok(fresh !== undefined && noop !== undefined);
    assert.equal(fresh.step, 'fresh');
    assert.equal(fresh.runsWithout, 3);
    assert.equal(fresh.runsWith, 3);
    assert.deepEqual(fresh.wallWithout, { median: 1, min: 0.95, max: 1.1, n: 3 });
    assert.deepEqual(fresh.wallWith, { median: 1.045, min: 1.02, max: 1.089, n: 3 });
    assert.equal(fresh.wallRatio!.toFixed(3), '1.045');
    assert.equal(fresh.cpuRatio!.toFixed(3), '1.045');
    assert.equal(fresh.wallRatioByRun!.median.toFixed(2), '1.02');
    assert.equal(fresh.wallRatioByRun!.min.toFixed(2), '0.99');
    assert.equal(fresh.wallRatioByRun!.max.toFixed(2), '1.10');
    assert.deepEqual(fresh.checkpointBytes, { median: 3002, min: 3001, max: 3003, n: 3 });
    assert.equal(fresh.failure, undefined);
    // The failed run counts in neither the medians nor the pairs, and is named.
    assert.equal(noop.runsWith, 2);
    assert.equal(noop.wallRatioByRun!.n, 2);
    assert.equal(noop.failure, 's3ferry+ckpt: not a first pass: pass 2');
  });

  it('has no rows without a checkpoint variant, and no ratio without plain s3ferry', () => {
    assert.deepEqual(checkpointOverhead(records, 'A'), []);
    const [c] = checkpointOverhead(overheadRecords, 'C');
    assert.equal(c!.runsWithout, 0);
    assert.equal(c!.wallRatio, undefined);
    assert.equal(c!.wallRatioByRun, undefined);
  });

  it('renders the ratios, the file size and the 5 % verdict', () => {
    const md = renderCheckpointOverhead(checkpointOverhead(overheadRecords, 'A'));
    const [head, , fresh, noop] = md.split('\n');
    assert.match(head!, /\| wall within 5 % \|$/);
    assert.equal(
      fresh,
      '| fresh | 3 / 3 | 1.00 (0.95–1.10) | 1.05 (1.02–1.09) | 1.04× | 1.02× (0.99×–1.10×) | ' +
        '0.500 (0.475–0.550) | 0.523 (0.510–0.545) | 1.04× | 2.93 KiB | yes |',
    );
    // no-op: medians 550 ms (two runs) against 500 ms = 1.10×: over the limit.
    assert.match(
      noop!,
      /^\| no-op \(failed: s3ferry\+ckpt: not a first pass: pass 2\) \| 3 \/ 2 \|/,
    );
    assert.match(noop!, /\| 1\.10× \| 1\.10× \(1\.08×–1\.12×\) \| .* \| no \|$/);
    const none = renderCheckpointOverhead(checkpointOverhead(overheadRecords, 'C'));
    assert.match(none.split('\n')[2]!, /\| – \|$/);
  });
});

describe('bench distributed overhead', () => {
  const step = (
    name: string,
    run: number,
    local: number,
    queue1: number,
    queue3: number,
    extra: Partial<RunRecord> = {},
  ): RunRecord[] => [
    rec({ tool: 's3ferry', workload: 'C', step: name, run, wallMs: local, cpuSeconds: 2 }),
    rec({
      tool: 's3ferry+queue1',
      workload: 'C',
      step: name,
      run,
      wallMs: queue1,
      cpuSeconds: 2.4,
      workerCpuSeconds: 2,
      redisCpuSeconds: 0.02,
      ranges: 1,
      workersUsed: 1,
    }),
    rec({
      tool: 's3ferry+queue3',
      workload: 'C',
      step: name,
      run,
      wallMs: queue3,
      cpuSeconds: 3,
      workerCpuSeconds: 2.5,
      ranges: 4,
      workersUsed: run === 1 ? 2 : 3,
      busiestWorkerShare: run === 1 ? 0.995 : 0.5,
      ...extra,
    }),
  ];
  const distRecords: RunRecord[] = [
    // fresh: local 10, 11, 12 s; queue1 11, 12.1, 14.4 s (by run 1.10×, 1.10×, 1.20×).
    ...step('fresh', 1, 10_000, 11_000, 13_000),
    ...step('no-op', 1, 1_000, 2_000, 2_500),
    ...step('fresh', 2, 11_000, 12_100, 14_000),
    ...step('no-op', 2, 1_000, 2_000, 2_500),
    ...step('fresh', 3, 12_000, 14_400, 15_000),
    ...step('no-op', 3, 1_000, 2_000, 2_500, { status: 'failed', note: 'pass 2, 3 of 4 ranges' }),
    rec({ tool: 's3ferry+ckpt', workload: 'C', run: 1, wallMs: 10_500 }),
    rec({ tool: 'rclone', workload: 'C', run: 1, wallMs: 20_000 }),
  ];

  it('compares each variant with local s3ferry, per step, with the runs paired', () => {
    const rows = distributedOverhead(distRecords, 'C');
    assert.deepEqual(
      rows.map((r) => `${r.step} ${r.tool}`),
      [
        'fresh s3ferry',
        'fresh s3ferry+queue1',
        'fresh s3ferry+queue3',
        'no-op s3ferry',
        'no-op s3ferry+queue1',
        'no-op s3ferry+queue3',
      ],
    );
    const [local, q1, q3] = rows;
    assert.deepEqual(local!.wall, { median: 11, min: 10, max: 12, n: 3 });
    assert.equal(local!.wallRatio, undefined);
    assert.equal(q1!.wallRatio!.toFixed(3), '1.100');
    assert.equal(q1!.cpuRatio!.toFixed(2), '1.20');
    assert.equal(q1!.wallRatioByRun!.median.toFixed(2), '1.10');
    assert.equal(q1!.wallRatioByRun!.max.toFixed(2), '1.20');
    assert.equal(q1!.workerCpu!.median, 2);
    assert.equal(q3!.wallRatio!.toFixed(3), (14 / 11).toFixed(3));
    assert.deepEqual(q3!.workersUsed, { median: 3, min: 2, max: 3, n: 3 });
    // The failed run counts in no median and is named.
    const noop3 = rows[5]!;
    assert.equal(noop3.runs, 2);
    assert.equal(noop3.failure, 'pass 2, 3 of 4 ranges');
    assert.equal(rows[4]!.wallRatio, 2);
  });

  it('has no rows without a distributed variant, and no ratio without local s3ferry', () => {
    assert.deepEqual(distributedOverhead(records, 'A'), []);
    assert.deepEqual(distributedOverhead(distRecords, 'A'), []);
    const alone = distributedOverhead(
      distRecords.filter((r) => r.tool !== 's3ferry'),
      'C',
    );
    assert.equal(alone.length, 4);
    assert.equal(alone[0]!.tool, 's3ferry+queue1');
    assert.equal(alone[0]!.wallRatio, undefined);
    assert.equal(alone[0]!.wallRatioByRun, undefined);
  });

  it('renders the ratios, the workers used and the 15 % verdict for one worker only', () => {
    const md = renderDistributedOverhead(distributedOverhead(distRecords, 'C'));
    const [head, , local, q1, q3, , noop1] = md.split('\n');
    assert.match(head!, /\| 1 worker: wall within 15 % \|$/);
    assert.equal(
      local,
      '| fresh | local (s3ferry) | 3 | 11.0 (10.0–12.0) | – | – | 2.00 | – | – | – | – | – | – | – |',
    );
    assert.equal(
      q1,
      '| fresh | s3ferry+queue1 | 3 | 12.1 (11.0–14.4) | 1.10× | 1.10× (1.10×–1.20×) | 2.40 | 2.00 | 1.20× | 0.020 | 1 | 1 | – | yes |',
    );
    assert.match(
      q3!,
      /^\| fresh \| s3ferry\+queue3 \| 3 \| .* \| 1\.27× \| .* \| – \| 4 \| 3 \(2–3\) \| 50 % \(50 %–100 %\) \| – \|$/,
    );
    // no-op: 2 s against 1 s: twice the wall, over the limit.
    assert.match(noop1!, /\| 2\.00× \| 2\.00× \| .* \| no \|$/);
    assert.match(md, /\| no-op \| s3ferry\+queue3 \(failed: pass 2, 3 of 4 ranges\) \| 2 \|/);
  });
});
