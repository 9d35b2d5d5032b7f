// Reuses S3 clients per MEGFILE_S3_CLIENT_CACHE_MODE, keyed by profile AND resolved settings
// (megfile keys by profile only, so the first caller's settings win). Counts clients built.
import { createHash } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import type { S3Api } from './sdk.ts';
import { S3FerryError } from '../shared/errors.ts';
import type { ClientCacheMode, ProfileSpec } from '../shared/profile.ts';
import { createS3Api, profileWarnings } from './client.ts';
import type { CreateS3ClientOptions } from './client.ts';

/** JSON with object keys sorted, so equal settings give equal strings. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The cache key of a spec: its name plus a hash of every resolved setting except provenance
 * (`sources`), so two specs that differ only in where a value came from share a client. Hashed so
 * the key never holds the secret key in clear.
 */
export function clientCacheKey(spec: ProfileSpec): string {
  // Specs are immutable once resolved: hash each object once, not on every request.
  const known = cacheKeys.get(spec);
  if (known !== undefined) return known;
  const key = computeCacheKey(spec);
  cacheKeys.set(spec, key);
  return key;
}

const cacheKeys = new WeakMap<ProfileSpec, string>();

function computeCacheKey(spec: ProfileSpec): string {
  const settings: Partial<ProfileSpec> = { ...spec };
  delete settings.sources;
  const digest = createHash('sha256').update(stableJson(settings)).digest('hex').slice(0, 32);
  return `${spec.name}#${digest}`;
}

/** Options of {@link ClientCache}. */
export type ClientCacheOptions = {
  mode: ClientCacheMode;
  /** Passed to every client built (socket pool size, shared backoff, retry counters). */
  client?: CreateS3ClientOptions;
  /** Receives each profile's warnings (e.g. TLS verification off) once per profile name. */
  onWarning?: (message: string) => void;
  /** Builds a client; tests may count or wrap it. @default createS3Api */
  factory?: (spec: ProfileSpec, options: CreateS3ClientOptions) => S3Api;
};

/**
 * One S3Client per (profile, resolved settings), built lazily on first use.
 *
 * - `thread_local` (default): each thread owns its cache and builds its own clients (module state
 *   is per thread under worker_threads, so a worker creates one ClientCache and keeps it).
 * - `process_local`: one cache for the whole process, on the main thread, shared by every task.
 *   An S3Client cannot cross threads, so workers must send their S3 requests to the main thread
 *   (planned with the worker pool, issue 3); until then using it off the main thread throws.
 */
export class ClientCache {
  readonly mode: ClientCacheMode;
  readonly #clients = new Map<string, S3Api>();
  readonly #built = new Map<string, number>();
  readonly #warned = new Set<string>();
  readonly #options: ClientCacheOptions;
  #destroyed = false;

  constructor(options: ClientCacheOptions) {
    this.mode = options.mode;
    this.#options = options;
  }

  /**
   * The client for this spec, built on first use.
   * @throws S3FerryError (config) from the factory, e.g. an unreadable CA bundle.
   */
  get(spec: ProfileSpec): S3Api {
    if (this.#destroyed) {
      throw new S3FerryError(
        'internal',
        'ClientCacheDestroyed',
        'the S3 client cache was destroyed',
      );
    }
    if (this.mode === 'process_local' && !isMainThread) {
      throw new S3FerryError(
        'internal',
        'ProcessLocalOffMainThread',
        'process_local S3 clients live on the main thread; a worker thread cannot use them directly',
      );
    }
    const key = clientCacheKey(spec);
    const cached = this.#clients.get(key);
    if (cached !== undefined) return cached;
    const factory = this.#options.factory ?? createS3Api;
    const client = factory(spec, this.#options.client ?? {});
    this.#clients.set(key, client);
    this.#built.set(spec.name, (this.#built.get(spec.name) ?? 0) + 1);
    if (this.#options.onWarning !== undefined && !this.#warned.has(spec.name)) {
      this.#warned.add(spec.name);
      for (const warning of profileWarnings(spec)) this.#options.onWarning(warning);
    }
    return client;
  }

  /** Clients built so far, per profile name (a profile with two settings variants counts 2). */
  clientsBuilt(): Record<string, number> {
    return Object.fromEntries(this.#built);
  }

  /** Number of clients currently cached. */
  get size(): number {
    return this.#clients.size;
  }

  /** Closes every client and its sockets; the cache cannot be used afterwards. */
  destroy(): void {
    this.#destroyed = true;
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
  }
}
