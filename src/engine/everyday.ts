// What the everyday commands (ls, stat, cat, rm, cp's checks) share: one configuration, one
// main-thread client per profile, request counting, and paths resolved into S3 or local targets.
import { resolve as resolvePath } from 'node:path';
import type { S3Api } from '../s3/sdk.ts';
import type { ConfigResolver } from '../config/load.ts';
import { loadConfigFromProcess } from '../config/load.ts';
import { parsePath } from '../paths/path.ts';
import { ClientCache } from '../s3/client-cache.ts';
import { S3FerryError } from '../shared/errors.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';

/** Options every everyday operation accepts. */
export type EverydayOptions = {
  /** Where profiles come from. @default loadConfigFromProcess() */
  config?: Pick<ConfigResolver, 'profile' | 'global'>;
  /** Stops the operation (the request in flight is aborted). */
  signal?: AbortSignal;
  /** Receives warnings (a profile with TLS verification off, a file that cannot be listed…). */
  onWarning?: (message: string) => void;
  /** Incremented per S3 request sent, by operation, retries included. */
  requests?: RequestCounts;
};

/** An S3 path with its resolved profile and client. `key` is raw, as typed. */
export type S3Target = {
  kind: 's3';
  bucket: string;
  key: string;
  spec: ProfileSpec;
  client: S3Api;
  /** `s3` or `s3+NAME`, as the user wrote it. */
  scheme: string;
  /** The user-facing URL of a key of this bucket: `s3+NAME://bucket/key`. */
  url(key: string): string;
};

/** A local path: as given (for messages) and absolute. */
export type LocalTarget = { kind: 'local'; path: string; absolute: string };

/** `s3://` (or `s3+NAME://`) with no bucket: the bucket list of a profile. */
export type S3RootTarget = { kind: 's3-root'; spec: ProfileSpec; client: S3Api; scheme: string };

export type Target = S3Target | LocalTarget | S3RootTarget;

/** Resolves paths and owns the clients of one everyday command; {@link close} releases them. */
export class EverydaySession {
  readonly requests: RequestCounts;
  readonly signal: AbortSignal | undefined;
  readonly #config: Pick<ConfigResolver, 'profile' | 'global'>;
  readonly #clients: ClientCache;

  constructor(options: EverydayOptions = {}) {
    this.#config = options.config ?? loadConfigFromProcess();
    this.requests = options.requests ?? {};
    this.signal = options.signal;
    // Main thread only: both cache modes behave the same here.
    this.#clients = new ClientCache({
      mode: this.#config.global().clientCacheMode,
      client: { maxSockets: 8 },
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
    });
  }

  /**
   * Parses `input` and resolves its profile.
   * @throws S3FerryError: `usage` for a bad path, `config` for an unknown profile.
   */
  resolve(input: string): Target {
    const path = parsePath(input);
    if (path.kind === 'local') {
      return { kind: 'local', path: path.path, absolute: resolvePath(path.path) };
    }
    const spec = this.#config.profile(path.profile);
    const client = this.#clients.get(spec);
    const scheme = path.profile === undefined ? 's3' : `s3+${path.profile}`;
    if (path.bucket === '') return { kind: 's3-root', spec, client, scheme };
    return {
      kind: 's3',
      bucket: path.bucket,
      key: path.key,
      spec,
      client,
      scheme,
      url: (key) => `${scheme}://${path.bucket}/${key}`,
    };
  }

  close(): void {
    this.#clients.destroy();
  }
}

/** Runs `fn` with a session and always closes it. */
export async function withSession<T>(
  options: EverydayOptions,
  fn: (session: EverydaySession) => Promise<T>,
): Promise<T> {
  const session = new EverydaySession(options);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/** `no such object or directory: PATH` (exit code 1; not fatal: nothing else was asked). */
export function notFound(what: string, path: string, hint?: string): S3FerryError {
  return new S3FerryError('not-found', 'NotFound', `${what}: ${path}`, {
    fatal: false,
    ...(hint === undefined ? {} : { hint }),
  });
}

/** The errno code of a failed fs call (`ENOENT`…), or the error as text. */
export function errnoOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : String(error);
}

/** A failed local fs call as an S3FerryError: ENOENT is `not-found`, the rest `local-io`. */
export function localError(error: unknown, path: string, doing: string): S3FerryError {
  const code = errnoOf(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return notFound('no such file or directory', path);
  }
  const denied = code === 'EACCES' || code === 'EPERM';
  return new S3FerryError('local-io', code, `cannot ${doing} ${path}: ${code}`, {
    fatal: false,
    ...(denied ? { hint: 'check the permissions of the path' } : {}),
  });
}

/** The last segment of a path or key, without a trailing `/` (`a/b/` → `b`). */
export function baseName(pathOrKey: string): string {
  const trimmed = pathOrKey.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
