// Progress display fed by sync events. On a TTY: cli-progress bars for objects (total marked `+`
// while listing goes on) and bytes (throughput, ETA). Elsewhere: one status line every few
// seconds. Everything is written through the CLI's (redacting) io.
import cliProgress from 'cli-progress';
import type { ProgressSnapshot, SyncEvent } from '../engine/events.ts';
import type { CliIo } from './io.ts';
import { formatBytes } from './size.ts';
import { etaSeconds, formatEta, objectTotal, statusLine, throughput } from './sync-output.ts';

/** Shows progress; `log` prints a line without breaking the bars. */
export type ProgressDisplay = {
  update(event: SyncEvent): void;
  log(text: string): void;
  stop(): void;
};

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

/** A display that shows nothing but still prints logged lines (for `-q` and `--json`). */
export function silentDisplay(io: CliIo): ProgressDisplay {
  return {
    update: () => undefined,
    log: (text) => {
      io.writeErr(text);
    },
    stop: () => undefined,
  };
}

/** Bars on a TTY, periodic status lines otherwise. */
export function createProgressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  return options.isTty ? barsDisplay(options) : statusLineDisplay(options);
}

function statusLineDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  const now = options.now ?? Date.now;
  const interval = options.statusIntervalMs ?? 5000;
  let last = now();
  return {
    update(event) {
      if (event.kind !== 'progress') return;
      if (now() - last < interval) return;
      last = now();
      options.io.writeErr(statusLine(event));
    },
    log(text) {
      options.io.writeErr(text);
    },
    stop: () => undefined,
  };
}

function barsDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  // cli-progress only needs write/isTTY/columns: route its output through the redacting io.
  const stream = {
    isTTY: true,
    columns: options.columns ?? 80,
    write: (text: string): boolean => {
      options.io.writeErr(text);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const multi = new cliProgress.MultiBar(
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
    cliProgress.Presets.shades_classic,
  );
  const objects = multi.create(1, 0, { label: 'objects', text: 'listing…' });
  const bytes = multi.create(1, 0, { label: 'bytes  ', text: '' });
  let stopped = false;
  const draw = (s: ProgressSnapshot): void => {
    const rate = throughput(s);
    objects.setTotal(Math.max(1, s.objectsListed));
    objects.update(s.objectsDone, {
      text:
        `${s.objectsDone.toLocaleString('en-US')}/${objectTotal(s)}` +
        `  copied ${s.copied.toLocaleString('en-US')}  skipped ${s.skipped.toLocaleString('en-US')}` +
        `  failed ${s.failed.toLocaleString('en-US')}${s.isListingDone ? '' : '  (still counting)'}`,
    });
    bytes.setTotal(Math.max(1, s.bytesToCopy));
    bytes.update(Math.min(s.bytesCopied, Math.max(1, s.bytesToCopy)), {
      text:
        `${formatBytes(s.bytesCopied)}/${formatBytes(s.bytesToCopy)}${s.isListingDone ? '' : '+'}` +
        `  ${rate === undefined ? '-' : `${formatBytes(rate)}/s`}  ETA ${s.isListingDone ? formatEta(etaSeconds(s)) : '?'}`,
    });
  };
  return {
    update(event) {
      if (!stopped && event.kind === 'progress') draw(event);
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
