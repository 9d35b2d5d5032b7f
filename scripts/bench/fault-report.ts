// The fault workload's part of docs/benchmarks.md (G, issue 12 §1): its cases, one record per
// tool run, the targets the issue names, and the adaptive concurrency of the pure-SlowDown case as
// a time series. Pure: scripts/bench/faults.ts measures, this renders.
import type { EndpointThrottling } from '../../src/engine/events.ts';
import type { FaultKind } from '../../test/helpers/fault-mix.ts';
import { TABLE_KINDS } from '../../test/helpers/fault-mix.ts';
import { renderTargets, type TargetResult } from './report.ts';
import { fmt, fmtMiB, fmtRatio, fmtSpread, ratio, spread, type Spread } from './stats.ts';
import type { FaultWorkload } from './workloads.ts';

/** The tools G compares (rclone as issue 12's table runs it). */
export type FaultTool = 's3ferry' | 'rclone';
export const FAULT_TOOLS: readonly FaultTool[] = ['s3ferry', 'rclone'];

/** Which proxy a case faults: the one in front of the source gateway, or the destination's. */
export type FaultSide = 'src' | 'dst';

export type FaultCaseId = 'clean' | 'dst10' | 'both30' | 'slowdown20';

export type FaultCase = {
  id: FaultCaseId;
  /** As the report names it. */
  label: string;
  /** Share of the requests a faulted proxy faults, all kinds together. */
  rate: number;
  kinds: readonly FaultKind[];
  sides: readonly FaultSide[];
  tools: readonly FaultTool[];
  /** s3ferry runs with `--json`; its progress events' `concurrency` is kept. */
  tracksConcurrency: boolean;
};

/** Issue 12 §1's cases; every one goes through both proxies (the clean one with no rules). */
export const FAULT_CASES: readonly FaultCase[] = [
  {
    id: 'clean',
    label: '1. no faults',
    rate: 0,
    kinds: [],
    sides: [],
    tools: FAULT_TOOLS,
    tracksConcurrency: false,
  },
  {
    id: 'dst10',
    label: '2. 10 % mixed, destination',
    rate: 0.1,
    kinds: TABLE_KINDS,
    sides: ['dst'],
    tools: FAULT_TOOLS,
    tracksConcurrency: false,
  },
  {
    id: 'both30',
    label: '3. 30 % mixed, both sides',
    rate: 0.3,
    kinds: TABLE_KINDS,
    sides: ['src', 'dst'],
    tools: FAULT_TOOLS,
    tracksConcurrency: false,
  },
  {
    id: 'slowdown20',
    label: '4. 20 % SlowDown, destination',
    rate: 0.2,
    kinds: ['slowDown'],
    sides: ['dst'],
    tools: ['s3ferry'],
    tracksConcurrency: true,
  },
];

/** The seed of a case's fault draw on one side: fixed, the same for every tool and run. */
export function faultSeed(caseIndex: number, side: FaultSide): number {
  return 12_000 + 10 * caseIndex + (side === 'src' ? 1 : 2);
}

/** The destination endpoint's adaptive concurrency in one progress event of s3ferry. */
export type ConcurrencySample = {
  /** Seconds since the start of the run (the event's elapsedMs). */
  t: number;
  limit: number;
  inFlight: number;
  throttles: number;
};

/** One tool's run of one case. */
export type FaultRecord = {
  caseId: FaultCaseId;
  tool: FaultTool;
  run: number;
  exitCode: number;
  wallMs: number;
  cpuSeconds?: number;
  peakRssBytes?: number;
  /** Keys of the source missing at the destination (listed straight at the gateway). */
  lost: number;
  /** Keys present with another size or content. */
  corrupt: number;
  /** Keys at the destination the source does not have. */
  extra: number;
  /** Multipart uploads left in the destination bucket (ListMultipartUploads at the gateway). */
  uploadsLeft: number;
  /** Faults injected, by side and kind (the rules' hits). */
  faults: Partial<Record<FaultSide, Record<string, number>>>;
  /** Requests each proxy received during the run (retries included). */
  proxyRequests: Record<FaultSide, number>;
  /** s3ferry's report: its status and how the faulted endpoints' concurrency adapted. */
  reportStatus?: string;
  throttling?: EndpointThrottling[];
  /** tracksConcurrency: the destination's concurrency in each progress event. */
  concurrency?: ConcurrencySample[];
  /** tracksConcurrency: requests the destination proxy received in each second since the spawn. */
  dstRequestsPerSecond?: number[];
  /** The tool's last lines when it failed, or why the check failed. */
  note?: string;
};

/** A run that completed: exit 0, every key there with its content, no upload left. */
export function isComplete(r: FaultRecord): boolean {
  return (
    r.exitCode === 0 && r.lost === 0 && r.corrupt === 0 && r.extra === 0 && r.uploadsLeft === 0
  );
}

/** Issue 12 §1's bounds. */
export const FAULT_LIMITS = {
  /** Case 2 wall ÷ case 1 wall, s3ferry. */
  dst10VsClean: 1.5,
  /** s3ferry wall ÷ rclone wall, case 2. */
  dst10VsRclone: 1.0,
  /** Case 3 wall ÷ case 1 wall, s3ferry. */
  both30VsClean: 4,
  /** Case 4: the limit over the second half of the run stays within this share of its median. */
  settledSpread: 0.5,
} as const;

function wallsOf(
  records: readonly FaultRecord[],
  caseId: FaultCaseId,
  tool: FaultTool,
): Spread | undefined {
  return spread(
    records.filter((r) => r.caseId === caseId && r.tool === tool).map((r) => r.wallMs / 1000),
  );
}

/** Median wall of `a` ÷ median wall of `b`. */
function wallRatio(
  records: readonly FaultRecord[],
  a: [FaultCaseId, FaultTool],
  b: [FaultCaseId, FaultTool],
): number | undefined {
  return ratio(wallsOf(records, ...a)?.median, wallsOf(records, ...b)?.median);
}

/** The limit second by second: at each whole second, the latest sample at or before it. */
export function limitBySecond(samples: readonly ConcurrencySample[]): (number | undefined)[] {
  if (samples.length === 0) return [];
  const last = Math.floor(samples[samples.length - 1]!.t);
  const out: (number | undefined)[] = [];
  let i = 0;
  let current: number | undefined;
  for (let second = 0; second <= last; second++) {
    while (i < samples.length && samples[i]!.t <= second) current = samples[i++]!.limit;
    out.push(current);
  }
  return out;
}

/** How the limit behaved over the second half of a run (from its samples). */
export type Settling = {
  limit: Spread;
  /** Samples of the second half in which the limit went down from the sample before. */
  cuts: number;
  /** Samples in which it went up. */
  rises: number;
  /** (max − min) ÷ median of the limit over the second half. */
  relativeRange: number;
};

export function settling(samples: readonly ConcurrencySample[]): Settling | undefined {
  if (samples.length < 2) return undefined;
  const half = samples[samples.length - 1]!.t / 2;
  const from = samples.findIndex((s) => s.t >= half);
  const second = samples.slice(Math.max(1, from));
  const limit = spread(second.map((s) => s.limit));
  if (limit === undefined) return undefined;
  let cuts = 0;
  let rises = 0;
  for (let i = Math.max(1, from); i < samples.length; i++) {
    const [before, now] = [samples[i - 1]!.limit, samples[i]!.limit];
    if (now < before) cuts += 1;
    else if (now > before) rises += 1;
  }
  return { limit, cuts, rises, relativeRange: (limit.max - limit.min) / limit.median };
}

/** Issue 12 §1's targets, from the runs of G. */
export function evaluateFaultTargets(records: readonly FaultRecord[]): TargetResult[] {
  const verdict = (value: number | undefined, limit: number) =>
    value === undefined ? 'n/a' : value <= limit ? 'met' : 'not met';
  const dst10 = wallRatio(records, ['dst10', 's3ferry'], ['clean', 's3ferry']);
  const vsRclone = wallRatio(records, ['dst10', 's3ferry'], ['dst10', 'rclone']);
  const both30 = wallRatio(records, ['both30', 's3ferry'], ['clean', 's3ferry']);
  const both30Runs = records.filter((r) => r.caseId === 'both30' && r.tool === 's3ferry');
  const both30Done = both30Runs.filter(isComplete).length;
  const slow = records.filter((r) => r.caseId === 'slowdown20' && r.tool === 's3ferry');
  const settled = slow.map((r) => settling(r.concurrency ?? []));
  const worst = settled.reduce<number | undefined>(
    (m, s) => (s === undefined ? m : Math.max(m ?? 0, s.relativeRange)),
    undefined,
  );
  return [
    {
      target: `10 % mixed on the destination: wall ≤ ${FAULT_LIMITS.dst10VsClean} × the run without faults`,
      status: verdict(dst10, FAULT_LIMITS.dst10VsClean),
      detail: `case 2 ÷ case 1 = ${fmtRatio(dst10)}`,
    },
    {
      target: `10 % mixed on the destination: wall ≤ ${FAULT_LIMITS.dst10VsRclone.toFixed(1)} × rclone's under the same faults`,
      status: verdict(vsRclone, FAULT_LIMITS.dst10VsRclone),
      detail: `s3ferry ÷ rclone = ${fmtRatio(vsRclone)}`,
    },
    {
      target: '30 % mixed on both sides: the run completes',
      status:
        both30Runs.length === 0 ? 'n/a' : both30Done === both30Runs.length ? 'met' : 'not met',
      detail: `${both30Done} of ${both30Runs.length} run(s) exit 0 with every object whole and no upload left`,
    },
    {
      target: `30 % mixed on both sides: wall ≤ ${FAULT_LIMITS.both30VsClean} × the run without faults`,
      status: verdict(both30, FAULT_LIMITS.both30VsClean),
      detail: `case 3 ÷ case 1 = ${fmtRatio(both30)}`,
    },
    {
      target: `20 % pure SlowDown: the request rate settles instead of oscillating (the bench's reading: over the second half of the run, the limit's max − min ≤ ${FAULT_LIMITS.settledSpread} × its median)`,
      status: verdict(worst, FAULT_LIMITS.settledSpread),
      detail:
        worst === undefined
          ? 'no concurrency in the progress events'
          : settled
              .map((s, i) =>
                s === undefined
                  ? `run ${slow[i]!.run}: –`
                  : `run ${slow[i]!.run}: limit ${fmtSpread(s.limit, 0)}, range ÷ median ${s.relativeRange.toFixed(2)}`,
              )
              .join('; '),
    },
  ];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function faultsText(r: FaultRecord): string {
  const parts: string[] = [];
  for (const side of ['src', 'dst'] as const) {
    const counts = r.faults[side];
    if (counts === undefined) continue;
    const total = Object.values(counts).reduce((n, v) => n + v, 0);
    const kinds = Object.entries(counts)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ');
    parts.push(`${side} ${fmt(total)} of ${fmt(r.proxyRequests[side])} (${kinds})`);
  }
  return parts.length === 0 ? 'none' : parts.join('; ');
}

function throttlingText(r: FaultRecord): string {
  const t = r.throttling ?? [];
  if (t.length === 0) return '';
  return t
    .map(
      (e) =>
        `${e.endpoint}: ${fmt(e.throttles)} throttled, ${fmt(e.decreases)} cuts, lowest ${e.lowestLimit}, final ${e.finalLimit}`,
    )
    .join('; ');
}

/** The per-case table: one row per case and tool. */
export function renderFaultTable(records: readonly FaultRecord[]): string {
  const lines = [
    '| case | tool | runs | wall s | ÷ case 1 | CPU s | peak RSS MiB | exit codes | lost / corrupt / extra | uploads left | faults injected of the requests at each proxy (last run) | throttling (s3ferry report, last run) |',
    '| --- | --- | --: | --: | --: | --: | --: | --- | --- | --: | --- | --- |',
  ];
  for (const c of FAULT_CASES) {
    for (const tool of c.tools) {
      const list = records.filter((r) => r.caseId === c.id && r.tool === tool);
      if (list.length === 0) continue;
      const wall = wallsOf(records, c.id, tool);
      const cpu = spread(list.flatMap((r) => (r.cpuSeconds === undefined ? [] : [r.cpuSeconds])));
      const rss = spread(
        list.flatMap((r) => (r.peakRssBytes === undefined ? [] : [r.peakRssBytes / 1024 ** 2])),
      );
      const vsClean =
        c.id === 'clean' ? '' : fmtRatio(wallRatio(records, [c.id, tool], ['clean', tool]));
      const sum = (f: (r: FaultRecord) => number) => list.reduce((n, r) => n + f(r), 0);
      const last = list[list.length - 1]!;
      const notes = list.filter((r) => r.note !== undefined).map((r) => `run ${r.run}: ${r.note}`);
      lines.push(
        `| ${c.label} | ${tool} | ${list.length} | ${fmtSpread(wall)} | ${vsClean} | ${fmtSpread(cpu)} | ` +
          `${rss === undefined ? '–' : fmtSpread(rss, 0)} | ${list.map((r) => r.exitCode).join(', ')} | ` +
          `${fmt(sum((r) => r.lost))} / ${fmt(sum((r) => r.corrupt))} / ${fmt(sum((r) => r.extra))} | ` +
          `${fmt(sum((r) => r.uploadsLeft))} | ${escapeCell(faultsText(last))} | ` +
          `${escapeCell([throttlingText(last), ...notes].filter(Boolean).join('; ') || '–')} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Case 4's limit and request rate second by second (ten a line) and its second half, per run. */
export function renderConcurrency(records: readonly FaultRecord[]): string {
  const slow = records.filter((r) => r.caseId === 'slowdown20' && r.tool === 's3ferry');
  const out: string[] = [];
  for (const r of slow) {
    const samples = r.concurrency ?? [];
    const s = settling(samples);
    const rate = r.dstRequestsPerSecond ?? [];
    // Whole seconds of the second half (the last, partial second left out).
    const rateHalf = spread(rate.slice(Math.floor(rate.length / 2), Math.max(1, rate.length - 1)));
    out.push(
      `Run ${r.run}: ${fmt(samples.length)} progress events with the destination's concurrency over ${fmt(r.wallMs / 1000, 1)} s` +
        (s === undefined
          ? '; the destination never throttled in them.'
          : `; second half: limit ${fmt(s.limit.min)} min, ${fmt(s.limit.median, 1)} median, ${fmt(s.limit.max)} max ` +
            `(max − min ÷ median ${s.relativeRange.toFixed(2)}), ${fmt(s.cuts)} cuts and ${fmt(s.rises)} rises between events; ` +
            `${fmt(samples[samples.length - 1]!.throttles)} SlowDowns seen.`) +
        (rateHalf === undefined
          ? ''
          : ` Requests at the destination proxy over the second half: ${fmt(rateHalf.min)} min, ${fmt(rateHalf.median)} median, ${fmt(rateHalf.max)} max per second.`),
      '',
    );
    const bySecond = limitBySecond(samples);
    const seconds = Math.max(bySecond.length, rate.length);
    if (seconds === 0) continue;
    const cell = (v: number | undefined) => (v === undefined ? '-' : String(v)).padStart(4);
    // After s3ferry's last progress event there is no limit to show (blank, not "-").
    const limitCell = (k: number) => (k < bySecond.length ? cell(bySecond[k]) : ''.padStart(4));
    const rows: string[] = [];
    for (let i = 0; i < seconds; i += 10) {
      const at = Array.from({ length: Math.min(10, seconds - i) }, (_, k) => i + k);
      rows.push(
        `${String(i).padStart(4)} s  limit ${at.map(limitCell).join('')}`,
        `        req/s ${at.map((k) => cell(rate[k])).join('')}`,
      );
    }
    out.push(
      '```text',
      "limit: the destination's concurrency limit at each second of s3ferry's clock (- = not throttled yet, blank = after the last progress event);",
      'req/s: requests the destination proxy received in that second since the spawn (process start-up included)',
      ...rows,
      '```',
      '',
    );
  }
  return out.join('\n');
}

/** The whole section of G. */
export function renderFaultSection(
  w: FaultWorkload,
  records: readonly FaultRecord[],
  command: string,
): string[] {
  const small = w.objects.slice(0, w.smallCount);
  const smallBytes = small.reduce((n, o) => n + o.sizeBytes, 0);
  const largeBytes = w.largeSizes.reduce((n, b) => n + b, 0);
  return [
    `${fmt(w.smallCount)} × 1–64 KiB (${fmtMiB(smallBytes)} MiB) and ${w.largeSizes.length} of ` +
      `${w.largeSizes.map((b) => fmtMiB(b)).join(', ')} MiB (${fmtMiB(largeBytes)} MiB), ${fmt(w.objects.length)} objects; ` +
      'gateway A, user 0 → gateway B, user 1, each gateway behind a fault proxy (test/helpers/fault-proxy.ts, in the bench process).',
    '',
    `Produced by \`${command}\`.`,
    '',
    '- Every case goes through both proxies, the clean one too (no rules): the same path with and without faults. ' +
      `Faults: \`addFaultMix(proxy, { rate, kinds, seed })\` (test/helpers/fault-mix.ts), one seeded draw per request, ` +
      `kinds in equal shares: ${TABLE_KINDS.join(', ')} (503 SlowDown, 500 InternalError, a reset halfway through the request body ` +
      '(or the answer, for a request without one), an answer cut halfway, a 4 s stall before forwarding). ' +
      'The seed is fixed per case and side, the same for both tools and every run; which requests it hits depends on their order of arrival.',
    `- Multipart at ${fmtMiB(w.partSizeBytes)} MiB for both tools: s3ferry \`--multipart-threshold ${w.partSizeBytes} --part-size ${w.partSizeBytes}\` ` +
      `(its defaults, 64 MiB and 16 MiB, would send the large objects in one PUT), rclone \`--s3-upload-cutoff 5M --s3-chunk-size 5M\` ` +
      'on top of `--transfers 32 --checkers 32 --fast-list`. Otherwise as in the tool settings above; s3ferry with its default retries and `--timeout`.',
    '- Every run syncs into a fresh destination bucket. Then, straight at gateway B (not through a proxy, not with the tool): the bucket is listed; ' +
      "a key is lost when missing, corrupt when its size differs or its content does: a single-part object's ETag (RGW: the MD5 of the bytes it stored) " +
      "must be the source's MD5, a multipart object (ETag `…-N`) is read back whole and its MD5 compared. `ListMultipartUploads` counts the uploads left. " +
      'The source is seeded once with deterministic bytes (AES-CTR of the key), and its MD5s are known to the bench.',
    '- Wall from spawn to exit; client CPU and peak RSS from GNU time, as above (the proxies run in the bench process, so their CPU is not in it). ' +
      '"÷ case 1" = median wall ÷ the same tool\'s median wall without faults. Requests at the proxy count every attempt that reached it.',
    "- Case 4 runs s3ferry with `--json`; each `progress` event (every 0.5 s) carries `concurrency` for the endpoints that throttled: the destination proxy's limit, requests in flight and SlowDowns seen.",
    '',
    `### G targets (issue 12 §1)`,
    '',
    renderTargets(evaluateFaultTargets(records)),
    '',
    '### G runs',
    '',
    renderFaultTable(records),
    '',
    '### G concurrency under 20 % SlowDown',
    '',
    renderConcurrency(records),
  ];
}
