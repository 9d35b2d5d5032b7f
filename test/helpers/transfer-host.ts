// A small host for runTask on the main thread (what a worker thread gives a copy): the clients of
// the given profiles with fast retries, and tallies of bytes; plus a CopyTask builder.
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { RequestCounter } from '../../src/s3/request-counter.ts';
import { fullJitterBackoff } from '../../src/s3/retry.ts';
import type { TransferContext } from '../../src/s3/transfer/context.ts';
import { runTask } from '../../src/s3/transfer/run-task.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import type { CopyMethod, CopyTask, Location, TaskResult } from '../../src/shared/protocol.ts';

export const MiB = 1024 * 1024;

/** Backoff of test clients and handlers: retries within milliseconds. */
export const fast = { backoff: fullJitterBackoff({ baseMs: 1, capMs: 5 }) };

/** The clients of the given profiles, byte and request tallies. */
export class Host {
  readonly specs = new Map<string, ProfileSpec>();
  readonly clients = new Map<string, S3Client>();

  add(spec: ProfileSpec): this {
    this.specs.set(spec.name, spec);
    this.clients.set(spec.name, createS3Client(spec, fast));
    return this;
  }

  /** Runs copyTask(...args) and returns its result plus the bytes reported through onBytes. */
  async copy(
    ...args: Parameters<typeof copyTask>
  ): Promise<{ result: TaskResult; reported: number }> {
    return this.run(copyTask(...args));
  }

  /** Runs `task` with `extra` in its context (a signal, an onUpload recorder). */
  async run(
    task: CopyTask,
    extra: Pick<TransferContext, 'signal' | 'onUpload'> = {
      signal: new AbortController().signal,
    },
  ): Promise<{ result: TaskResult; reported: number }> {
    let reported = 0;
    const ctx: TransferContext = {
      clientFor: (name) => this.clients.get(name)!,
      specFor: (name) => this.specs.get(name),
      onBytes: (delta) => {
        reported += delta;
      },
      counter: new RequestCounter(),
      backoff: fast.backoff,
      ...extra,
    };
    return { result: await runTask(task, ctx), reported };
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
  }
}

let nextId = 1;

/** A copy task with a 64 MiB threshold, 5 MiB parts and 3 parts in flight unless overridden. */
export function copyTask(
  method: CopyMethod,
  src: Location,
  dst: Location,
  sizeBytes: number,
  overrides: Partial<CopyTask> = {},
): CopyTask {
  return {
    kind: 'copy',
    id: nextId++,
    method,
    src,
    dst,
    sizeBytes,
    mtimeMs: Date.now(),
    multipartThresholdBytes: 64 * MiB,
    partSizeBytes: 5 * MiB,
    partConcurrency: 3,
    ...overrides,
  };
}
