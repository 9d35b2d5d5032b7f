// Optional HTTP redirect following (AWS_S3_REDIRECT), as megfile does it: GET only, 301/302/307/308
// with a Location header, once, and credentials dropped when the redirect leaves the host.
import { WrappedHandler } from './wrapped-handler.ts';
import type {
  HandlerOptions,
  HandlerRequest,
  HandlerResult,
  InnerHandler,
} from './wrapped-handler.ts';

const REDIRECT_STATUSES = new Set([301, 302, 307, 308]);

/** Headers that carry credentials: never sent to another host (megfile drops the same set). */
const SENSITIVE_HEADERS = new Set([
  'authorization',
  'www-authenticate',
  'cookie',
  'cookie2',
  'x-amz-security-token',
]);

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/** Same host and port, or a subdomain of the original host on the same port. */
function keepsCredentials(from: URL, to: URL): boolean {
  if (from.protocol !== to.protocol || from.port !== to.port) return false;
  return to.hostname === from.hostname || to.hostname.endsWith(`.${from.hostname}`);
}

function requestUrl(request: HandlerRequest): URL {
  const host =
    request.port === undefined ? request.hostname : `${request.hostname}:${request.port}`;
  return new URL(`${request.protocol}//${host}${request.path}`);
}

/**
 * A request handler that wraps the SDK's NodeHttpHandler (or the lean path's) and, when `follow` is true, follows one
 * redirect of a GET request. Other methods are never redirected: their bodies are signed for the
 * original URL and may not be replayable.
 */
export class RedirectingHandler extends WrappedHandler {
  readonly #follow: boolean;

  constructor(inner: InnerHandler, options: { follow: boolean }) {
    super(inner);
    this.#follow = options.follow;
  }

  async handle(request: HandlerRequest, options?: HandlerOptions): Promise<HandlerResult> {
    const first = await this.inner.handle(request, options);
    if (!this.#follow || request.method.toUpperCase() !== 'GET') return first;
    const { response } = first;
    if (!REDIRECT_STATUSES.has(response.statusCode)) return first;
    const location = headerValue(response.headers, 'location');
    if (location === undefined || location === '') return first;

    let from: URL;
    let to: URL;
    try {
      from = requestUrl(request);
      to = new URL(location, from);
    } catch {
      return first;
    }
    if (to.protocol !== 'http:' && to.protocol !== 'https:') return first;

    // Let the keep-alive socket be reused: the redirect body is small and unused.
    (response.body as { resume?: () => void } | undefined)?.resume?.();

    const keep = keepsCredentials(from, to);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) {
      const lower = key.toLowerCase();
      if (lower === 'host') continue;
      if (!keep && SENSITIVE_HEADERS.has(lower)) continue;
      headers[key] = value;
    }
    headers['host'] = to.host;
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of to.searchParams) {
      const previous = query[key];
      query[key] =
        previous === undefined
          ? value
          : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    // Same class as the SDK's request (keeps its prototype), new URL and headers.
    const next = Object.assign(
      Object.create(Object.getPrototypeOf(request) as object) as HandlerRequest,
      request,
      {
        protocol: to.protocol,
        hostname: to.hostname,
        port: to.port === '' ? undefined : Number(to.port),
        path: to.pathname,
        query,
        headers,
        fragment: undefined,
      },
    );
    return this.inner.handle(next, options);
  }
}
