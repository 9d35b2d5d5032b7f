// A fault-injecting HTTP reverse proxy for tests: sits on 127.0.0.1 in front of a real S3 server
// and, per a scriptable plan, answers S3 errors, resets connections, delays or redirects requests.
// Every request is logged (method, path, headers, body size/MD5, answer size) so tests can count
// attempts and bytes.
import { createHash } from 'node:crypto';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** Options of {@link FaultProxy.start}. */
export type FaultProxyOptions = {
  /** Serve https with this key and certificate (PEM) instead of plain http. */
  tls?: { key: string; cert: string };
};

/** One request as the proxy received it. */
export type ProxiedRequest = {
  /** 1-based arrival order. */
  seq: number;
  /** When its headers arrived (performance.now() of the test process). */
  atMs: number;
  method: string;
  /** Path without the query string, raw (still percent-encoded), e.g. `/bucket/key`. */
  path: string;
  /** Query string without `?` ('' when none). */
  query: string;
  headers: IncomingHttpHeaders;
  /** What the proxy did: `forward`, or the fault kind it injected. */
  action: Fault['kind'];
  /** Request body size and MD5 (base64), when the proxy read the body (not for `reset`). */
  bodyBytes?: number;
  bodyMd5?: string;
  /** Answer body size as the client was sent it, once a forwarded answer has ended. */
  answerBytes?: number;
};

/**
 * What to do with a request.
 * - `forward`: pass it to the upstream server unchanged (the default when no rule matches).
 * - `error`: answer an S3 XML error (e.g. 503 SlowDown) without contacting the upstream.
 * - `reset`: destroy the client connection without answering (ECONNRESET / socket hang up).
 * - `delay`: wait `ms`, then forward (a stalled server; combine with short client timeouts).
 * - `redirect`: answer `status` with a Location to the upstream server's same path and query
 *   (or `location(request)`), so a client that follows it reaches the real server directly.
 * - `rewrite`: forward, read the upstream's whole answer, and send what `rewrite` makes of it
 *   (a misconfigured endpoint's HTML page, a body with a flipped byte…). Content-Length is set
 *   to the new body's length unless the rewrite sets it itself.
 * - `drop`: forward, let the upstream answer in full, then cut the client's connection without
 *   passing the answer on: the server did the work, the client never learns it (a lost answer).
 * - `truncate`: forward, send the upstream's status, headers (the full Content-Length) and half
 *   of its body, then cut the connection (a truncated answer). An empty answer is cut right
 *   after its headers.
 * - `resetMidBody`: a request with a body is cut after half of it arrived (nothing forwarded);
 *   one without a body is forwarded and its answer cut halfway, like `truncate`.
 */
export type Fault =
  | { kind: 'forward' }
  | {
      kind: 'error';
      status: number;
      code: string;
      message?: string;
      headers?: Record<string, string>;
    }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'redirect'; status: 301 | 302 | 307 | 308; location?: (req: ProxiedRequest) => string }
  | { kind: 'rewrite'; rewrite: (answer: UpstreamAnswer, req: ProxiedRequest) => UpstreamAnswer }
  | { kind: 'drop' }
  | { kind: 'truncate' }
  | { kind: 'resetMidBody' };

/** An upstream answer as a `rewrite` fault sees (and returns) it. */
export type UpstreamAnswer = { status: number; headers: IncomingHttpHeaders; body: Buffer };

/** A rule of the plan: applies `fault` to matching requests, `times` times (default: always). */
export type FaultRule = {
  match?: (req: ProxiedRequest) => boolean;
  times?: number;
  fault: Fault;
};

/** A rule added to a proxy, with how many requests it has hit so far. */
export type ActiveRule = FaultRule & { hits: number; remove(): void };

/** Shorthands for common faults. */
export const faults = {
  slowDown: (): Fault => ({
    kind: 'error',
    status: 503,
    code: 'SlowDown',
    message: 'Please reduce your request rate.',
  }),
  internalError: (): Fault => ({
    kind: 'error',
    status: 500,
    code: 'InternalError',
    message: 'We encountered an internal error. Please try again.',
  }),
  reset: (): Fault => ({ kind: 'reset' }),
  delay: (ms: number): Fault => ({ kind: 'delay', ms }),
  redirect: (status: 301 | 302 | 307 | 308 = 307): Fault => ({ kind: 'redirect', status }),
  drop: (): Fault => ({ kind: 'drop' }),
  truncate: (): Fault => ({ kind: 'truncate' }),
  resetMidBody: (): Fault => ({ kind: 'resetMidBody' }),
} as const;

/** A seeded generator in [0, 1) (xorshift32): enough spread for picking requests, and repeatable. */
export function seededRandom(seed = 1): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

/**
 * A seeded coin for rules that hit a share of requests: `match: chance(0.1, seed)` matches about
 * 10 % of the requests it sees, the same ones for the same seed and arrival order.
 */
export function chance(probability: number, seed = 1): () => boolean {
  const random = seededRandom(seed);
  return () => random() < probability;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The proxy. Rules are checked in the order added; the first matching rule with hits left
 * applies. Forwarded requests keep their Host header unchanged: SigV4 signs it, and the client
 * signed for the proxy's host:port.
 *
 * @example
 * const proxy = await FaultProxy.start('http://127.0.0.1:9000');
 * proxy.addRule({ times: 2, fault: faults.slowDown() });
 * // … point a client at proxy.url …
 * assert.equal(proxy.count({ method: 'PUT' }), 3);
 * await proxy.close();
 */
export class FaultProxy {
  readonly upstream: URL;
  /** Every request received, in order. */
  readonly requests: ProxiedRequest[] = [];
  readonly #server: Server;
  readonly #scheme: 'http' | 'https';
  /**
   * A new upstream connection per request: a kept-alive one that the server (moto) closed while
   * idle could fail a forwarded request, which the proxy answers 502, and the client's retry then
   * showed as a second request that no fault of the plan caused (a CI run counted two
   * AbortMultipartUpload where the test expects one).
   */
  readonly #agent = new Agent({ keepAlive: false });
  readonly #rules: ActiveRule[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(upstream: URL, options: FaultProxyOptions) {
    this.upstream = upstream;
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res);
    };
    this.#server =
      options.tls === undefined
        ? createServer(onRequest)
        : createHttpsServer(options.tls, onRequest);
    this.#scheme = options.tls === undefined ? 'http' : 'https';
  }

  /** Starts a proxy for `upstream` (an http:// URL) on a random port of 127.0.0.1. */
  static async start(upstream: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    const target = new URL(upstream);
    if (target.protocol !== 'http:') {
      throw new Error(`FaultProxy forwards to http:// only: ${upstream}`);
    }
    const proxy = new FaultProxy(target, options);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    return proxy;
  }

  /** The proxy's base URL, e.g. `http://127.0.0.1:40123`: point clients here. */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `${this.#scheme}://127.0.0.1:${port}`;
  }

  /** Adds a rule at the end of the plan. */
  addRule(rule: FaultRule): ActiveRule {
    const active: ActiveRule = {
      ...rule,
      hits: 0,
      remove: () => {
        const index = this.#rules.indexOf(active);
        if (index !== -1) this.#rules.splice(index, 1);
      },
    };
    this.#rules.push(active);
    return active;
  }

  /** Applies `fault` to the next `n` requests (matching `match`, if given). */
  failNext(n: number, fault: Fault, match?: (req: ProxiedRequest) => boolean): ActiveRule {
    return this.addRule(match === undefined ? { times: n, fault } : { times: n, fault, match });
  }

  /** Applies `fault` to every request (matching `match`, if given) until removed. */
  failAlways(fault: Fault, match?: (req: ProxiedRequest) => boolean): ActiveRule {
    return this.addRule(match === undefined ? { fault } : { fault, match });
  }

  /** Removes every rule: requests are forwarded again. */
  clearRules(): void {
    this.#rules.length = 0;
  }

  /** Forgets the request log. */
  clearLog(): void {
    this.requests.length = 0;
  }

  /** Number of logged requests matching all given criteria. */
  count(filter: { method?: string; path?: string | RegExp; action?: Fault['kind'] } = {}): number {
    return this.requests.filter((r) => {
      if (filter.method !== undefined && r.method !== filter.method.toUpperCase()) return false;
      if (typeof filter.path === 'string' && r.path !== filter.path) return false;
      if (filter.path instanceof RegExp && !filter.path.test(r.path)) return false;
      if (filter.action !== undefined && r.action !== filter.action) return false;
      return true;
    }).length;
  }

  /** Stops listening, drops open connections and cancels pending delays. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.#server.closeAllConnections();
    this.#agent.destroy();
    await closed;
  }

  private pick(info: ProxiedRequest): Fault {
    for (const rule of this.#rules) {
      if (rule.times !== undefined && rule.hits >= rule.times) continue;
      if (rule.match !== undefined && !rule.match(info)) continue;
      rule.hits += 1;
      return rule.fault;
    }
    return { kind: 'forward' };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const info: ProxiedRequest = {
      seq: this.requests.length + 1,
      atMs: performance.now(),
      method: (req.method ?? 'GET').toUpperCase(),
      path: q === -1 ? raw : raw.slice(0, q),
      query: q === -1 ? '' : raw.slice(q + 1),
      headers: req.headers,
      action: 'forward',
    };
    const fault = this.pick(info);
    info.action = fault.kind;
    this.requests.push(info);

    switch (fault.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'forward':
        this.forward(req, res, info);
        return;
      case 'rewrite':
        this.forward(req, res, info, fault.rewrite);
        return;
      case 'drop':
      case 'truncate':
        this.forward(req, res, info, undefined, fault.kind);
        return;
      case 'resetMidBody':
        if (Number(req.headers['content-length'] ?? 0) > 0) this.cutRequestBody(req);
        else this.forward(req, res, info, undefined, 'truncate');
        return;
      case 'delay': {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.forward(req, res, info);
        }, fault.ms);
        this.#timers.add(timer);
        return;
      }
      case 'error':
      case 'redirect':
        // Read the whole body first so the client is not cut off mid-upload (EPIPE).
        this.readBody(req, info, () => {
          if (fault.kind === 'error') this.answerError(res, info, fault);
          else this.answerRedirect(res, info, fault);
        });
        return;
    }
  }

  /** Cuts the connection once half of the request's announced body has arrived. */
  private cutRequestBody(req: IncomingMessage): void {
    const half = Math.max(1, Math.floor(Number(req.headers['content-length']) / 2));
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes >= half) req.socket.destroy();
    });
    req.on('end', () => req.socket.destroy());
  }

  /** Sends the status, headers and half of `body`, then cuts the connection. */
  private truncateAnswer(
    res: ServerResponse,
    status: number,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): void {
    res.writeHead(status, headers);
    res.flushHeaders();
    const half = body.subarray(0, Math.floor(body.length / 2));
    if (half.length === 0) {
      setImmediate(() => res.socket?.destroy());
      return;
    }
    res.write(half, () => {
      setImmediate(() => res.socket?.destroy());
    });
  }

  /** Records the request body's size and MD5 in `info` as it flows; `done` runs at its end. */
  private readBody(req: IncomingMessage, info: ProxiedRequest, done?: () => void): void {
    const md5 = createHash('md5');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      md5.update(chunk);
    });
    req.on('end', () => {
      info.bodyBytes = bytes;
      info.bodyMd5 = md5.digest('base64');
      done?.();
    });
  }

  private answerError(
    res: ServerResponse,
    info: ProxiedRequest,
    fault: Extract<Fault, { kind: 'error' }>,
  ): void {
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(fault.code)}</Code>` +
      `<Message>${xmlEscape(fault.message ?? fault.code)}</Message>` +
      `<RequestId>fault-proxy-${info.seq}</RequestId></Error>`;
    const headers = {
      'content-type': 'application/xml',
      'x-amz-request-id': `fault-proxy-${info.seq}`,
      ...fault.headers,
    };
    // HEAD answers have no body, like real S3 errors to HEAD.
    res.writeHead(fault.status, {
      ...headers,
      'content-length': info.method === 'HEAD' ? '0' : String(Buffer.byteLength(body)),
    });
    res.end(info.method === 'HEAD' ? undefined : body);
  }

  private answerRedirect(
    res: ServerResponse,
    info: ProxiedRequest,
    fault: Extract<Fault, { kind: 'redirect' }>,
  ): void {
    const location =
      fault.location?.(info) ??
      `${this.upstream.origin}${info.path}${info.query === '' ? '' : `?${info.query}`}`;
    res.writeHead(fault.status, { location, 'content-length': '0' });
    res.end();
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    info: ProxiedRequest,
    rewrite?: Extract<Fault, { kind: 'rewrite' }>['rewrite'],
    cut?: 'drop' | 'truncate',
  ): void {
    const headers = { ...req.headers };
    // Node's server already answered any 100-continue; the upstream need not see it again.
    delete headers.expect;
    const upstreamReq = httpRequest(
      {
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: req.method,
        path: req.url,
        headers,
        agent: this.#agent,
      },
      (upstreamRes) => {
        upstreamRes.on('error', () => res.destroy());
        if (cut !== undefined) {
          const chunks: Buffer[] = [];
          upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamRes.on('end', () => {
            info.answerBytes = 0;
            if (cut === 'drop') req.socket.destroy();
            else
              this.truncateAnswer(
                res,
                upstreamRes.statusCode ?? 502,
                upstreamRes.headers,
                Buffer.concat(chunks),
              );
          });
          return;
        }
        if (rewrite === undefined) {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          let answerBytes = 0;
          upstreamRes.on('data', (chunk: Buffer) => {
            answerBytes += chunk.length;
          });
          upstreamRes.on('end', () => {
            info.answerBytes = answerBytes;
          });
          upstreamRes.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamRes.on('end', () => {
          const answer = rewrite(
            {
              status: upstreamRes.statusCode ?? 502,
              headers: { ...upstreamRes.headers },
              body: Buffer.concat(chunks),
            },
            info,
          );
          const headers = { ...answer.headers };
          delete headers['transfer-encoding'];
          headers['content-length'] ??= String(answer.body.length);
          res.writeHead(answer.status, headers);
          info.answerBytes = info.method === 'HEAD' ? 0 : answer.body.length;
          res.end(info.method === 'HEAD' ? undefined : answer.body);
        });
      },
    );
    upstreamReq.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('fault-proxy: upstream unreachable');
      } else {
        res.destroy();
      }
    });
    this.readBody(req, info);
    req.on('error', () => upstreamReq.destroy());
    req.pipe(upstreamReq);
  }
}
