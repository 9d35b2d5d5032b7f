// A lean path for the requests every small object costs: CopyObject for server-side copies, GET →
// PUT of a small object buffered in memory for streamed ones, and ListObjectsV2 pages; and for
// the requests of a server-side multipart copy (HEAD, GetObjectTagging, Create, UploadPartCopy,
// Complete, Abort: transfer/head.ts, tags.ts, multipart-requests.ts, server-side.ts). It uses the client's own
// credentials, request handler (keep-alive agent, TLS, timeouts) and retry strategy, one SigV4
// signature, and nothing else. The SDK's send() resolves its middleware stack, walks the
// endpoint rule set and runs schema (de)serialisation and log filters on every request: about 1 ms
// of CPU per CopyObject on this machine against 0.4 ms here (docs/benchmarks.md), and on a 2-core
// machine shared with the server that CPU is throughput.
//
// Only requests whose semantics are simple enough to be exact are sent this way: a body that is
// a Buffer (replayable, so retried here within the budget) or none, a small response read whole,
// errors in S3's <Error> document. Everything else goes through the SDK.
//
// The boundary (everything not listed is private to this module):
// - registerSignedTransport: the client factory (client.ts) records what the path needs of a client.
// - canSendSigned, sendSigned: the callers (list-page.ts, transfer/context.ts's callSigned). When canSendSigned
//   says no, the caller sends the SDK's command instead.
// - buildSignedHttpRequest: the pure core, the signed request sendSigned would send for a target,
//   credentials and date; no network, no clock.
// - leanAddressing, requestLocation, encodeKeyPath: the endpoint rules, below.
// - serviceError, xmlText, decodeXmlText: S3's XML answers (list-page.ts parses pages with them).
//
// The endpoint rules are a copy of the SDK's, for the cases this path takes (leanAddressing): the
// SDK is the reference for where a request goes and what is signed, and
// test/unit/signed-request-drift.test.ts compares buildSignedHttpRequest with the SDK's own
// request, signature included, for a table of endpoints, addressing styles, regions, bucket names
// and awkward keys, so an SDK upgrade that changes them fails a test instead of drifting silently.
// The addressing *policy* (what the user's `auto`/`path`/`virtual` means) stays in client.ts
// (usesPathStyle), which sets the SDK's forcePathStyle and this path's `pathStyle` alike.
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Api } from './sdk.ts';
import type { AwsCredentialIdentity, HttpRequest, RetryStrategyV2 } from '@smithy/types';
import type { ProfileSpec } from '../shared/profile.ts';
import { checkAnswer, hasXmlAnswer, needsWholeBody, notS3AnswerError } from './answer-check.ts';
import { hasAnswered, markAnswered, tagUnproven } from './endpoint-trust.ts';
import { displayEndpoint } from './hints.ts';
import type { RequestCounter } from './request-counter.ts';
import { signHeadersInPlace, uriEscape } from './sigv4.ts';

/** Where requests go and for which region they are signed: what the builder needs of a client. */
export type SignedTarget = {
  spec: Pick<ProfileSpec, 'endpointUrl' | 'region'>;
  /** The client's forcePathStyle (usesPathStyle in client.ts). */
  pathStyle: boolean;
};

/** What the lean path needs of a client, recorded by the factory (src/s3/client.ts). */
export type SignedTransport = SignedTarget & {
  spec: ProfileSpec;
  retryStrategy: RetryStrategyV2;
  /** The client's request handler (NodeHttpHandler or the redirecting wrapper). */
  handler: {
    handle(
      request: HttpRequest,
      options?: { abortSignal?: AbortSignal },
    ): Promise<{ response: RawResponse }>;
  };
  /** The client's credentials: memoised, refreshed before expiry (the SDK's chain), or static. */
  credentials: CredentialProvider;
  /** Milliseconds to add to the local clock when signing (the SDK's skew correction). */
  clockOffsetMs: () => number;
};

type RawResponse = {
  statusCode: number;
  headers: Record<string, string>;
  body?: unknown;
};

/** A credential provider as the SDK's config holds one. */
export type CredentialProvider = () => Promise<AwsCredentialIdentity>;

const transports = new WeakMap<S3Api, SignedTransport>();

/** The SHA-256 of an empty payload: what SigV4 signs for a request without a body. */
const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * A body is not hashed for the signature (S3 allows UNSIGNED-PAYLOAD): its integrity is checked
 * by the server against the Content-MD5 the caller sends, which costs one hash instead of two.
 */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** Records the parts of `client` the lean path uses. Called once by the client factory. */
export function registerSignedTransport(client: S3Api, transport: SignedTransport): void {
  transports.set(client, transport);
}

/** One request of the lean path. */
export type SignedRequest = {
  /** Operation name, for the request counter and errors (`CopyObject`). */
  operation: string;
  method: 'GET' | 'PUT' | 'HEAD' | 'POST' | 'DELETE';
  bucket: string;
  key: string;
  /** Extra headers (lower case), e.g. `x-amz-copy-source`. */
  headers: Record<string, string>;
  /** Query parameters (unencoded), e.g. `{ 'list-type': '2' }`. */
  query?: Record<string, string>;
  /** The whole body; send its Content-MD5 in `headers`. */
  body?: Buffer;
  /** A larger response body is not read: the result has `tooLarge` set instead. */
  maxResponseBytes?: number;
};

/** A successful response: status 2xx and no <Error> document. */
export type SignedResponse = {
  statusCode: number;
  headers: Record<string, string>;
  /** The body as it arrived, for a reader that takes it in pieces (a listing page). */
  chunks: readonly Buffer[];
  /** The body whole, joined on first use. */
  readonly body: Buffer;
  /** The response announced more than `maxResponseBytes`; its body was discarded unread. */
  tooLarge?: true;
};

/** Whether `client` was built by s3ferry's factory and can take the lean path for `bucket`. */
export function canSendSigned(client: S3Api, bucket: string): boolean {
  const transport = transports.get(client);
  return transport !== undefined && leanAddressing(transport, bucket) !== undefined;
}

/**
 * Bucket names the SDK puts in the host name (virtual-hosted style): a DNS label without dots
 * (dotted names break TLS wildcard certificates; the SDK uses path style for them). Stricter than
 * the SDK's rule (no `--`): a name it would also accept only goes through the SDK.
 */
function isVirtualHostable(bucket: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket) && !bucket.includes('--');
}

/**
 * Regions of the SDK's `aws` partition, whose endpoints are `s3.<region>.amazonaws.com` (its
 * partitions table; cn-*, us-gov-*, the iso partitions and eusc-* have other names or rules).
 */
const AWS_PARTITION_REGION = /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/;

/**
 * How the SDK addresses `bucket` at the target's endpoint, for the cases this path copies: `path`
 * (`host/bucket/key`) when forced or at an IP address, `virtual` (`bucket.host/key`) for a bucket
 * name that is a DNS label. `undefined` where the SDK does something the lean path does not model
 * (a bucket name it would put in the path anyway, or no endpoint URL and a region outside AWS's
 * main partition, e.g. cn-north-1 at amazonaws.com.cn): the caller then sends the SDK's command.
 */
export function leanAddressing(
  target: SignedTarget,
  bucket: string,
): 'path' | 'virtual' | undefined {
  return routeOf(target, bucket)?.addressing;
}

function addressingFor(target: SignedTarget, bucket: string): 'path' | 'virtual' | undefined {
  const { spec } = target;
  if (spec.endpointUrl === undefined && !AWS_PARTITION_REGION.test(spec.region)) return undefined;
  // The SDK never puts a bucket in front of an IP address, whatever the addressing style.
  if (target.pathStyle || isIP(endpointOf(spec).hostname.replace(/^\[|\]$/g, '')) !== 0) {
    return 'path';
  }
  return isVirtualHostable(bucket) ? 'virtual' : undefined;
}

/** The profile's endpoint URL, or AWS's regional one. */
function endpointOf(spec: Pick<ProfileSpec, 'endpointUrl' | 'region'>): URL {
  let url = endpoints.get(spec);
  if (url === undefined) {
    url = new URL(spec.endpointUrl ?? `https://s3.${spec.region}.amazonaws.com`);
    endpoints.set(spec, url);
  }
  return url;
}

/** Parsed once per spec object: every request of a client reads its endpoint (never mutated). */
const endpoints = new WeakMap<object, URL>();

/** Keys that RFC 3986 encoding leaves as they are (unreserved characters and `/`). */
const PLAIN_KEY = /^[A-Za-z0-9._~/-]*$/;

/**
 * The object's key as a URL path: every `/`-separated segment RFC 3986-encoded as the SDK does it
 * (`!'()*` too), `/` kept.
 */
export function encodeKeyPath(key: string): string {
  if (PLAIN_KEY.test(key)) return key;
  return key.split('/').map(uriEscape).join('/');
}

/**
 * Where a request for bucket/key goes: the profile's endpoint, or AWS's regional one, with the
 * bucket in the path (`pathStyle`) or in the host name. Takes the addressing as decided by
 * {@link leanAddressing}.
 */
export function requestLocation(
  spec: Pick<ProfileSpec, 'endpointUrl' | 'region'>,
  pathStyle: boolean,
  bucket: string,
  key: string,
): { protocol: string; hostname: string; port?: number; path: string } {
  const route = bucketRoute(spec, pathStyle ? 'path' : 'virtual', bucket);
  return {
    protocol: route.protocol,
    hostname: route.hostname,
    path: `${route.pathBase}/${encodeKeyPath(key)}`,
    ...(route.port === undefined ? {} : { port: route.port }),
  };
}

/** What every request for one bucket at one endpoint shares: all of its location but the key. */
type BucketRoute = {
  addressing: 'path' | 'virtual';
  protocol: string;
  hostname: string;
  port?: number;
  /** The `host` header. */
  host: string;
  /** The path before the operation's `/{Key+}` ('' when that is the whole path). */
  pathBase: string;
};

function bucketRoute(
  spec: Pick<ProfileSpec, 'endpointUrl' | 'region'>,
  addressing: 'path' | 'virtual',
  bucket: string,
): BucketRoute {
  const pathStyle = addressing === 'path';
  const endpoint = endpointOf(spec);
  const port = endpoint.port === '' ? undefined : Number(endpoint.port);
  // Joined as the SDK joins them: the endpoint's path (in path style with a `/` ensured, then the
  // bucket), then the operation's `/{Key+}`, or `/` for a bucket request (key ''). So a bucket
  // request in path style goes to `/bucket/`, and an object request virtual-hosted at an
  // endpoint whose path ends in `/` goes to `/base//key`: both what the SDK sends.
  const { pathname } = endpoint;
  const base = pathStyle
    ? `${pathname.endsWith('/') ? pathname : `${pathname}/`}${uriEscape(bucket)}`
    : pathname;
  const hostname = pathStyle ? endpoint.hostname : `${bucket}.${endpoint.hostname}`;
  return {
    addressing,
    protocol: endpoint.protocol,
    hostname,
    ...(port === undefined ? {} : { port }),
    host: port === undefined ? hostname : `${hostname}:${port}`,
    pathBase: base === '/' ? '' : base,
  };
}

/**
 * Routes by target and bucket (undefined: the lean path cannot address it). Asked twice per
 * request with the same target and bucket, so worked out once per target object (a client's
 * transport lives as long as the client and is never mutated; a caller's literal is simply not
 * found again).
 */
const routesOf = new WeakMap<SignedTarget, Map<string, BucketRoute | undefined>>();

function routeOf(target: SignedTarget, bucket: string): BucketRoute | undefined {
  let routes = routesOf.get(target);
  if (routes === undefined) {
    routes = new Map();
    routesOf.set(target, routes);
  }
  if (routes.has(bucket)) return routes.get(bucket);
  const addressing = addressingFor(target, bucket);
  const route = addressing === undefined ? undefined : bucketRoute(target.spec, addressing, bucket);
  routes.set(bucket, route);
  return route;
}

/**
 * The signed HTTP request that {@link sendSigned} sends for `request` at `target`: URL as the SDK
 * would build it (see {@link leanAddressing}), `host`, `x-amz-date`, `x-amz-content-sha256`
 * (the empty payload's hash, or UNSIGNED-PAYLOAD for a body), `content-length` for a body, the
 * session token if any, and one SigV4 `authorization` over all of them as S3 signs (path as sent,
 * not encoded again). Pure: no network, and the clock is `signingDate`.
 * @throws when the lean path cannot address `request.bucket` (canSendSigned said no).
 */
export function buildSignedHttpRequest(
  target: SignedTarget,
  request: Pick<SignedRequest, 'method' | 'bucket' | 'key' | 'headers' | 'query' | 'body'>,
  credentials: AwsCredentialIdentity,
  signingDate: Date,
): HttpRequest {
  const route = routeOf(target, request.bucket);
  if (route === undefined) {
    throw new Error(`the lean path cannot address bucket ${request.bucket}`);
  }
  const path = `${route.pathBase}/${encodeKeyPath(request.key)}`;
  const { body } = request;
  const query = request.query ?? {};
  const headers: Record<string, string> = { ...request.headers, host: route.host };
  headers['x-amz-content-sha256'] = body === undefined ? EMPTY_PAYLOAD_SHA256 : UNSIGNED_PAYLOAD;
  if (body !== undefined) headers['content-length'] = String(body.length);
  signHeadersInPlace({
    method: request.method,
    // S3 signs the path as sent (single-encoded), as the SDK does for S3.
    path,
    query,
    headers,
    region: target.spec.region,
    service: 's3',
    credentials,
    date: signingDate,
  });
  const signed: HttpRequest = {
    method: request.method,
    protocol: route.protocol,
    hostname: route.hostname,
    path,
    query,
    headers,
  };
  if (route.port !== undefined) signed.port = route.port;
  if (body !== undefined) signed.body = body;
  return signed;
}

/**
 * Reads a response body stream to its end, as the chunks that arrived (S3's answers to these
 * requests are small; a listing page is parsed from its chunks, see list-page.ts), with listeners
 * rather than `for await` (a promise per chunk; no measurable gain on 64 KiB GETs, though:
 * docs/benchmarks-tuning.md).
 */
function readBody(body: unknown): Promise<Buffer[]> {
  if (body === undefined || body === null) return Promise.resolve([]);
  const stream = body as NodeJS.ReadableStream;
  return new Promise<Buffer[]>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    stream.on('data', (chunk: Buffer | string) => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    });
    stream.on('end', () => {
      ended = true;
      resolve(chunks);
    });
    stream.on('error', reject);
    // A body destroyed without an error (an abort) ends neither way on its own. Every body
    // closes, also after its end: the error (and its stack) is built only when it is needed.
    stream.on('close', () => {
      if (ended) return;
      reject(
        Object.assign(new Error('the answer was cut off'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }),
      );
    });
  });
}

/**
 * A response over the chunks of its body, joined only when `body` is read: a listing page is
 * ~230 KB, and a joined copy is one more fresh allocation per page (tenth pass).
 */
function responseOf(
  statusCode: number,
  headers: Record<string, string>,
  chunks: readonly Buffer[],
): SignedResponse {
  let joined: Buffer | undefined;
  return {
    statusCode,
    headers,
    chunks,
    get body(): Buffer {
      const [only] = chunks;
      joined ??= chunks.length === 1 && only !== undefined ? only : Buffer.concat(chunks);
      return joined;
    },
  };
}

/** The first `bytes` of a body in chunks (the chunk itself when it holds them). */
function startOf(chunks: readonly Buffer[], bytes: number): Buffer {
  const first = chunks[0];
  if (first === undefined) return Buffer.alloc(0);
  if (first.length >= bytes || chunks.length === 1) return first;
  return Buffer.concat(chunks).subarray(0, bytes);
}

/** Frees a response body that will not be read (its socket goes back to the pool or closes). */
function discardBody(body: unknown): void {
  (body as { destroy?: () => void } | undefined)?.destroy?.();
}

const XML_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/**
 * XML character data as the SDK's serialiser escapes it (@aws-sdk/xml-builder), byte for byte:
 * its U+2028 rule replaces the first one only, and so does this.
 */
export function escapeXmlText(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#x0D;')
    .replace(/\n/g, '&#x0A;')
    .replace(/\u0085/g, '&#x85;')
    .replace(/\u2028/, '&#x2028;');
}

/** The text of the first `<tag>` element of a small XML document, entities decoded. */
export function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  const text = match?.[1];
  return text === undefined ? undefined : decodeXmlText(text);
}

/** XML character data with its entities (`&amp;`, `&#233;`, `&#x4E2D;`…) decoded. */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return XML_ENTITIES[entity] ?? whole;
  });
}

/**
 * An error shaped like the SDK's service exceptions (`name`/`Code`, `$fault`, `$metadata`), so
 * classify.ts and the retry strategy judge it exactly as they judge the SDK's.
 */
export function serviceError(
  statusCode: number,
  headers: Record<string, string>,
  body: string,
): Error {
  const code = body.includes('<Error>') ? xmlText(body, 'Code') : undefined;
  const message = xmlText(body, 'Message') ?? code ?? 'UnknownError';
  const error = new Error(message);
  error.name = code ?? 'UnknownError';
  const requestId = headers['x-amz-request-id'];
  Object.assign(error, {
    ...(code === undefined ? {} : { Code: code }),
    $fault: statusCode >= 500 ? 'server' : 'client',
    $metadata: {
      httpStatusCode: statusCode,
      ...(requestId === undefined ? {} : { requestId }),
      attempts: 1,
    },
  });
  return error;
}

/**
 * Holds an answer to S3's shape (answer-check.ts) and records the endpoint as answering when it
 * is: an object GET must deliver exactly its Content-Length, any other answer its document.
 * @throws the NotS3Answer error of answer-check.ts, or a retryable short-body error.
 */
function judgeAnswer(request: SignedRequest, response: SignedResponse, endpoint: string): void {
  const { operation } = request;
  const { statusCode, headers, chunks } = response;
  const isData = statusCode < 300 && !hasXmlAnswer(operation);
  // A document whose root is all there is to check (a listing page) is judged by its start.
  const judged = isData
    ? undefined
    : needsWholeBody(operation)
      ? response.body
      : startOf(chunks, 1024);
  const problem = checkAnswer({
    operation,
    statusCode,
    headers,
    ...(judged === undefined ? {} : { body: judged }),
    isHead: request.method === 'HEAD',
    hasAnswered: hasAnswered(endpoint),
  });
  if (problem !== undefined) throw notS3AnswerError(operation, statusCode, problem);
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  if (isData && request.method === 'GET' && length !== Number(headers['content-length'])) {
    throw shortBodyError(operation, Number(headers['content-length']), length);
  }
  markAnswered(endpoint);
}

/** A body that ended before (or ran past) its Content-Length: retried like a reset. */
function shortBodyError(operation: string, expected: number, received: number): Error {
  const error = new Error(
    `the answer to ${operation} announced ${expected} bytes but delivered ${received}`,
  );
  error.name = 'IncompleteBody';
  Object.assign(error, { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  return error;
}

/** The lean path's operations whose 200 answer may be an <Error> document. */
const FAILS_AFTER_200 = new Set(['CopyObject', 'UploadPartCopy', 'CompleteMultipartUpload']);

/**
 * Whether a 200 answer's body is S3's <Error> document. AWS keeps a long Complete's connection
 * alive with spaces before the document, so leading white space is skipped first.
 */
function isErrorDocument(body: Buffer): boolean {
  let start = 0;
  while (start < body.length && XML_SPACE.has(body[start] as number)) start += 1;
  return /^(<\?xml[^>]*>\s*)?<Error>/.test(body.subarray(start, start + 256).toString('utf8'));
}

/** XML's white space bytes: space, tab, CR, LF. */
const XML_SPACE = new Set([0x20, 0x09, 0x0d, 0x0a]);

/** Retry-After (seconds or an HTTP date) as the time the server asked us to wait until. */
function retryAfterHint(headers: Record<string, string>): Date | undefined {
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return new Date(Date.now() + seconds * 1000);
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A transport's credentials as last resolved (see {@link credentialsOf}). */
const resolvedCredentials = new WeakMap<SignedTransport, AwsCredentialIdentity>();

/** How long before expiry credentials are resolved again: the SDK's memoised providers' window. */
const CREDENTIALS_REFRESH_MS = 5 * 60_000;

/**
 * The transport's credentials: those resolved last while they are more than the SDK's refresh
 * window from expiry (static ones never expire), else the provider's promise. Saves a promise
 * per request; the provider (memoised by the SDK) decides as before when to fetch new ones.
 */
function credentialsOf(
  transport: SignedTransport,
): AwsCredentialIdentity | Promise<AwsCredentialIdentity> {
  const known = resolvedCredentials.get(transport);
  if (
    known !== undefined &&
    (known.expiration === undefined ||
      known.expiration.getTime() - Date.now() > CREDENTIALS_REFRESH_MS)
  ) {
    return known;
  }
  return transport.credentials().then((credentials) => {
    resolvedCredentials.set(transport, credentials);
    return credentials;
  });
}

/** Options of {@link sendSigned}. */
export type SendSignedOptions = {
  counter: RequestCounter;
  signal?: AbortSignal | undefined;
};

/**
 * Sends `request` with the client's credentials, handler and retry budget. Counts every attempt.
 * @throws the SDK-shaped service error of the last attempt, or the handler's network error.
 */
export async function sendSigned(
  client: S3Api,
  request: SignedRequest,
  options: SendSignedOptions,
): Promise<SignedResponse> {
  const transport = transports.get(client);
  if (transport === undefined) throw new Error('sendSigned: the client has no signed transport');
  if (leanAddressing(transport, request.bucket) === undefined) {
    throw new Error(`sendSigned: the lean path cannot address bucket ${request.bucket}`);
  }
  const strategy = transport.retryStrategy;
  const endpoint = displayEndpoint(transport.spec);
  let token = await strategy.acquireInitialRetryToken(request.operation);
  for (let attempt = 1; ; attempt += 1) {
    options.counter.add(request.operation);
    let headers: Record<string, string> = {};
    try {
      const known = credentialsOf(transport);
      const signed = buildSignedHttpRequest(
        transport,
        request,
        known instanceof Promise ? await known : known,
        new Date(Date.now() + transport.clockOffsetMs()),
      );
      const { response } = await transport.handler.handle(
        signed,
        options.signal === undefined ? {} : { abortSignal: options.signal },
      );
      headers = response.headers;
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      const length = Number(headers['content-length']);
      if (ok && request.maxResponseBytes !== undefined && length > request.maxResponseBytes) {
        discardBody(response.body);
        strategy.recordSuccess(token);
        return { ...responseOf(response.statusCode, headers, []), tooLarge: true };
      }
      const answer = responseOf(response.statusCode, headers, await readBody(response.body));
      judgeAnswer(request, answer, endpoint);
      // CopyObject and UploadPartCopy can fail after their 200 status line: the error is then
      // the body (status 400 then, as the SDK's throw-200-exceptions middleware does).
      if (!ok || (FAILS_AFTER_200.has(request.operation) && isErrorDocument(answer.body))) {
        throw serviceError(ok ? 400 : response.statusCode, headers, answer.body.toString('utf8'));
      }
      strategy.recordSuccess(token);
      return answer;
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      if (!hasAnswered(endpoint)) tagUnproven(error);
      // As the SDK's retry middleware does, also on network errors: callers count attempts.
      if (typeof error === 'object' && error !== null) {
        const carrier = error as { $metadata?: { attempts?: number } };
        carrier.$metadata = { ...carrier.$metadata, attempts: attempt };
      }
      const hint = retryAfterHint(headers);
      try {
        token = await strategy.refreshRetryTokenForRetry(token, {
          error: error as Error,
          errorType: 'TRANSIENT',
          ...(hint === undefined ? {} : { retryAfterHint: hint }),
        } as Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1]);
      } catch {
        throw error;
      }
      await sleep(
        token.getRetryDelay(),
        undefined,
        options.signal === undefined ? {} : { signal: options.signal },
      );
    }
  }
}
