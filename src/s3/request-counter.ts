// Counts S3 requests by operation name, retries included, per task: a middleware attached to each
// command (not to the shared client), placed inside the SDK's retry loop so every attempt counts.
import type { S3Api } from './sdk.ts';
import type { RequestCounts } from '../shared/protocol.ts';

/** A per-task tally of requests sent, by operation (`GetObject`, `UploadPart`…). */
export class RequestCounter {
  // A plain object, not a Map: a task counts two or three operations, and its snapshot is a copy.
  readonly #counts: RequestCounts = {};

  /** Adds `n` requests of `operation`. */
  add(operation: string, n = 1): void {
    this.#counts[operation] = (this.#counts[operation] ?? 0) + n;
  }

  /** Adds every count of `other` (e.g. a part's counts into its task's). */
  merge(other: RequestCounts): void {
    for (const operation in other) this.add(operation, other[operation] ?? 0);
  }

  /** Total requests of every operation. */
  get total(): number {
    let sum = 0;
    for (const operation in this.#counts) sum += this.#counts[operation] ?? 0;
    return sum;
  }

  /** Plain-data copy, safe to post across threads. */
  snapshot(): RequestCounts {
    return { ...this.#counts };
  }
}

/** Adds what `counter` counted into a run's `counts` (when the caller keeps any). */
export function addCounts(counts: RequestCounts | undefined, counter: RequestCounter): void {
  if (counts === undefined) return;
  const counted = counter.snapshot();
  for (const operation in counted) {
    counts[operation] = (counts[operation] ?? 0) + (counted[operation] ?? 0);
  }
}

/** `CopyObjectCommand` → `CopyObject`. */
function operationName(commandName: unknown): string {
  return typeof commandName === 'string' ? commandName.replace(/Command$/, '') : 'Unknown';
}

/** Options of {@link sendCounted}. */
export type SendCountedOptions = {
  counter: RequestCounter;
  /** Aborts the request (and any retry wait). */
  signal?: AbortSignal;
};

/** The output type of an SDK command. */
export type OutputOf<C> = C extends {
  resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: infer O }>;
}
  ? O
  : never;

/** What a counting middleware sees of the handler context. */
type CountingContext = { commandName?: string };
type Next = (args: unknown) => Promise<unknown>;
type CountableStack = {
  add(
    middleware: (next: Next, context: CountingContext) => Next,
    options: { step: 'deserialize'; name: string },
  ): void;
};

/**
 * Sends `command` on `client`, counting every attempt into `counter` under the operation name.
 * @example const head = await sendCounted(client, new HeadObjectCommand(input), { counter });
 */
export async function sendCounted<C extends { readonly middlewareStack: object }>(
  client: S3Api,
  command: C,
  options: SendCountedOptions,
): Promise<OutputOf<C>> {
  (command.middlewareStack as CountableStack).add(
    (next, context) => (args) => {
      options.counter.add(operationName(context.commandName));
      return next(args);
    },
    // The deserialize step runs inside the retry middleware (finalizeRequest): once per attempt.
    { step: 'deserialize', name: 's3ferryRequestCounter' },
  );
  const send = client.send.bind(client) as unknown as (
    command: C,
    options: { abortSignal?: AbortSignal },
  ) => Promise<OutputOf<C>>;
  return send(command, options.signal === undefined ? {} : { abortSignal: options.signal });
}
