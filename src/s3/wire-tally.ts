// What this thread's HTTP requests met on the wire, for the run's summary and metrics: answers by
// status code (`error`: no answer — reset, refused, timed out or aborted) and retries granted.
// Node publishes every request of the thread on diagnostics channels, the SDK's and the lean
// path's alike; a worker hands what it counted to the main thread with each task result.
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { WireCounts } from '../shared/protocol.ts';

let responses: Record<string, number> = {};
/** Answers counted since the last drain (so a drain with nothing to hand over allocates nothing). */
let answers = 0;
let retries = 0;
let isWatching = false;

function add(status: string): void {
  responses[status] = (responses[status] ?? 0) + 1;
  answers += 1;
}

/** Starts counting this thread's answers (once per thread; later calls do nothing). */
export function watchWire(): void {
  if (isWatching) return;
  isWatching = true;
  subscribe('http.client.response.finish', (message) => {
    const status = (message as { response?: IncomingMessage }).response?.statusCode;
    add(status === undefined ? 'error' : String(status));
  });
  subscribe('http.client.request.error', () => {
    add('error');
  });
}

/** A retry was granted (after an error answer, or none). */
export function noteRetry(): void {
  retries += 1;
}

/** What was counted since the last drain (undefined: nothing), and a fresh start. */
export function drainWire(): WireCounts | undefined {
  if (retries === 0 && answers === 0) return undefined;
  const drained = { responses, retries };
  responses = {};
  answers = 0;
  retries = 0;
  return drained;
}

/**
 * Adds this thread's counts since the last drain into `into`: a run's summary takes the main
 * thread's own answers (listings, its copies) this way, after the workers' came with their results.
 */
export function drainWireInto(into: WireCounts): void {
  addWire(into, drainWire());
}

/** Adds `from` into `into`. */
export function addWire(into: WireCounts, from: WireCounts | undefined): void {
  if (from === undefined) return;
  into.retries += from.retries;
  const { responses } = from;
  for (const status in responses) {
    into.responses[status] = (into.responses[status] ?? 0) + (responses[status] ?? 0);
  }
}
