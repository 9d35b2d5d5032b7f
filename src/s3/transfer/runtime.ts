// Hosts runTask for one thread: resolves profiles to clients, gives each task its own counter and
// throttled progress reporter and an abort signal (the thread's, or in a worker its own), and
// cancels tasks on request. Used by the worker entry (workers/transfer.ts) and by the engine when
// it runs tasks on the main thread.
import { setMaxListeners } from 'node:events';
import type { S3Api } from '../sdk.ts';
import { S3FerryError } from '../../shared/errors.ts';
import type { ProfileSpec } from '../../shared/profile.ts';
import type { TaskResult, WorkerMessage, WorkerTask } from '../../shared/protocol.ts';
import { RequestCounter } from '../request-counter.ts';
import { drainWire } from '../wire-tally.ts';
import type { SharedRate } from '../shared-rate.ts';
import type { TransferBackoff, TransferContext } from './context.ts';
import { runTask } from './run-task.ts';

/** Where the runtime gets clients (a ClientCache fits). */
export type ClientSource = {
  get(spec: ProfileSpec): S3Api;
  clientsBuilt(): Record<string, number>;
};

/** Options of {@link TransferRuntime}. */
export type TransferRuntimeOptions = {
  profiles: Record<string, ProfileSpec>;
  clients: ClientSource;
  /** Shared with the clients, so handler retries and SDK retries see one pool-wide pause. */
  backoff?: TransferBackoff;
  /** The pool's byte rate (--bwlimit), shared by every thread. @default no limit */
  byteRate?: SharedRate;
  /** Receives throttled progress messages (a worker posts them to the main thread). */
  post?: (message: WorkerMessage) => void;
  /** Shortest time between two progress messages of one task. @default 200 */
  progressIntervalMs?: number;
  /**
   * Set in a worker thread (its id). Every result then carries the thread's clientsBuilt and its
   * wire counts, and each task gets its own abort signal, so `cancel(id)` stops that task alone
   * (a cancel message may name one task). The main thread leaves it unset: it reports its clients
   * once, at the end of the run, hands its wire counts over at most every progress interval, and
   * its tasks share one signal (a run is cancelled as a whole).
   */
  worker?: { threadId: number };
  /** @default Date.now */
  now?: () => number;
};

/**
 * Runs tasks with per-task contexts over one set of clients.
 * @example
 * const runtime = new TransferRuntime({ profiles, clients: new ClientCache({ mode }) });
 * const result = await runtime.run(task);
 */
export class TransferRuntime {
  readonly #options: TransferRuntimeOptions;
  /**
   * The signal every task shares outside a worker: an AbortController per task (an
   * EventTarget, plus the lean path's listener on it) cost ~2 % of a small object's CPU. The SDK
   * adds a listener per request to it, so it has no listener limit to warn at.
   */
  readonly #controller = new AbortController();
  /** Each running task's own controller (in a worker only). */
  readonly #byTask = new Map<number, AbortController>();
  #running = 0;
  /** When the main thread last handed its wire counts over with a result (see run). */
  #lastWireDrain = 0;

  constructor(options: TransferRuntimeOptions) {
    this.#options = options;
    setMaxListeners(0, this.#controller.signal);
  }

  /**
   * Cancels task `id` (in a worker; otherwise an id cancels nothing), or without an
   * id every running task and every later one.
   */
  cancel(id?: number): void {
    if (id !== undefined) {
      this.#byTask.get(id)?.abort();
      return;
    }
    this.#controller.abort();
    for (const controller of this.#byTask.values()) controller.abort();
  }

  /** Number of tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Runs one task; never rejects. */
  async run(task: WorkerTask): Promise<TaskResult> {
    this.#running += 1;
    let signal = this.#controller.signal;
    if (this.#options.worker !== undefined) {
      const own = new AbortController();
      // As the shared signal: a task's requests (and their retries) each add a listener.
      setMaxListeners(0, own.signal);
      if (signal.aborted) own.abort();
      this.#byTask.set(task.id, own);
      signal = own.signal;
    }
    const progress = this.#progressFor(task.id);
    const ctx: TransferContext = {
      clientFor: (name) => this.#options.clients.get(this.#spec(name)),
      specFor: (name) => this.#options.profiles[name],
      signal,
      onBytes: progress.add,
      counter: new RequestCounter(),
      ...(this.#options.backoff === undefined ? {} : { backoff: this.#options.backoff }),
    };
    const { byteRate } = this.#options;
    if (byteRate !== undefined) ctx.pace = (bytes, signal) => byteRate.reserve(bytes, signal);
    const { post } = this.#options;
    if (task.kind === 'copy' && task.recordsUploads === true && post !== undefined) {
      ctx.onUpload = (event) => {
        post({ kind: 'upload', id: task.id, event });
      };
    }
    try {
      // No final progress message: the result carries the task's bytes, and one message less
      // per task is measurable on many small objects.
      const result = await runTask(task, ctx);
      const { worker } = this.#options;
      // This thread's answers so far (other tasks' too): every count reaches the run once. A
      // worker hands them over with every result; the main thread at most every progress
      // interval (the run drains what is left at its end: drainWireInto).
      if (worker !== undefined || this.#isWireDrainDue()) {
        const wire = drainWire();
        if (wire !== undefined) result.wire = wire;
      }
      if (worker !== undefined) {
        result.clientsBuilt = {
          threadId: worker.threadId,
          built: this.#options.clients.clientsBuilt(),
        };
      }
      return result;
    } finally {
      this.#running -= 1;
      this.#byTask.delete(task.id);
    }
  }

  #isWireDrainDue(): boolean {
    const now = (this.#options.now ?? Date.now)();
    if (now - this.#lastWireDrain < (this.#options.progressIntervalMs ?? 200)) return false;
    this.#lastWireDrain = now;
    return true;
  }

  #spec(name: string): ProfileSpec {
    const spec = this.#options.profiles[name];
    if (spec === undefined) {
      throw new S3FerryError(
        'internal',
        'UnknownProfile',
        `a task names the profile ${name}, which this thread was not given`,
      );
    }
    return spec;
  }

  /** Sums byte deltas and posts them at most every progressIntervalMs. */
  #progressFor(id: number): { add: (delta: number) => void } {
    const post = this.#options.post;
    const interval = this.#options.progressIntervalMs ?? 200;
    const now = this.#options.now ?? Date.now;
    let pending = 0;
    let lastPost = now();
    const flush = (): void => {
      if (pending === 0 || post === undefined) return;
      post({ kind: 'bytes', id, bytes: pending });
      pending = 0;
      lastPost = now();
    };
    return {
      add: (delta) => {
        pending += delta;
        if (now() - lastPost >= interval) flush();
      },
    };
  }
}
