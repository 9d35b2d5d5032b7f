// One run's metrics outputs: the /metrics server, the periodic and final Pushgateway pushes and
// textfile writes. Loaded only when a --metrics-* flag asks for it (prom-client costs start-up
// time). A failing push or write warns once and never changes the run's exit code.
import type { Server } from 'node:http';
import type { SyncEvent, ProgressSnapshot, SyncSummary } from '../engine/events.ts';
import { usageError } from '../shared/errors.ts';
import type { MetricsOptions } from './options.ts';
import { pushMetrics } from './push.ts';
import { buildRegistry } from './registry.ts';
import { serveMetrics } from './server.ts';
import { previousLastSuccess, writeTextfile } from './textfile.ts';

export type MetricsSession = {
  onEvent(event: SyncEvent): void;
  /** The final push and file write, then the server closes. Never throws. */
  finish(end: { summary?: SyncSummary; exitCode: number }): Promise<void>;
};

export type SessionContext = {
  src: string;
  dst: string;
  /** Prints one warning line. */
  warn(message: string): void;
  /** Blanks the secrets the CLI knows from a text. */
  redact(text: string): string;
};

/** A path or URL without any userinfo (`//user:secret@host` → `//host`). */
function withoutCredentials(path: string): string {
  return path.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return cause === undefined ? message : `${message} (${cause})`;
}

/** Starts the outputs `options` asks for; a --metrics-addr that cannot listen is a usage error. */
export async function startMetrics(
  options: MetricsOptions,
  context: SessionContext,
): Promise<MetricsSession> {
  const startedAtSeconds = Date.now() / 1000;
  const src = withoutCredentials(context.src);
  const dst = withoutCredentials(context.dst);
  const lastSuccessSeconds =
    options.textfile === undefined ? undefined : previousLastSuccess(options.textfile);
  let progress: ProgressSnapshot | undefined;
  const warned = new Set<string>();
  const warnOnce = (what: string, error: unknown): void => {
    if (warned.has(what)) return;
    warned.add(what);
    context.warn(`${what} failed: ${reason(error)}; the run goes on (its exit code is unchanged)`);
  };

  const render = async (end?: { summary?: SyncSummary; exitCode: number }): Promise<string> => {
    const registry = buildRegistry({
      src,
      dst,
      startedAtSeconds,
      nowSeconds: Date.now() / 1000,
      ...(progress === undefined ? {} : { progress }),
      ...(end === undefined ? {} : { end }),
      ...(lastSuccessSeconds === undefined ? {} : { lastSuccessSeconds }),
    });
    return context.redact(await registry.metrics());
  };

  let server: Server | undefined;
  if (options.addr !== undefined) {
    const { host, port } = options.addr;
    try {
      server = await serveMetrics(options.addr, () => render());
    } catch (error) {
      throw usageError(
        `--metrics-addr: cannot listen on ${host}:${port}: ${(error as { code?: string }).code ?? reason(error)}`,
      );
    }
  }

  const update = async (
    end: { summary?: SyncSummary; exitCode: number } | undefined,
  ): Promise<void> => {
    const text = await render(end);
    if (options.textfile !== undefined) {
      try {
        writeTextfile(options.textfile, text);
      } catch (error) {
        warnOnce(`--metrics-textfile: writing ${options.textfile}`, error);
      }
    }
    if (options.push !== undefined) {
      // PUT replaces the whole group: right for a successful run's final state. POST replaces
      // only the metrics sent, so an earlier success's timestamp outlives a failed run.
      const method = end?.exitCode === 0 ? 'PUT' : 'POST';
      try {
        await pushMetrics(options.push, options.job, text, method);
      } catch (error) {
        warnOnce(`--metrics-push to ${options.push.url}`, error);
      }
    }
  };

  let pending: Promise<void> = Promise.resolve();
  const hasPeriodic =
    options.pushIntervalMs > 0 && (options.push !== undefined || options.textfile !== undefined);
  const timer = hasPeriodic
    ? setInterval(() => {
        pending = pending.then(() => update(undefined));
      }, options.pushIntervalMs)
    : undefined;
  timer?.unref();

  return {
    onEvent(event) {
      if (event.kind === 'progress') progress = event;
    },
    async finish(end) {
      if (timer !== undefined) clearInterval(timer);
      await pending;
      await update(end);
      server?.closeAllConnections();
      await new Promise<void>((resolve) => {
        if (server === undefined) resolve();
        else
          server.close(() => {
            resolve();
          });
      });
    },
  };
}
