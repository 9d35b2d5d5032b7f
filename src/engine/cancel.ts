// Cooperative cancellation: one BroadcastChannel per run tells every worker thread to abort its
// in-flight requests (and so its multipart uploads, except those a checkpoint records: they are
// left for the next run to continue); an AbortController does the same for tasks running on the
// main thread. piscina's own abort is never used (it kills the thread).
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type { CancelMessage } from '../shared/protocol.ts';

// Without an id: every task, from now on.
const message: CancelMessage = { kind: 'cancel' };

/** The cancel side of a run. */
export type CancelBroadcast = {
  /** Channel name to put in WorkerInit.cancelChannel. */
  readonly channelName: string;
  /** Aborted when the run is cancelled; main-thread tasks watch it. */
  readonly signal: AbortSignal;
  readonly isCancelled: boolean;
  /** Tells every worker and main-thread task to stop. Idempotent. */
  cancel(): void;
  /** Releases the channel (call once at the end of the run). */
  close(): void;
};

/** Creates the channel of one run. */
export function createCancelBroadcast(): CancelBroadcast {
  const channelName = `s3ferry-cancel-${process.pid}-${randomUUID()}`;
  const channel = new BroadcastChannel(channelName);
  const controller = new AbortController();
  let isClosed = false;
  return {
    channelName,
    signal: controller.signal,
    get isCancelled() {
      return controller.signal.aborted;
    },
    cancel() {
      if (controller.signal.aborted) return;
      controller.abort();
      if (!isClosed) channel.postMessage(message);
    },
    close() {
      if (isClosed) return;
      isClosed = true;
      channel.close();
    },
  };
}
