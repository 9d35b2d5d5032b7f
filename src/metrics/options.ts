// The --metrics-* flags checked into MetricsOptions. Cheap (no prom-client): it runs on every
// sync/cp/mv; the metrics code itself loads only when one of the flags is given.
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDuration } from '../shared/duration.ts';
import { usageError } from '../shared/errors.ts';

export type PushTarget = {
  /** The Pushgateway's base URL, without credentials. */
  url: string;
  /** Basic authorization from the URL's userinfo (fetch refuses URLs with credentials). */
  authorization?: string;
  /** The password, for the CLI to mask in every output. */
  password?: string;
};

export type ListenAddress = { host: string; port: number };

export type MetricsOptions = {
  job: string;
  push?: PushTarget;
  pushIntervalMs: number;
  textfile?: string;
  addr?: ListenAddress;
};

export type MetricsFlags = {
  metricsPush?: string;
  metricsPushInterval?: string;
  metricsTextfile?: string;
  metricsAddr?: string;
  metricsJob?: string;
};

export const DEFAULT_METRICS_JOB = 's3ferry';
export const DEFAULT_PUSH_INTERVAL = '30s';

function pushTarget(text: string): PushTarget {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw usageError(
      `--metrics-push: invalid URL '${text}'`,
      'give the Pushgateway as http://HOST:PORT, e.g. http://pushgateway:9091',
    );
  }
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return {
    url: url.href,
    ...(user === '' && password === ''
      ? {}
      : { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }),
    ...(password === '' ? {} : { password }),
  };
}

function listenAddress(text: string): ListenAddress {
  const match = /^(.*):(\d{1,5})$/.exec(text.trim());
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || port > 65535) {
    throw usageError(
      `--metrics-addr: invalid address '${text}'`,
      'use HOST:PORT, e.g. 127.0.0.1:9464 or 0.0.0.0:9464',
    );
  }
  const host = (match[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function checkTextfile(file: string): void {
  if (!file.endsWith('.prom')) {
    throw usageError(
      `--metrics-textfile: '${file}' does not end in .prom`,
      "node_exporter's textfile collector reads only *.prom files",
    );
  }
  let problem: string | undefined;
  try {
    if (!statSync(dirname(resolve(file))).isDirectory()) problem = 'ENOTDIR';
  } catch (error) {
    problem = (error as { code?: string }).code ?? String(error);
  }
  if (problem !== undefined) {
    throw usageError(`--metrics-textfile: cannot write ${file}: ${problem}`);
  }
}

/** The flags' options, or undefined when no metrics output was asked for. */
export function metricsOptionsOf(flags: MetricsFlags): MetricsOptions | undefined {
  const job = flags.metricsJob ?? DEFAULT_METRICS_JOB;
  if (job.trim() === '' || job.includes('/')) {
    throw usageError(
      `--metrics-job: invalid name '${job}'`,
      'use a name without /, e.g. nightly-backup',
    );
  }
  const pushIntervalMs = parseDuration(
    flags.metricsPushInterval ?? DEFAULT_PUSH_INTERVAL,
    '--metrics-push-interval',
  );
  const push = flags.metricsPush === undefined ? undefined : pushTarget(flags.metricsPush);
  if (flags.metricsTextfile !== undefined) checkTextfile(flags.metricsTextfile);
  const addr = flags.metricsAddr === undefined ? undefined : listenAddress(flags.metricsAddr);
  if (push === undefined && flags.metricsTextfile === undefined && addr === undefined) {
    const given = [
      flags.metricsJob === undefined ? undefined : '--metrics-job',
      flags.metricsPushInterval === undefined ? undefined : '--metrics-push-interval',
    ].filter((f) => f !== undefined);
    if (given.length > 0) {
      throw usageError(
        `${given.join(' and ')} shape metrics output, but none was asked for`,
        'add --metrics-push URL, --metrics-textfile FILE or --metrics-addr HOST:PORT',
      );
    }
    return undefined;
  }
  return {
    job,
    pushIntervalMs,
    ...(push === undefined ? {} : { push }),
    ...(flags.metricsTextfile === undefined ? {} : { textfile: flags.metricsTextfile }),
    ...(addr === undefined ? {} : { addr }),
  };
}

/** The flags for commander's option(): [flags, description], shared by sync, cp and mv. */
export const METRICS_FLAGS = {
  metricsPush: [
    '--metrics-push <URL>',
    "push the run's metrics to the Prometheus Pushgateway at URL (http://HOST:PORT) at the end and every --metrics-push-interval; a failed push only warns (default: none)",
  ],
  metricsPushInterval: [
    '--metrics-push-interval <DURATION>',
    `with --metrics-push or --metrics-textfile: how often to update them during the run, e.g. 30s, 5m; 0: only at the end (default: ${DEFAULT_PUSH_INTERVAL})`,
  ],
  metricsTextfile: [
    '--metrics-textfile <FILE>',
    "write the run's metrics atomically to FILE (*.prom) for node_exporter's textfile collector (default: none)",
  ],
  metricsAddr: [
    '--metrics-addr <HOST:PORT>',
    'serve GET /metrics on HOST:PORT during the run (default: none)',
  ],
  metricsJob: [
    '--metrics-job <NAME>',
    `the Pushgateway job (group) the metrics are pushed under (default: ${DEFAULT_METRICS_JOB})`,
  ],
} as const satisfies Record<string, readonly [string, string]>;
