// The plain-data vocabulary shared by the planner (main thread), the engine and the worker threads.
// Everything here must survive structured cloning: no classes, no functions, no SDK objects.
import type { ObjectSettings } from './object-settings.ts';
import type { SerializedError } from './errors.ts';
import type { ClientCacheMode, ProfileSpec } from './profile.ts';

/** One listed object or file, keyed relative to the listing root. */
export type ListEntry = {
  /** Raw key relative to the root (S3: key minus the root prefix; local: path with `/`). */
  key: string;
  sizeBytes: number;
  /** S3 LastModified or the local file's mtime, in ms since the epoch. */
  mtimeMs: number;
  /** Normalised S3 ETag (no quotes); undefined for local files. */
  etag?: string;
};

/** A concrete object or file location (not a prefix). */
export type Location =
  { kind: 's3'; profile: string; bucket: string; key: string } | { kind: 'local'; path: string };

/** How a copy moves its bytes; chosen by the planner, executed by a worker handler. */
export type CopyMethod =
  | 'server-side' // same endpoint and credentials: CopyObject / UploadPartCopy
  | 'stream' // S3 → S3 across endpoints or credentials: GET → PUT / UploadPart
  | 'upload' // local → S3
  | 'download' // S3 → local, via a temp file in the destination directory, then rename + utimes
  | 'local'; // local → local, via a temp file, then rename

export type CopyTask = {
  kind: 'copy';
  id: number;
  method: CopyMethod;
  src: Location;
  dst: Location;
  sizeBytes: number;
  /** Source mtime (ms); a download sets the local file's mtime to it so a re-sync skips. */
  mtimeMs: number;
  /** At or above this size the copy is multipart (always above 5 GiB for server-side copies). */
  multipartThresholdBytes: number;
  /** Part size for multipart copies; the planner keeps every upload within 10,000 parts. */
  partSizeBytes: number;
  /** Parts in flight at once for one multipart copy. */
  partConcurrency: number;
  /** Report the multipart upload's id and stored parts as it runs (a `--checkpoint` run). */
  recordsUploads?: true;
  /** A multipart upload recorded by an interrupted run, to continue instead of starting over. */
  resumeUpload?: ResumableUpload;
  /** S3 → S3: carry the source's object tags (default on; `--no-tags` leaves them out). */
  copyTags?: true;
  /** To S3: storage class, encryption, ACL and headers of the object written. */
  objectSettings?: ObjectSettings;
};

/** A recorded multipart upload: its id and the parts stored, as [part number, ETag, size]. */
export type ResumableUpload = {
  uploadId: string;
  partSizeBytes: number;
  parts: [number, string, number][];
};

/** What a multipart copy reports about its upload (for the checkpoint). */
export type UploadEvent =
  | { type: 'started'; uploadId: string; partSizeBytes: number; sizeBytes: number }
  | { type: 'part'; uploadId: string; partNumber: number; etag: string; sizeBytes: number }
  | { type: 'ended'; uploadId: string };

/** Computes the MD5 of a local file (for --checksum against S3 ETags). */
export type HashTask = { kind: 'md5'; id: number; path: string };

/** Reads an S3 object with a streamed GET and computes its MD5 (`check --download`). */
export type HashObjectTask = {
  kind: 'md5-object';
  id: number;
  src: Extract<Location, { kind: 's3' }>;
};

export type WorkerTask = CopyTask | HashTask | HashObjectTask;

/** Requests sent, by S3 operation name (e.g. `CopyObject: 3`), retries included. */
export type RequestCounts = Record<string, number>;

/** S3 clients a thread has built so far, per profile name (cumulative for that thread). */
export type ClientsBuilt = { threadId: number; built: Record<string, number> };

/** A thread's answers on the wire, by HTTP status (`"200"`, `"503"`, `"error"`: none), and retries granted. */
export type WireCounts = { responses: Record<string, number>; retries: number };

export type TaskResult =
  | {
      ok: true;
      id: number;
      bytes: number;
      md5?: string;
      /** The bytes passed through s3ferry but had no source MD5 to be checked against. */
      isUnverified?: true;
      /** Warnings for the run (each printed once), e.g. tags a server could not give. */
      warnings?: string[];
      requests: RequestCounts;
      clientsBuilt?: ClientsBuilt;
      /** The thread's answers by status and retries since its last result. */
      wire?: WireCounts;
    }
  | {
      ok: false;
      id: number;
      error: SerializedError;
      requests: RequestCounts;
      clientsBuilt?: ClientsBuilt;
      wire?: WireCounts;
    };

/** What each worker thread receives as piscina `workerData`. */
export type WorkerInit = {
  /** Resolved profiles by name; tasks name them in `Location.profile`. */
  profiles: Record<string, ProfileSpec>;
  cacheMode: ClientCacheMode;
  /** Sockets per endpoint for each client the thread builds. */
  maxSockets: number;
  /** Pool-wide backoff state (src/s3/shared-backoff.ts `createBackoffBuffer()`). */
  backoffBuffer: SharedArrayBuffer;
  /** Name of the BroadcastChannel that carries {@link CancelMessage}s to every thread. */
  cancelChannel: string;
};

/** Posted on the cancel channel: cancel one task (`id`) or, without `id`, every task from now on. */
export type CancelMessage = { kind: 'cancel'; id?: number };

/**
 * Messages a worker posts to the main thread while a task runs. `bytes` is the change since the
 * task's previous message (negative when a failed attempt is rolled back before a retry).
 */
export type WorkerMessage =
  { kind: 'bytes'; id: number; bytes: number } | { kind: 'upload'; id: number; event: UploadEvent };
