// The HTTP layer of the lean path (signed-request.ts): one node:http(s) request per attempt on the
// client's own keep-alive agents, with the connect and idle timeouts of the SDK's NodeHttpHandler
// and its errors in the same words and names (classify.ts reads them), and nothing else. The
// lean path's bodies are Buffers or none, so there is no expect-continue and no stream piping;
// and none of NodeHttpHandler's per-request timers (socket-usage warning, deferred keep-alive).
// Loading @smithy/node-http-handler, and the @smithy/core modules it pulls in, costs ~70 ms of
// CPU per thread before the first request (docs/benchmarks-tuning.md): a run whose requests all
// take the lean path never loads it.
import { request as httpRequest } from 'node:http';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Agent as HttpsAgent } from 'node:https';
import type { HttpRequest } from '@smithy/types';
import { uriEscape } from './sigv4.ts';

/** Options of {@link LeanHttpHandler}. */
export type LeanHttpHandlerOptions = {
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
  /** Time to connect a new socket, in ms; 0 for none. */
  connectionTimeoutMs: number;
  /** Time without a byte moving either way, in ms, until the answer's body ends; 0 for none. */
  socketTimeoutMs: number;
};

/** An answer: its body is the live response stream, for the caller to read or destroy. */
export type LeanHttpResponse = {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: IncomingMessage;
};

/** Node's errors that NodeHttpHandler names TimeoutError (the classifier sees the same names). */
const TIMEOUT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError' });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const error = new Error(typeof reason === 'string' ? reason : 'Request aborted');
  error.name = 'AbortError';
  if (reason instanceof Error) error.cause = reason;
  return error;
}

/** The query string, each part RFC 3986-encoded as the SDK's handler builds it. */
function queryString(query: HttpRequest['query']): string {
  if (query === undefined) return '';
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    const key = uriEscape(name);
    if (Array.isArray(value)) {
      for (const item of value) parts.push(`${key}=${uriEscape(item)}`);
    } else if (typeof value === 'string') parts.push(`${key}=${uriEscape(value)}`);
    else parts.push(key);
  }
  return parts.join('&');
}

/** Response headers as one string each (repeated headers joined with `,`, as the SDK does). */
function flatHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = typeof value === 'string' ? value : value.join(',');
  }
  return flat;
}

/** A host name as node:http takes it: an IPv6 literal without its brackets. */
function bareHost(hostname: string): string {
  return hostname.startsWith('[') ? hostname.replace(/^\[(.*)\]$/, '$1') : hostname;
}

/**
 * The aborts of the requests in flight under each signal. One signal covers many requests (a
 * task's, or every task of a thread), so it gets one 'abort' listener, added with its first
 * request, instead of an EventTarget listener added and removed per request (both slow in node:
 * ~1 % of a small object's CPU).
 */
const inFlight = new WeakMap<AbortSignal, Set<() => void>>();

function abortsOf(signal: AbortSignal): Set<() => void> {
  let aborts = inFlight.get(signal);
  if (aborts === undefined) {
    const created = new Set<() => void>();
    inFlight.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        for (const abort of [...created]) abort();
      },
      { once: true },
    );
    aborts = created;
  }
  return aborts;
}

/** The requests in flight under `signal` that its abort would stop (for tests). */
export function abortableRequests(signal: AbortSignal): number {
  return inFlight.get(signal)?.size ?? 0;
}

/**
 * Sends the lean path's requests. Shaped like the SDK's handlers (handle, destroy), so the
 * limiting and redirecting wrappers (limited-handler.ts, redirect.ts) wrap it as they wrap those.
 */
export class LeanHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  readonly #options: LeanHttpHandlerOptions;

  constructor(options: LeanHttpHandlerOptions) {
    this.#options = options;
  }

  handle(
    request: HttpRequest,
    options: { abortSignal?: AbortSignal | undefined; requestTimeout?: number } = {},
  ): Promise<{ response: LeanHttpResponse }> {
    const { abortSignal: signal, requestTimeout } = options;
    const { connectionTimeoutMs, socketTimeoutMs } = this.#options;
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(abortError(signal));
        return;
      }
      const https = request.protocol === 'https:';
      const query = queryString(request.query);
      const body = request.body as Buffer | undefined;
      const req = (https ? httpsRequest : httpRequest)({
        agent: https ? this.#options.httpsAgent : this.#options.httpAgent,
        host: bareHost(request.hostname),
        ...(request.port === undefined ? {} : { port: request.port }),
        method: request.method,
        path: query === '' ? request.path : `${request.path}?${query}`,
        headers: request.headers,
      });
      let response: IncomingMessage | undefined;
      let connectTimer: NodeJS.Timeout | undefined;
      let answerTimer: NodeJS.Timeout | undefined;
      let forgetAbort: (() => void) | undefined;
      const fail = (error: Error): void => {
        clearTimeout(connectTimer);
        clearTimeout(answerTimer);
        // A request destroyed while it waits for a socket never emits 'close'.
        forgetAbort?.();
        reject(error);
      };
      if (requestTimeout !== undefined && requestTimeout > 0) {
        // A wait for the answer's headers (first-byte-deadline.ts), as NodeHttpHandler's.
        answerTimer = setTimeout(() => {
          req.destroy();
          fail(
            timeoutError(
              `a request has exceeded the configured ${requestTimeout} ms requestTimeout.`,
            ),
          );
        }, requestTimeout);
      }
      req.once('response', (res) => {
        clearTimeout(connectTimer);
        clearTimeout(answerTimer);
        response = res;
        resolve({
          response: {
            statusCode: res.statusCode ?? -1,
            ...(res.statusMessage === undefined ? {} : { reason: res.statusMessage }),
            headers: flatHeaders(res.headers),
            body: res,
          },
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        fail(
          TIMEOUT_CODES.has(error.code ?? '')
            ? Object.assign(error, { name: 'TimeoutError' })
            : error,
        );
      });
      if (connectionTimeoutMs > 0) {
        req.once('socket', (socket) => {
          if (!socket.connecting) return;
          connectTimer = setTimeout(() => {
            req.destroy();
            fail(
              timeoutError(
                'the request socket did not establish a connection with the server within the ' +
                  `configured timeout of ${connectionTimeoutMs} ms.`,
              ),
            );
          }, connectionTimeoutMs);
          socket.once('connect', () => {
            clearTimeout(connectTimer);
          });
        });
      }
      if (socketTimeoutMs > 0) {
        // Node arms it once the socket is connected and disarms it when the answer has ended.
        req.setTimeout(socketTimeoutMs, () => {
          if (response?.complete === true) return;
          const error = timeoutError(
            `the request socket timed out after ${socketTimeoutMs} ms of inactivity.`,
          );
          response?.destroy(error);
          req.destroy();
          fail(error);
        });
      }
      if (signal !== undefined) {
        const aborts = abortsOf(signal);
        const onAbort = (): void => {
          req.destroy();
          fail(abortError(signal));
        };
        aborts.add(onAbort);
        forgetAbort = () => aborts.delete(onAbort);
        req.once('close', forgetAbort);
      }
      req.end(body);
    });
  }

  /** What the wrappers forward from the SDK's client; the lean handler has no config to update. */
  updateHttpClientConfig(): void {
    // Nothing to update: the lean handler's settings are fixed when it is built.
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  /** Closes the agents' sockets (shared with the SDK's handler, when one was built). */
  destroy(): void {
    this.#options.httpAgent.destroy();
    this.#options.httpsAgent.destroy();
  }
}
