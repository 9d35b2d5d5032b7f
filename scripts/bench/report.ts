// Turning run records into docs/benchmarks.md: per-step tables (median and min–max over runs),
// ratios against each peer and against the raw ceiling, and the issue 5 §4 targets. Pure.
import type { RgwCounters } from './measure.ts';
import type { RunnerName } from './peers.ts';
import {
  autoDecimals,
  fmt,
  fmtBytes,
  fmtMiB,
  fmtRatio,
  fmtSpread,
  perSecond,
  ratio,
  spread,
  type Spread,
} from './stats.ts';
import type { WorkloadId } from './workloads.ts';

/** One measured (or skipped) step of one tool in one run. */
export type RunRecord = {
  workload: WorkloadId;
  /** Step label, unique within the workload (`fresh`, `no-op`, `CopyObject`, …). */
  step: string;
  tool: RunnerName;
  run: number;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  note?: string;
  wallMs?: number;
  cpuSeconds?: number;
  peakRssBytes?: number;
  /** Objects the step covers (copied, or checked by a no-op). */
  objects: number;
  /** Bytes moved (0 for a no-op). */
  bytes: number;
  /** Requests by operation: s3ferry's report, or the ceiling's own count (`total`). */
  requests?: Record<string, number>;
  /** RGW counter deltas over the run, when the admin sockets could be read. */
  rgw?: RgwCounters;
  /** ceiling/floor: the part of `cpuSeconds` spent before the first request (start-up, module load). */
  startupCpuSeconds?: number;
  /** s3ferry+ckpt: size of the checkpoint file after the run. */
  checkpointBytes?: number;
  /** s3ferry+queue1/3: the workers' part of `cpuSeconds` (the rest is the coordinator's). */
  workerCpuSeconds?: number;
  /** s3ferry+queue1/3: redis-server's CPU over the step (not in `cpuSeconds`). */
  redisCpuSeconds?: number;
  /** s3ferry+queue1/3: workers that ran at least one range of the job. */
  workersUsed?: number;
  /** s3ferry+queue1/3: the busiest worker's share of the keys settled (copied + skipped). */
  busiestWorkerShare?: number;
  /** s3ferry+queue1/3: ranges of the job (split ones included). */
  ranges?: number;
};

/** One tool's row of a step table. */
export type Row = {
  tool: RunnerName;
  runs: number;
  failed: number;
  skipped?: string;
  failure?: string;
  wallS?: Spread;
  objPerS?: Spread;
  mbPerS?: Spread;
  cpuS?: Spread;
  cpuMsPerObject?: Spread;
  rssBytes?: Spread;
  requests?: string;
};

export type StepTable = { workload: WorkloadId; step: string; rows: Row[] };

const ORDER: RunnerName[] = [
  's3ferry',
  's3ferry+ckpt',
  's3ferry+queue1',
  's3ferry+queue3',
  'rclone',
  'aws',
  's3-sync-client',
  'ceiling',
  'floor',
];

/** Groups records by workload and step (first-seen order) and summarises each tool. */
export function tabulate(records: readonly RunRecord[]): StepTable[] {
  const tables: StepTable[] = [];
  const byStep = new Map<string, RunRecord[]>();
  for (const r of records) {
    const id = `${r.workload}\u0000${r.step}`;
    let list = byStep.get(id);
    if (list === undefined) {
      list = [];
      byStep.set(id, list);
      tables.push({ workload: r.workload, step: r.step, rows: [] });
    }
    list.push(r);
  }
  for (const table of tables) {
    const list = byStep.get(`${table.workload}\u0000${table.step}`) ?? [];
    const tools = ORDER.filter((t) => list.some((r) => r.tool === t));
    table.rows = tools.map((tool) =>
      summarise(
        tool,
        list.filter((r) => r.tool === tool),
      ),
    );
  }
  return tables;
}

function summarise(tool: RunnerName, list: RunRecord[]): Row {
  const ok = list.filter((r) => r.status === 'ok' && r.wallMs !== undefined);
  const skipped = list.find((r) => r.status === 'skipped');
  const failed = list.filter((r) => r.status === 'failed');
  const row: Row = { tool, runs: ok.length, failed: failed.length };
  if (skipped !== undefined && ok.length === 0) row.skipped = skipped.note ?? 'skipped';
  if (failed[0] !== undefined) row.failure = failed[0].note ?? 'failed';
  if (ok.length === 0) return row;
  const values = (f: (r: RunRecord) => number | undefined): number[] =>
    ok.map(f).filter((v): v is number => v !== undefined);
  row.wallS = spread(values((r) => r.wallMs! / 1000));
  row.objPerS = spread(values((r) => perSecond(r.objects, r.wallMs!)));
  if (ok.some((r) => r.bytes > 0)) {
    row.mbPerS = spread(values((r) => perSecond(r.bytes / 1e6, r.wallMs!)));
  }
  row.cpuS = spread(values((r) => r.cpuSeconds));
  row.cpuMsPerObject = spread(
    values((r) =>
      r.cpuSeconds === undefined || r.objects === 0 ? undefined : (r.cpuSeconds * 1000) / r.objects,
    ),
  );
  row.rssBytes = spread(values((r) => r.peakRssBytes));
  row.requests = requestsText(ok[ok.length - 1]!);
  return row;
}

/** Requests of one run: by operation when the tool reports them, else RGW's counters. */
export function requestsText(r: RunRecord): string {
  const parts: string[] = [];
  if (r.requests !== undefined) {
    const entries = Object.entries(r.requests).sort(([a], [b]) => a.localeCompare(b));
    parts.push(entries.map(([op, n]) => `${op} ${fmt(n)}`).join(', '));
  }
  if (r.rgw !== undefined) {
    const g = r.rgw;
    parts.push(
      `RGW: ${fmt(g.req)} req (GET/HEAD ${fmt(g.get)}, PUT ${fmt(g.put)}` +
        (g.getBytes + g.putBytes > 0
          ? `; ${fmtMiB(g.getBytes)} MiB read, ${fmtMiB(g.putBytes)} MiB written`
          : '') +
        (g.failed > 0 ? `; ${fmt(g.failed)} failed` : '') +
        ')',
    );
  }
  return parts.length === 0 ? 'n/a' : parts.join('; ');
}

/** A row by tool. */
export function rowOf(table: StepTable | undefined, tool: RunnerName): Row | undefined {
  return table?.rows.find((r) => r.tool === tool && r.wallS !== undefined);
}

/** Fraction of the ceiling's speed: ceiling wall ÷ tool wall (medians). */
export function ofCeiling(table: StepTable, row: Row): number | undefined {
  return ratio(rowOf(table, 'ceiling')?.wallS?.median, row.wallS?.median);
}

/** Renders one step table as Markdown. */
export function renderTable(table: StepTable): string {
  const s3ferry = rowOf(table, 's3ferry');
  const head =
    '| tool | wall s | obj/s | MB/s | CPU s | CPU ms/obj | peak RSS MiB | of ceiling | s3ferry wall ÷ tool wall | requests (last run) |\n' +
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |';
  const lines = table.rows.map((row) => {
    if (row.wallS === undefined) {
      const why = row.skipped ?? (row.failure !== undefined ? `failed: ${row.failure}` : 'no run');
      return `| ${row.tool} | ${escapeCell(why)} | | | | | | | | |`;
    }
    const rss = row.rssBytes;
    const rssText =
      rss === undefined
        ? '–'
        : fmtSpread(
            {
              median: rss.median / 1024 ** 2,
              min: rss.min / 1024 ** 2,
              max: rss.max / 1024 ** 2,
              n: rss.n,
            },
            0,
          );
    const vsPeer =
      row.tool === 's3ferry' || row.tool === 'ceiling' || s3ferry === undefined
        ? ''
        : fmtRatio(ratio(s3ferry.wallS?.median, row.wallS.median));
    const failed = row.failed > 0 ? ` (${row.failed} failed)` : '';
    return (
      `| ${row.tool}${failed} | ${fmtSpread(row.wallS)} | ${fmtSpread(row.objPerS, 0)} | ` +
      `${row.mbPerS === undefined ? '–' : fmtSpread(row.mbPerS)} | ${fmtSpread(row.cpuS)} | ` +
      `${fmtSpread(row.cpuMsPerObject)} | ${rssText} | ` +
      `${row.tool === 'ceiling' ? '1.00×' : fmtRatio(ofCeiling(table, row))} | ${vsPeer} | ` +
      `${escapeCell(row.requests ?? 'n/a')} |`
    );
  });
  return [head, ...lines].join('\n');
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export type TargetStatus = 'met' | 'not met' | 'n/a';
export type TargetResult = { target: string; status: TargetStatus; detail: string };

/** Planner (F) figures, measured outside the step tables. */
export type PlannerFigures = { keysPerS?: Spread; rssBytes?: Spread };

function verdict(ok: boolean | undefined, detail: string): Omit<TargetResult, 'target'> {
  return ok === undefined ? { status: 'n/a', detail } : { status: ok ? 'met' : 'not met', detail };
}

const mib = (b: number | undefined): string => (b === undefined ? '–' : `${fmtMiB(b)} MiB`);

/** Evaluates issue 5 §4 against medians of this run. */
export function evaluateTargets(
  tables: readonly StepTable[],
  planner: PlannerFigures | undefined,
): TargetResult[] {
  const find = (w: WorkloadId, step: string) =>
    tables.find((t) => t.workload === w && t.step === step);
  const aFresh = find('A', 'fresh');
  const aNoop = find('A', 'no-op');
  const cFresh = find('C', 'fresh');
  const dFresh = find('D', 'fresh');
  const eNoop = find('E', 'no-op');
  const wall = (t: StepTable | undefined, tool: RunnerName) => rowOf(t, tool)?.wallS?.median;
  const out: TargetResult[] = [];
  const add = (target: string, r: Omit<TargetResult, 'target'>) => out.push({ target, ...r });

  {
    const s = rowOf(aFresh, 's3ferry');
    const f = aFresh !== undefined && s !== undefined ? ofCeiling(aFresh, s) : undefined;
    add(
      'A fresh: ≥ 0.95 of the raw CopyObject ceiling',
      verdict(f === undefined ? undefined : f >= 0.95, `${fmtRatio(f)} of the ceiling`),
    );
    const r = ratio(wall(aFresh, 's3ferry'), wall(aFresh, 'rclone'));
    add(
      'A fresh: faster than rclone --transfers 32 --checkers 32 --fast-list',
      verdict(r === undefined ? undefined : r < 1, `s3ferry wall = ${fmtRatio(r)} rclone's`),
    );
  }
  {
    const r = ratio(wall(aNoop, 's3ferry'), wall(aNoop, 's3-sync-client'));
    add(
      'A no-op: wall ≤ 0.7 × s3-sync-client',
      verdict(r === undefined ? undefined : r <= 0.7, `${fmtRatio(r)} s3-sync-client's wall`),
    );
  }
  {
    const r = ratio(wall(cFresh, 's3ferry'), wall(cFresh, 'rclone'));
    add(
      'C fresh: wall ≤ 0.85 × tuned rclone',
      verdict(r === undefined ? undefined : r <= 0.85, `${fmtRatio(r)} rclone's wall`),
    );
    const s = rowOf(cFresh, 's3ferry');
    const f = cFresh !== undefined && s !== undefined ? ofCeiling(cFresh, s) : undefined;
    add(
      'C fresh: ≥ 0.9 of the raw GET→PUT ceiling',
      verdict(f === undefined ? undefined : f >= 0.9, `${fmtRatio(f)} of the ceiling`),
    );
  }
  {
    const s = rowOf(dFresh, 's3ferry');
    const f = dFresh !== undefined && s !== undefined ? ofCeiling(dFresh, s) : undefined;
    add(
      'D: throughput ≥ 0.9 of the raw ceiling',
      verdict(f === undefined ? undefined : f >= 0.9, `${fmtRatio(f)} of the ceiling`),
    );
    const rss = s?.rssBytes?.median;
    add(
      'D: peak RSS ≤ 300 MB',
      verdict(rss === undefined ? undefined : rss <= 300e6, `${mib(rss)} (300 MB = 286 MiB)`),
    );
  }
  {
    const e = rowOf(eNoop, 's3ferry')?.rssBytes?.median;
    const a = rowOf(aNoop, 's3ferry')?.rssBytes?.median;
    const r = ratio(e, a);
    add(
      "E: peak RSS ≤ 1.2 × A no-op's",
      verdict(r === undefined ? undefined : r <= 1.2, `${mib(e)} vs ${mib(a)}: ${fmtRatio(r)}`),
    );
    // s3ferry lists both sides; the ceiling lists both sides at once, each serially.
    const s = rowOf(eNoop, 's3ferry');
    const f = eNoop !== undefined && s !== undefined ? ofCeiling(eNoop, s) : undefined;
    add(
      'E: listing faster than serial',
      verdict(
        f === undefined ? undefined : f > 1,
        `whole no-op = ${fmtRatio(f)} the speed of a raw serial ListObjectsV2 of both sides`,
      ),
    );
  }
  {
    const rss = planner?.rssBytes?.median;
    add(
      'F: peak RSS ≤ 200 MB',
      verdict(
        rss === undefined ? undefined : rss <= 200e6,
        `${mib(rss)}, ${fmtSpread(planner?.keysPerS, 0)} keys/s`,
      ),
    );
  }
  {
    const s = rowOf(aFresh, 's3ferry')?.cpuMsPerObject?.median;
    const r = rowOf(aFresh, 'rclone')?.cpuMsPerObject?.median;
    add(
      "A: client CPU per copied object ≤ rclone's",
      verdict(
        s === undefined || r === undefined ? undefined : s <= r,
        `${fmt(s, 3)} ms vs ${fmt(r, 3)} ms`,
      ),
    );
  }
  return out;
}

/** Issue 13: s3ferry's client CPU per object within this multiple of the floor's, every step. */
export const FLOOR_CPU_LIMIT = 1.5;

/**
 * Issue 13's targets: client CPU per object against the node:http floor (every step) and against
 * rclone, walls against rclone and s3-sync-client, D's throughput against the floor and its
 * peak RSS.
 */
export function evaluateFloorTargets(tables: readonly StepTable[]): TargetResult[] {
  const out: TargetResult[] = [];
  const add = (target: string, r: Omit<TargetResult, 'target'>) => out.push({ target, ...r });
  const cpu = (t: StepTable | undefined, tool: RunnerName) =>
    rowOf(t, tool)?.cpuMsPerObject?.median;
  const wall = (t: StepTable | undefined, tool: RunnerName) => rowOf(t, tool)?.wallS?.median;
  const find = (w: WorkloadId, step: string) =>
    tables.find((t) => t.workload === w && t.step === step);
  const ms = (v: number | undefined) => fmt(v, v === undefined ? 0 : autoDecimals(v));
  for (const table of tables) {
    // Steps the floor has no loop for (F, the planner alone) have no floor row.
    if (!table.rows.some((r) => r.tool === 'floor')) continue;
    const s = cpu(table, 's3ferry');
    const f = cpu(table, 'floor');
    const r = ratio(s, f);
    add(
      `${table.workload} ${table.step}: client CPU per object ≤ ${FLOOR_CPU_LIMIT} × the node:http floor's`,
      verdict(
        r === undefined ? undefined : r <= FLOOR_CPU_LIMIT,
        `${ms(s)} ms vs ${ms(f)} ms: ${fmtRatio(r)}`,
      ),
    );
  }
  const vsPeer = (
    label: string,
    t: StepTable | undefined,
    peer: RunnerName,
    what: 'CPU' | 'wall',
    limit: number,
  ) => {
    const [s, p] =
      what === 'CPU' ? [cpu(t, 's3ferry'), cpu(t, peer)] : [wall(t, 's3ferry'), wall(t, peer)];
    const r = ratio(s, p);
    const unit = what === 'CPU' ? ' ms per object' : ' s';
    add(
      `${label}: ${what === 'CPU' ? 'client CPU' : 'wall'} ≤ ${limit} × ${peer}'s`,
      verdict(
        r === undefined ? undefined : r <= limit,
        `${ms(s)}${unit} vs ${ms(p)}${unit}: ${fmtRatio(r)} ${peer}'s`,
      ),
    );
  };
  vsPeer('C fresh', find('C', 'fresh'), 'rclone', 'CPU', 1.3);
  vsPeer('C fresh', find('C', 'fresh'), 'rclone', 'wall', 1.0);
  vsPeer('A fresh', find('A', 'fresh'), 'rclone', 'CPU', 1.0);
  vsPeer('A fresh', find('A', 'fresh'), 'rclone', 'wall', 0.95);
  vsPeer('A no-op', find('A', 'no-op'), 's3-sync-client', 'wall', 0.7);
  vsPeer('E no-op', find('E', 'no-op'), 's3-sync-client', 'wall', 0.7);
  {
    const d = find('D', 'fresh');
    // Throughput ratio = floor wall ÷ s3ferry wall. The floor's wall starts at its first
    // request; s3ferry's carries its start-up.
    const r = ratio(wall(d, 'floor'), wall(d, 's3ferry'));
    add(
      "D fresh: throughput ≥ 0.9 × the node:http floor's",
      verdict(r === undefined ? undefined : r >= 0.9, `${fmtRatio(r)} of the floor's`),
    );
    const rss = rowOf(d, 's3ferry')?.rssBytes?.median;
    add(
      'D fresh: peak RSS ≤ 300 MB',
      verdict(rss === undefined ? undefined : rss <= 300e6, `${mib(rss)} (300 MB = 286 MiB)`),
    );
  }
  return out;
}

/** The tools of the client-CPU table, in column order (the s3ferry variants have tables of their own). */
const CPU_TOOLS: readonly RunnerName[] = [
  's3ferry',
  'rclone',
  'aws',
  's3-sync-client',
  'ceiling',
  'floor',
];

/** Client CPU per object of each tool on each step of a workload, and s3ferry's as multiples. */
export type CpuPerObject = {
  /** Tools with a row in at least one step, in column order. */
  tools: RunnerName[];
  rows: {
    step: string;
    /** Median CPU ms per object by tool; undefined where the tool did not run (or failed). */
    msPerObject: Partial<Record<RunnerName, number>>;
    /** s3ferry's ÷ the floor's, s3ferry's ÷ rclone's. */
    vsFloor?: number;
    vsRclone?: number;
  }[];
};

export function cpuPerObject(tables: readonly StepTable[], workload: WorkloadId): CpuPerObject {
  const mine = tables.filter((t) => t.workload === workload);
  const tools = CPU_TOOLS.filter((tool) => mine.some((t) => t.rows.some((r) => r.tool === tool)));
  return {
    tools,
    rows: mine.map((table) => {
      const msPerObject: Partial<Record<RunnerName, number>> = {};
      for (const tool of tools) {
        const v = rowOf(table, tool)?.cpuMsPerObject?.median;
        if (v !== undefined) msPerObject[tool] = v;
      }
      return {
        step: table.step,
        msPerObject,
        vsFloor: ratio(msPerObject.s3ferry, msPerObject.floor),
        vsRclone: ratio(msPerObject.s3ferry, msPerObject.rclone),
      };
    }),
  };
}

/** Renders {@link cpuPerObject} as a Markdown table (medians; the ranges are in the step tables). */
export function renderCpuPerObject(table: CpuPerObject): string {
  const name = (tool: RunnerName) =>
    tool === 'ceiling' ? 'SDK ceiling' : tool === 'floor' ? 'node:http floor' : tool;
  const ms = (v: number | undefined) => (v === undefined ? '–' : fmt(v, autoDecimals(v)));
  // A multiple only where both tools ran in this bench run.
  const multiples = (
    [
      ['floor', 's3ferry ÷ floor', 'vsFloor'],
      ['rclone', 's3ferry ÷ rclone', 'vsRclone'],
    ] as const
  ).filter(([tool]) => table.tools.includes('s3ferry') && table.tools.includes(tool));
  const head = ['step', ...table.tools.map(name), ...multiples.map(([, title]) => title)];
  const lines = table.rows.map((row) => [
    row.step,
    ...table.tools.map((tool) => ms(row.msPerObject[tool])),
    ...multiples.map(([, , field]) => fmtRatio(row[field])),
  ]);
  return [head, ['---', ...head.slice(1).map(() => '--:')], ...lines]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
}

export function renderTargets(targets: readonly TargetResult[]): string {
  return [
    '| target | result | measured |',
    '| --- | --- | --- |',
    ...targets.map((t) => `| ${t.target} | ${t.status} | ${escapeCell(t.detail)} |`),
  ].join('\n');
}

/** Wall ratio (with ÷ without, medians) up to which the checkpoint's cost is accepted (issue 10). */
export const CHECKPOINT_WALL_LIMIT = 1.05;

/** One step of a workload: s3ferry with `--checkpoint` against s3ferry without, same run. */
export type CheckpointOverheadRow = {
  step: string;
  /** Successful runs without and with the checkpoint. */
  runsWithout: number;
  runsWith: number;
  wallWithout?: Spread;
  wallWith?: Spread;
  cpuWithout?: Spread;
  cpuWith?: Spread;
  /** Median with ÷ median without. */
  wallRatio?: number;
  cpuRatio?: number;
  /** with ÷ without of the same run (runs where both succeeded): how much the pairs agree. */
  wallRatioByRun?: Spread;
  checkpointBytes?: Spread;
  /** The first failure of either variant. */
  failure?: string;
};

/** The checkpoint overhead of each step of a workload (steps in first-seen order). */
export function checkpointOverhead(
  records: readonly RunRecord[],
  workload: WorkloadId,
): CheckpointOverheadRow[] {
  const mine = records.filter(
    (r) => r.workload === workload && (r.tool === 's3ferry' || r.tool === 's3ferry+ckpt'),
  );
  const steps = [...new Set(mine.filter((r) => r.tool === 's3ferry+ckpt').map((r) => r.step))];
  return steps.map((step) => {
    const ok = (tool: RunnerName) =>
      mine.filter(
        (r) => r.step === step && r.tool === tool && r.status === 'ok' && r.wallMs !== undefined,
      );
    const without = ok('s3ferry');
    const withCkpt = ok('s3ferry+ckpt');
    const values = (list: RunRecord[], f: (r: RunRecord) => number | undefined) =>
      spread(list.map(f).filter((v): v is number => v !== undefined));
    const wallWithout = values(without, (r) => r.wallMs! / 1000);
    const wallWith = values(withCkpt, (r) => r.wallMs! / 1000);
    const cpuWithout = values(without, (r) => r.cpuSeconds);
    const cpuWith = values(withCkpt, (r) => r.cpuSeconds);
    const failed = mine.find((r) => r.step === step && r.status === 'failed');
    return {
      step,
      runsWithout: without.length,
      runsWith: withCkpt.length,
      wallWithout,
      wallWith,
      cpuWithout,
      cpuWith,
      wallRatio: ratio(wallWith?.median, wallWithout?.median),
      cpuRatio: ratio(cpuWith?.median, cpuWithout?.median),
      wallRatioByRun: values(withCkpt, (r) => {
        const base = without.find((b) => b.run === r.run);
        return base === undefined ? undefined : ratio(r.wallMs, base.wallMs);
      }),
      checkpointBytes: values(withCkpt, (r) => r.checkpointBytes),
      failure: failed === undefined ? undefined : `${failed.tool}: ${failed.note ?? 'failed'}`,
    };
  });
}

/** `median (min–max)` in the given format; the median alone when the range looks like one value. */
function spreadWith(s: Spread | undefined, format: (value: number) => string): string {
  if (s === undefined) return '–';
  const [median, min, max] = [s.median, s.min, s.max].map(format);
  return min === max ? median! : `${median!} (${min!}–${max!})`;
}

/** Renders the checkpoint overhead of a workload as a Markdown table. */
export function renderCheckpointOverhead(rows: readonly CheckpointOverheadRow[]): string {
  const limit = `${Math.round((CHECKPOINT_WALL_LIMIT - 1) * 100)} %`;
  const head =
    `| step | runs without / with | wall s without | wall s with | wall ratio | wall ratio by run | CPU s without | CPU s with | CPU ratio | checkpoint file | wall within ${limit} |\n` +
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |';
  const lines = rows.map((row) => {
    const within =
      row.wallRatio === undefined ? '–' : row.wallRatio <= CHECKPOINT_WALL_LIMIT ? 'yes' : 'no';
    const byRun = row.wallRatioByRun;
    const bytes = row.checkpointBytes;
    const failure = row.failure === undefined ? '' : ` (failed: ${escapeCell(row.failure)})`;
    return (
      `| ${row.step}${failure} | ${row.runsWithout} / ${row.runsWith} | ${fmtSpread(row.wallWithout)} | ` +
      `${fmtSpread(row.wallWith)} | ${fmtRatio(row.wallRatio)} | ${spreadWith(byRun, fmtRatio)} | ` +
      `${fmtSpread(row.cpuWithout)} | ${fmtSpread(row.cpuWith)} | ${fmtRatio(row.cpuRatio)} | ` +
      `${spreadWith(bytes, fmtBytes)} | ${within} |`
    );
  });
  return [head, ...lines].join('\n');
}

/** Wall ratio (coordinator + 1 worker ÷ local, medians) accepted for the distributed mode (issue 11). */
export const DISTRIBUTED_WALL_LIMIT = 1.15;

/** One tool on one step: local s3ferry, or a distributed variant against it (same runs). */
export type DistributedOverheadRow = {
  step: string;
  tool: RunnerName;
  /** Successful runs. */
  runs: number;
  wall?: Spread;
  cpu?: Spread;
  /** The workers' CPU within `cpu` (distributed variants). */
  workerCpu?: Spread;
  /** redis-server's CPU over the step, not in `cpu` (distributed variants). */
  redisCpu?: Spread;
  /** Median of the variant ÷ median of local s3ferry (undefined for local s3ferry). */
  wallRatio?: number;
  cpuRatio?: number;
  /** Variant ÷ local within each run where both succeeded. */
  wallRatioByRun?: Spread;
  ranges?: Spread;
  workersUsed?: Spread;
  busiestWorkerShare?: Spread;
  /** The first failure of this tool on this step. */
  failure?: string;
};

const DISTRIBUTED_TOOLS: readonly RunnerName[] = ['s3ferry', 's3ferry+queue1', 's3ferry+queue3'];

/**
 * Local s3ferry and the distributed variants on each step of a workload (steps in first-seen
 * order, only steps where a variant ran); empty when no variant ran.
 */
export function distributedOverhead(
  records: readonly RunRecord[],
  workload: WorkloadId,
): DistributedOverheadRow[] {
  const mine = records.filter((r) => r.workload === workload && DISTRIBUTED_TOOLS.includes(r.tool));
  const steps = [...new Set(mine.filter((r) => r.tool !== 's3ferry').map((r) => r.step))];
  const values = (list: RunRecord[], f: (r: RunRecord) => number | undefined) =>
    spread(list.map(f).filter((v): v is number => v !== undefined));
  return steps.flatMap((step) => {
    const ok = (tool: RunnerName) =>
      mine.filter(
        (r) => r.step === step && r.tool === tool && r.status === 'ok' && r.wallMs !== undefined,
      );
    const local = ok('s3ferry');
    const localWall = values(local, (r) => r.wallMs! / 1000);
    const localCpu = values(local, (r) => r.cpuSeconds);
    return DISTRIBUTED_TOOLS.filter((tool) =>
      mine.some((r) => r.step === step && r.tool === tool),
    ).map((tool): DistributedOverheadRow => {
      const list = ok(tool);
      const failed = mine.find((r) => r.step === step && r.tool === tool && r.status === 'failed');
      const wall = values(list, (r) => r.wallMs! / 1000);
      const cpu = values(list, (r) => r.cpuSeconds);
      const row: DistributedOverheadRow = { step, tool, runs: list.length, wall, cpu };
      if (failed !== undefined) row.failure = failed.note ?? 'failed';
      if (tool === 's3ferry') return row;
      return {
        ...row,
        workerCpu: values(list, (r) => r.workerCpuSeconds),
        redisCpu: values(list, (r) => r.redisCpuSeconds),
        wallRatio: ratio(wall?.median, localWall?.median),
        cpuRatio: ratio(cpu?.median, localCpu?.median),
        wallRatioByRun: values(list, (r) => {
          const base = local.find((b) => b.run === r.run);
          return base === undefined ? undefined : ratio(r.wallMs, base.wallMs);
        }),
        ranges: values(list, (r) => r.ranges),
        workersUsed: values(list, (r) => r.workersUsed),
        busiestWorkerShare: values(list, (r) => r.busiestWorkerShare),
      };
    });
  });
}

/** Renders local s3ferry against the distributed variants as a Markdown table. */
export function renderDistributedOverhead(rows: readonly DistributedOverheadRow[]): string {
  const limit = `${Math.round((DISTRIBUTED_WALL_LIMIT - 1) * 100)} %`;
  const count = (n: number): string => fmt(n);
  const percent = (share: number): string => `${Math.round(share * 100)} %`;
  const head =
    `| step | run as | runs | wall s | wall ratio | wall ratio by run | CPU s | of which workers | CPU ratio | Redis CPU s | ranges | workers with a range | busiest worker's keys | 1 worker: wall within ${limit} |\n` +
    '| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |';
  const lines = rows.map((row) => {
    const name = row.tool === 's3ferry' ? 'local (s3ferry)' : row.tool;
    const failure = row.failure === undefined ? '' : ` (failed: ${escapeCell(row.failure)})`;
    const local = row.tool === 's3ferry';
    const within =
      row.tool !== 's3ferry+queue1' || row.wallRatio === undefined
        ? '–'
        : row.wallRatio <= DISTRIBUTED_WALL_LIMIT
          ? 'yes'
          : 'no';
    return (
      `| ${row.step} | ${name}${failure} | ${row.runs} | ${fmtSpread(row.wall)} | ` +
      `${local ? '–' : fmtRatio(row.wallRatio)} | ${local ? '–' : spreadWith(row.wallRatioByRun, fmtRatio)} | ` +
      `${fmtSpread(row.cpu)} | ${local ? '–' : fmtSpread(row.workerCpu)} | ${local ? '–' : fmtRatio(row.cpuRatio)} | ${local ? '–' : fmtSpread(row.redisCpu)} | ` +
      `${local ? '–' : spreadWith(row.ranges, count)} | ${local ? '–' : spreadWith(row.workersUsed, count)} | ` +
      `${local ? '–' : spreadWith(row.busiestWorkerShare, percent)} | ${within} |`
    );
  });
  return [head, ...lines].join('\n');
}
