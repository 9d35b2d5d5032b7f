// --metrics-push: the metrics sent to a Prometheus Pushgateway, grouped by job only
// (/metrics/job/<job>). The end of a successful run PUTs (the group becomes the run's final
// state); pushes during the run and the end of a failed one POST, which replaces only the metrics
// sent, so the last success timestamp of an earlier run stays.
import type { PushTarget } from './options.ts';

/** Sends `text` (Prometheus text format) to the Pushgateway; throws a one-line Error on failure. */
export async function pushMetrics(
  target: PushTarget,
  job: string,
  text: string,
  method: 'PUT' | 'POST',
): Promise<void> {
  const url = `${target.url.replace(/\/+$/, '')}/metrics/job/${encodeURIComponent(job)}`;
  const headers: Record<string, string> = { 'content-type': 'text/plain; version=0.0.4' };
  if (target.authorization !== undefined) headers.authorization = target.authorization;
  const answer = await fetch(url, {
    method,
    headers,
    body: text,
    signal: AbortSignal.timeout(10_000),
  });
  await answer.text();
  if (!answer.ok) throw new Error(`the Pushgateway answered ${answer.status}`);
}
