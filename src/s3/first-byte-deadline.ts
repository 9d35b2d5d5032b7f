// An adaptive deadline on the first byte of an answer, for requests the server should answer at
// once (no body to speak of, no copy or multipart assembly to do): a stalled request is cut and
// retried after about a second instead of the idle timeout (--timeout, 60 s), so one stall does
// not hold the end of a run (issue 12 §1). The deadline follows the endpoint's own latency as a
// TCP retransmission timer does (RFC 6298): a smoothed time to the first byte plus four times its
// variation, at least a second, doubled after each deadline that fired (so a slow server gets
// longer waits, not a retry storm) and reset by the next answer. Until an endpoint has answered a
// few requests there is no deadline; listings and object requests are timed apart.
import type { HttpRequest } from '@smithy/types';
import { WrappedHandler } from './wrapped-handler.ts';
import type {
  HandlerOptions,
  HandlerRequest,
  HandlerResult,
  InnerHandler,
} from './wrapped-handler.ts';

/** Requests whose body is larger than this carry upload time in their wait: no deadline. */
export const FIRST_BYTE_MAX_BODY = 256 * 1024;
/** The shortest deadline (RFC 6298's minimum RTO). */
export const FIRST_BYTE_MIN_MS = 1000;
/** Answers an endpoint must have given before its requests get a deadline. */
export const FIRST_BYTE_MIN_SAMPLES = 8;

type Kind = 'list' | 'object';

/** RFC 6298's estimator for one kind of request, in ms. */
class Estimator {
  #samples = 0;
  #srtt = 0;
  #rttvar = 0;
  #backoff = 1;

  add(ms: number): void {
    if (this.#samples === 0) {
      this.#srtt = ms;
      this.#rttvar = ms / 2;
    } else {
      this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - ms);
      this.#srtt = 0.875 * this.#srtt + 0.125 * ms;
    }
    this.#samples += 1;
    this.#backoff = 1;
  }

  fired(): void {
    this.#backoff = Math.min(this.#backoff * 2, 1024);
  }

  /** The deadline in ms, or undefined while too few answers were seen. */
  deadline(capMs: number): number | undefined {
    if (this.#samples < FIRST_BYTE_MIN_SAMPLES) return undefined;
    const rto = Math.max(FIRST_BYTE_MIN_MS, this.#srtt + 4 * this.#rttvar) * this.#backoff;
    return capMs > 0 ? Math.min(rto, capMs) : rto;
  }
}

function bodyBytes(request: HttpRequest): number {
  const length = request.headers['content-length'] ?? request.headers['Content-Length'];
  if (length !== undefined) return Number(length);
  const body: unknown = request.body;
  if (body === undefined || body === null) return 0;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return Buffer.byteLength(body);
  return Number.POSITIVE_INFINITY; // a stream of unknown length
}

/**
 * The kind of `request` for the deadline, or undefined when it gets none: a body over
 * {@link FIRST_BYTE_MAX_BODY}, a server-side copy (the server reads the source before it
 * answers) and every POST: CompleteMultipartUpload assembles the parts, DeleteObjects takes up to
 * 1,000 keys, and a CreateMultipartUpload cut while queued could still start an upload after the
 * retry's search for orphans (transfer/lost-answers.ts) has run.
 */
export function firstByteKind(request: HttpRequest): Kind | undefined {
  if (bodyBytes(request) > FIRST_BYTE_MAX_BODY) return undefined;
  const headers = request.headers;
  if (headers['x-amz-copy-source'] !== undefined) return undefined;
  const query = request.query ?? {};
  // A cut CreateMultipartUpload may still start an upload after the retry's orphan search.
  if (request.method === 'POST') return undefined;
  if (request.method === 'GET' && ('list-type' in query || 'uploads' in query)) return 'list';
  if (request.method === 'GET' && /^\/[^/]*\/?$/.test(request.path) && !('uploadId' in query)) {
    return 'list'; // ListObjects (v1) on a path-style bucket URL
  }
  return 'object';
}

/** One endpoint's deadlines (one per client: a client talks to one endpoint). */
export class FirstByteDeadline {
  readonly #capMs: number;
  readonly #estimators: Record<Kind, Estimator> = {
    list: new Estimator(),
    object: new Estimator(),
  };

  /** @param capMs the idle timeout (--timeout): no deadline is longer; 0 = none. */
  constructor(capMs: number) {
    this.#capMs = capMs;
  }

  /** The deadline of `kind`'s next request in ms, or undefined for none. */
  deadlineFor(kind: Kind): number | undefined {
    return this.#estimators[kind].deadline(this.#capMs);
  }

  /** An answer's headers arrived `ms` after the request was handed to the socket layer. */
  answered(kind: Kind, ms: number): void {
    this.#estimators[kind].add(ms);
  }

  /** A deadline of `kind` fired: the next one is twice as long, until an answer comes. */
  fired(kind: Kind): void {
    this.#estimators[kind].fired();
  }
}

/** The error a fired deadline fails its attempt with (retried like any timeout). */
export function firstByteTimeoutError(ms: number): Error {
  return Object.assign(
    new Error(`no answer within ${Math.round(ms)} ms of the request (first-byte deadline)`),
    { name: 'TimeoutError', code: 'ETIMEDOUT' },
  );
}

/**
 * Wraps a request handler (the lean one or the SDK's, both honour `requestTimeout` as a wait for
 * the answer's headers) so every request of a deadline kind gets `deadline`'s current deadline.
 */
export class FirstByteHandler extends WrappedHandler {
  readonly #deadline: FirstByteDeadline;

  constructor(inner: InnerHandler, deadline: FirstByteDeadline) {
    super(inner);
    this.#deadline = deadline;
  }

  async handle(request: HandlerRequest, options: HandlerOptions = {}): Promise<HandlerResult> {
    const kind = firstByteKind(request);
    if (kind === undefined) return this.inner.handle(request, options);
    const ms = this.#deadline.deadlineFor(kind);
    const started = performance.now();
    try {
      const result = await this.inner.handle(
        request,
        ms === undefined ? options : { ...options, requestTimeout: ms },
      );
      this.#deadline.answered(kind, performance.now() - started);
      return result;
    } catch (error) {
      const name = (error as { name?: unknown } | null)?.name;
      if (ms !== undefined && name === 'TimeoutError' && performance.now() - started >= ms - 1) {
        this.#deadline.fired(kind);
        throw firstByteTimeoutError(ms);
      }
      throw error;
    }
  }
}
