// Developer CLI for a long-lived local Ceph RGW cluster (the tests start their own):
//
//   npm run cluster:up                 start one; print endpoints, keys and state dir as JSON;
//                                      record it in .cluster/current.json
//   npm run cluster:down               stop the recorded one (or: -- --dir <state dir>)
//   node --import tsx scripts/cluster.ts status   is the recorded one running and answering?
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  isClusterRunning,
  readInfo,
  startRgwCluster,
  stopCluster,
  type RgwClusterInfo,
} from './cluster/rgw.ts';
import { ensureCephPackages } from './ensure-packages.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CURRENT = join(ROOT, '.cluster', 'current.json');

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

function say(line: string): void {
  process.stderr.write(`[cluster] ${line}\n`);
}

function recorded(): RgwClusterInfo | undefined {
  try {
    return JSON.parse(readFileSync(CURRENT, 'utf8')) as RgwClusterInfo;
  } catch {
    return undefined;
  }
}

async function up(dir: string | undefined): Promise<number> {
  const current = recorded();
  if (current !== undefined && isClusterRunning(current.dir)) {
    say(
      `a cluster is already running (state dir ${current.dir}); run \`npm run cluster:down\` first`,
    );
    process.stdout.write(`${JSON.stringify(current, null, 2)}\n`);
    return 1;
  }
  const ensured = await ensureCephPackages({ log: say });
  if (!ensured.ok) {
    say(ensured.message);
    return 2;
  }
  const abort = new AbortController();
  const onSignal = (): void => {
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const cluster = await startRgwCluster({
      dir,
      log: say,
      stopWhenProcessExits: false,
      signal: abort.signal,
    });
    const info: RgwClusterInfo = readInfo(cluster.dir) ?? cluster;
    mkdirSync(dirname(CURRENT), { recursive: true });
    writeFileSync(CURRENT, `${JSON.stringify(info, null, 2)}\n`);
    say(
      `ready in ${(info.startupMs / 1000).toFixed(1)} s; state dir ${info.dir}; recorded in ${CURRENT}`,
    );
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return 0;
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    return abort.signal.aborted ? 130 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function down(dir: string | undefined): Promise<number> {
  const current = recorded();
  const target = dir === undefined ? current?.dir : resolve(dir);
  if (target === undefined) {
    say(`no cluster recorded in ${CURRENT}; nothing to stop`);
    return 0;
  }
  await stopCluster(target);
  if (current !== undefined && current.dir === target) rmSync(CURRENT, { force: true });
  say(`stopped the cluster in ${target}`);
  return 0;
}

async function status(dir: string | undefined): Promise<number> {
  const target = dir === undefined ? recorded()?.dir : resolve(dir);
  if (target === undefined) {
    say(`no cluster recorded in ${CURRENT}`);
    return 1;
  }
  const info = readInfo(target);
  const running = isClusterRunning(target);
  const answering = await Promise.all(
    (info?.endpoints ?? []).map(async (endpoint) => {
      try {
        const response = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        return response.status === 200;
      } catch {
        return false;
      }
    }),
  );
  const report = {
    running,
    answering,
    dir: target,
    endpoints: info?.endpoints,
    users: info?.users,
    pids: info?.pids,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return running && answering.length > 0 && answering.every(Boolean) ? 0 : 1;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { dir: { type: 'string' } },
});
const command = positionals[0];
const handlers: Record<string, (dir: string | undefined) => Promise<number>> = { up, down, status };
const handler = command === undefined ? undefined : handlers[command];
if (handler === undefined) {
  say('usage: node --import tsx scripts/cluster.ts up|down|status [--dir <state dir>]');
  process.exitCode = 2;
} else {
  process.exitCode = await handler(values.dir);
}
