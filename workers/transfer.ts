// piscina entry: builds this thread's runtime from workerData on first use (thread-local client
// cache, the pool-wide shared backoff, cancellation over a BroadcastChannel) and runs each task.
// Never throws an expected error: results carry serialised S3FerryErrors.
import { BroadcastChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { ClientCache } from '../src/s3/client-cache.ts';
import { trustAllEndpoints } from '../src/s3/endpoint-trust.ts';
import { watchWire } from '../src/s3/wire-tally.ts';
import { poolThrottle, sharedRates } from '../src/s3/shared-backoff.ts';
import { TransferRuntime } from '../src/s3/transfer/runtime.ts';
import type { CancelMessage, TaskResult, WorkerInit, WorkerTask } from '../src/shared/protocol.ts';

let runtime: TransferRuntime | undefined;

function isCancelMessage(value: unknown): value is CancelMessage {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'cancel'
  );
}

/** The thread's runtime, built from workerData the first time a task arrives. */
function threadRuntime(): TransferRuntime {
  if (runtime !== undefined) return runtime;
  const init = workerData as WorkerInit;
  // Tasks come only after the main thread has listed both sides: every endpoint has answered.
  trustAllEndpoints();
  watchWire();
  const throttle = poolThrottle(init.backoffBuffer);
  // process_local mode makes ClientCache refuse to build clients off the main thread: tasks
  // then fail loudly instead of silently building per-thread clients.
  const clients = new ClientCache({
    mode: init.cacheMode,
    client: { maxSockets: init.maxSockets, ...throttle },
  });
  const created = new TransferRuntime({
    profiles: init.profiles,
    clients,
    backoff: throttle.backoff,
    byteRate: sharedRates(init.backoffBuffer).bytes,
    worker: { threadId },
    post: (message) => {
      parentPort?.postMessage(message);
    },
  });
  const channel = new BroadcastChannel(init.cancelChannel);
  channel.onmessage = (event) => {
    const data: unknown = (event as { data?: unknown }).data;
    if (isCancelMessage(data)) created.cancel(data.id);
  };
  // The channel must not keep an idle worker alive.
  channel.unref();
  runtime = created;
  return created;
}

/** Runs one copy or hash task in this worker thread. */
export default function transfer(task: WorkerTask): Promise<TaskResult> {
  return threadRuntime().run(task);
}
