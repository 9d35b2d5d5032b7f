// Progress display fed by sync events. On a TTY: cli-progress bars for the copies and their bytes
// (totals marked `+` and bars held at zero while the listing still counts; throughput, ETA), with
// the listing's own count beside them. Elsewhere: one status line every few
// seconds. Everything is written through the CLI's (redacting) io.
import { formatCount } from '../shared/display.ts';
import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { SyncEvent } from '../engine/events.ts';
import type { CliIo } from './io.ts';
import { formatBytes } from './size.ts';
import { etaSeconds, formatEta, listingText, statusLine, throughput } from './sync-output.ts';

/** Shows a run's progress; `log` prints a line without breaking the bars. */
export type EventDisplay<E> = {
  update(event: E): void;
  log(text: string): void;
  stop(): void;
};

/** Shows sync progress; `log` prints a line without breaking the bars. */
export type ProgressDisplay = EventDisplay<SyncEvent>;

/** Options of {@link createProgressDisplay}. */
export type ProgressDisplayOptions = {
  io: CliIo;
  /** stderr is a terminal: draw bars. */
  isTty: boolean;
  /** Terminal width. @default 80 */
  columns?: number;
  /** Period of status lines when not a TTY. @default 5000 */
  statusIntervalMs?: number;
  /** Clock for the status-line period (tests). @default Date.now */
  now?: () => number;
};

/** How one kind of run shows its `progress` events: a status line, or two bars. */
export type ProgressView<P> = {
  statusLine(progress: P): string;
  /** The labels of the two bars (padded to one width). */
  labels: [string, string];
  /** Sets both bars' totals, values and texts from one progress event. */
  draw(progress: P, first: cliProgress.SingleBar, second: cliProgress.SingleBar): void;
};

/** A display that shows nothing but still prints logged lines (for `-q` and `--json`). */
export function silentDisplay<E = SyncEvent>(io: CliIo): EventDisplay<E> {
  return {
    update: () => undefined,
    log: (text) => {
      io.writeErr(text);
    },
    stop: () => undefined,
  };
}

/** Bars on a TTY, periodic status lines otherwise, for any run whose events carry `progress`. */
export function createViewDisplay<E extends { kind: string }>(
  options: ProgressDisplayOptions,
  view: ProgressView<Extract<E, { kind: 'progress' }>>,
): EventDisplay<E> {
  return options.isTty ? barsDisplay(options, view) : statusLineDisplay(options, view);
}

const SYNC_VIEW: ProgressView<Extract<SyncEvent, { kind: 'progress' }>> = {
  statusLine,
  labels: ['copies ', 'bytes  '],
  draw(s, copies, bytes) {
    // Listing and copying apart: while the listing runs the totals still grow, so the bars
    // show the listing's count, not a fraction that would look near full with most work ahead.
    const rate = throughput(s);
    const done = s.copied + s.failed;
    const plus = s.isListingDone ? '' : '+';
    copies.setTotal(Math.max(1, s.objectsToCopy));
    copies.update(s.isListingDone ? done : 0, {
      text:
        `${formatCount(done)}/${formatCount(s.objectsToCopy)}${plus}` +
        `  failed ${formatCount(s.failed)}  skipped ${formatCount(s.skipped)}` +
        `  ${listingText(s)}`,
    });
    bytes.setTotal(Math.max(1, s.bytesToCopy));
    bytes.update(s.isListingDone ? Math.min(s.bytesCopied, Math.max(1, s.bytesToCopy)) : 0, {
      text:
        `${formatBytes(s.bytesCopied)}/${formatBytes(s.bytesToCopy)}${plus}` +
        `  ${rate === undefined ? '-' : `${formatBytes(rate)}/s`}  ETA ${formatEta(etaSeconds(s))}`,
    });
  },
};

/** Bars on a TTY, periodic status lines otherwise. */
export function createProgressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  return createViewDisplay<SyncEvent>(options, SYNC_VIEW);
}

function statusLineDisplay<E extends { kind: string }>(
  options: ProgressDisplayOptions,
  view: ProgressView<Extract<E, { kind: 'progress' }>>,
): EventDisplay<E> {
  const now = options.now ?? Date.now;
  const interval = options.statusIntervalMs ?? 5000;
  let last = now();
  return {
    update(event) {
      if (!isProgress(event)) return;
      if (now() - last < interval) return;
      last = now();
      options.io.writeErr(view.statusLine(event));
    },
    log(text) {
      options.io.writeErr(text);
    },
    stop: () => undefined,
  };
}

function isProgress<E extends { kind: string }>(
  event: E,
): event is Extract<E, { kind: 'progress' }> {
  return event.kind === 'progress';
}

/** cli-progress, loaded only when bars are drawn (a TTY): quiet and scripted runs start faster. */
function loadCliProgress(): typeof cliProgress {
  return createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
}

function barsDisplay<E extends { kind: string }>(
  options: ProgressDisplayOptions,
  view: ProgressView<Extract<E, { kind: 'progress' }>>,
): EventDisplay<E> {
  // cli-progress only needs write/isTTY/columns: route its output through the redacting io.
  const stream = {
    isTTY: true,
    columns: options.columns ?? 80,
    write: (text: string): boolean => {
      options.io.writeErr(text);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const bars = loadCliProgress();
  const multi = new bars.MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      // Redrawn from engine events; no timer of its own keeps the process alive.
      noTTYOutput: false,
      barsize: 24,
      autopadding: true,
      format: '{label} {bar} {text}',
    },
    bars.Presets.shades_classic,
  );
  const first = multi.create(1, 0, { label: view.labels[0], text: 'listing…' });
  const second = multi.create(1, 0, { label: view.labels[1], text: '' });
  let stopped = false;
  return {
    update(event) {
      if (!stopped && isProgress(event)) view.draw(event, first, second);
    },
    log(text) {
      if (stopped) options.io.writeErr(text);
      else multi.log(text);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.update();
      multi.stop();
    },
  };
}
