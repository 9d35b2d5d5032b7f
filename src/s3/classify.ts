// The single place that turns SDK and network errors into S3FerryError (kind, code, status, URL,
// profile, endpoint, retryable, fatal, hint). The retry strategy asks isRetryableS3Error, which
// reads the same tables, so "what is retried" and "what is reported as retryable" cannot drift.
import { STATUS_CODES } from 'node:http';
import { maskAccessKey } from '../shared/display.ts';
import { S3FerryError, isS3FerryError } from '../shared/errors.ts';
import type { ErrorKind } from '../shared/errors.ts';
import { notS3AnswerOf } from './answer-check.ts';
import type { AnswerProblem } from './answer-check.ts';
import { isUnprovenEndpointError } from './endpoint-trust.ts';
import {
  checksumHint,
  credentialHint,
  displayEndpoint,
  endpointHint,
  formatS3Url,
  noCredentialsHint,
  noSuchBucketHint,
  permissionHint,
  redirectHint,
  regionHint,
  tlsHint,
} from './hints.ts';
import type { HintSpec } from './hints.ts';

/** What the failing request was about; every field is optional. */
export type ErrorContext = {
  /** The profile the request used: fills `profile`, `endpoint` and the hint. */
  spec?: HintSpec;
  bucket?: string;
  key?: string;
  /** Overrides the URL formatted from spec, bucket and key. */
  url?: string;
};

/** Throttling codes: S3's own plus the vendor codes megfile retries (Aliyun OSS, Volcengine TOS…). */
const THROTTLING_CODES = new Set([
  'SlowDown',
  'TooManyRequests',
  'TooManyRequestsException',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'ExceedAccountQPSLimit',
  'ExceedAccountRateLimit',
  'ExceedBucketQPSLimit',
  'ExceedBucketRateLimit',
  'DownloadTrafficRateLimitExceeded',
  'UploadTrafficRateLimitExceeded',
  'MetaOperationQpsLimitExceeded',
  'TotalQpsLimitExceeded',
  'PartitionQpsLimitted',
  'ActiveRequestLimitExceeded',
  'CpuLimitExceeded',
  'QpsLimitExceeded',
]);

/** Transient server-side codes, retried whatever their HTTP status (megfile's list). */
const TRANSIENT_SERVER_CODES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'Timeout',
  'ContextCanceled',
  'RequestTimeTooSkewed',
]);

/** Credentials rejected: fatal, every later request would fail the same way. */
const AUTH_CODES: Record<string, 'access' | 'secret' | 'token'> = {
  InvalidAccessKeyId: 'access',
  SignatureDoesNotMatch: 'secret',
  ExpiredToken: 'token',
  ExpiredTokenException: 'token',
  InvalidToken: 'token',
  TokenRefreshRequired: 'token',
};

const PERMISSION_CODES = new Set(['AccessDenied', 'AllAccessDisabled', 'AccountProblem']);
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload', 'NoSuchVersion']);
const REDIRECT_CODES = new Set(['PermanentRedirect', 'TemporaryRedirect', 'Redirect']);

/** Connection-level failures that a retry can fix. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/**
 * The endpoint is wrong or down. Not retried: retrying hides a typo in the endpoint behind
 * minutes of backoff for every object (megfile retries these 10 times).
 */
const ENDPOINT_UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** The facts of an error, read defensively: SDK errors, Node system errors, anything thrown. */
type Facts = {
  /** S3 error code from the response body, when there was one. */
  s3Code: string | undefined;
  httpStatus: number | undefined;
  /** Node/libuv/undici code (`ECONNRESET`…) from the error or its causes. */
  netCode: string | undefined;
  name: string;
  message: string;
  attempts: number | undefined;
  isCredentials: boolean;
  isAbort: boolean;
  isTimeout: boolean;
  /** The answer was not S3's (answer-check.ts): what was received and expected. */
  notS3: AnswerProblem | undefined;
  /** The endpoint had not given one S3 answer when this failed (endpoint-trust.ts). */
  isUnproven: boolean;
};

/** Names the SDK gives errors whose response had no usable error code. */
const CODELESS_NAMES = new Set(['Unknown', 'UnknownError', 'Error', 'S3ServiceException']);

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The SDK handler's timeout messages, in the words of the settings that set them:
 * `@smithy/node-http-handler - the request socket timed out after 60000 ms of inactivity
 * (configured by client requestHandler).` → `no byte moved for 60 s (--timeout)`.
 */
function timeoutMessage(message: string): string {
  const seconds = (ms: string | undefined): string => `${Number(ms) / 1000} s`;
  const idle = /timed out after (\d+) ms of inactivity/.exec(message);
  if (idle !== null) return `no byte moved for ${seconds(idle[1])} (--timeout)`;
  const connect = /did not establish a connection .* timeout of (\d+) ms/.exec(message);
  if (connect !== null) return `no connection within ${seconds(connect[1])} (--connect-timeout)`;
  const firstByte = /no answer within (\d+) ms of the request/.exec(message);
  if (firstByte !== null) {
    return `no answer within ${seconds(firstByte[1])} (the first-byte deadline, from the endpoint's answer times)`;
  }
  return message;
}

function readFacts(error: unknown): Facts {
  const top = record(error);
  const metadata = record(top?.['$metadata']);
  const status = metadata?.['httpStatusCode'];
  const attempts = metadata?.['attempts'];
  const name = str(top?.['name']) ?? (error instanceof Error ? error.name : 'Error');
  const isServiceError = top !== undefined && ('$fault' in top || str(top['Code']) !== undefined);
  const s3Code =
    str(top?.['Code']) ?? (isServiceError && !CODELESS_NAMES.has(name) ? name : undefined);

  // System error codes may sit on a cause (fetch/undici, wrapped SDK errors).
  let netCode: string | undefined;
  let message = str(top?.['message']) ?? String(error);
  let isAbort = false;
  let isTimeout = false;
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth += 1) {
    const rec = record(current);
    if (rec === undefined) break;
    const code = str(rec['code']);
    if (netCode === undefined && code !== undefined && !code.startsWith('ERR_INVALID')) {
      netCode = code;
    }
    const recName = str(rec['name']);
    if (recName === 'AbortError') isAbort = true;
    if (recName === 'TimeoutError') isTimeout = true;
    if (netCode === undefined && str(rec['message']) === 'socket hang up') netCode = 'ECONNRESET';
    current = rec['cause'];
  }
  if (message === 'UnknownError') message = '';
  if (isTimeout) message = timeoutMessage(message);
  return {
    s3Code,
    httpStatus: typeof status === 'number' ? status : undefined,
    netCode: isServiceError ? undefined : netCode,
    name,
    message,
    attempts: typeof attempts === 'number' ? attempts : undefined,
    isCredentials:
      name === 'CredentialsProviderError' ||
      message.includes('Could not load credentials from any providers'),
    isAbort,
    isTimeout,
    notS3: notS3AnswerOf(error),
    isUnproven: isUnprovenEndpointError(error),
  };
}

/** What a class of failure means, before the context (URL, profile) is added. */
type Verdict = {
  kind: ErrorKind;
  code: string;
  retryable: boolean;
  fatal: boolean;
  /** Built when a spec is known. */
  hint?: (spec: HintSpec, ctx: ErrorContext, url: string) => string;
  /** Replaces a missing or unhelpful server message. */
  detail?: string;
};

function statusCode(status: number): string {
  const text = STATUS_CODES[status];
  return text === undefined ? `Http${status}` : text.replace(/[^A-Za-z]/g, '');
}

/**
 * The verdict, made fatal when the endpoint has never answered as S3: a web page, a closed
 * connection or bytes that are not HTTP there mean the endpoint setting is wrong, and every
 * later request would fail the same way (the retry strategy gives such a request 3 attempts).
 */
function judge(f: Facts): Verdict {
  const verdict = judgeOne(f);
  if (!f.isUnproven) return verdict;
  if (verdict.kind === 'not-s3') {
    return {
      ...verdict,
      code: 'NotS3Endpoint',
      fatal: true,
      retryable: false,
      hint: (spec) => `${displayEndpoint(spec)} is not an S3 endpoint: ${endpointHint(spec)}`,
    };
  }
  if (verdict.retryable && (verdict.kind === 'network' || verdict.kind === 'server')) {
    return {
      ...verdict,
      fatal: true,
      hint: (spec) =>
        `${displayEndpoint(spec)} gave no S3 answer (is it the S3 endpoint?): ${endpointHint(spec)}`,
    };
  }
  return verdict;
}

function judgeOne(f: Facts): Verdict {
  const code = f.s3Code;
  const status = f.httpStatus;

  if (f.isAbort) {
    return { kind: 'network', code: 'Aborted', retryable: false, fatal: false };
  }
  if (f.notS3 !== undefined) {
    // A load balancer's 502/503 page in front of a real server is a passing server error.
    const isServerStatus = status !== undefined && (status >= 500 || status === 429);
    return {
      kind: isServerStatus ? 'server' : 'not-s3',
      code: isServerStatus ? statusCode(status) : 'MalformedAnswer',
      retryable: true,
      fatal: false,
      detail: `not an S3 answer: expected ${f.notS3.expected}, received ${f.notS3.received}`,
    };
  }
  if (f.isCredentials) {
    return {
      kind: 'auth',
      code: 'NoCredentials',
      retryable: false,
      fatal: true,
      hint: (spec) => noCredentialsHint(spec),
    };
  }
  if (code !== undefined && code in AUTH_CODES) {
    const which = AUTH_CODES[code] ?? 'access';
    return {
      kind: 'auth',
      code,
      retryable: false,
      fatal: true,
      hint: (spec) => credentialHint(spec, which),
    };
  }
  if (code === 'AuthorizationHeaderMalformed') {
    return { kind: 'auth', code, retryable: false, fatal: true, hint: (spec) => regionHint(spec) };
  }
  if ((code !== undefined && THROTTLING_CODES.has(code)) || status === 429) {
    return { kind: 'throttled', code: code ?? 'TooManyRequests', retryable: true, fatal: false };
  }
  // A feature the server does not have (object tagging on some gateways): asking again won't help.
  if (code === 'NotImplemented' || status === 501) {
    return { kind: 'server', code: 'NotImplemented', retryable: false, fatal: false };
  }
  if (
    (code !== undefined && TRANSIENT_SERVER_CODES.has(code)) ||
    status === 499 ||
    (status !== undefined && status >= 500)
  ) {
    const fallback = status === undefined ? 'ServerError' : statusCode(status);
    return { kind: 'server', code: code ?? fallback, retryable: true, fatal: false };
  }
  if (code === 'NoSuchBucket') {
    return {
      kind: 'not-found',
      code,
      retryable: false,
      fatal: true,
      hint: (spec, ctx) => noSuchBucketHint(spec, ctx.bucket ?? '?'),
    };
  }
  if ((code !== undefined && NOT_FOUND_CODES.has(code)) || (code === undefined && status === 404)) {
    return { kind: 'not-found', code: code ?? 'NotFound', retryable: false, fatal: false };
  }
  if (
    (code !== undefined && PERMISSION_CODES.has(code)) ||
    (code === undefined && status === 403)
  ) {
    return {
      kind: 'permission',
      code: code ?? 'Forbidden',
      retryable: false,
      fatal: false,
      hint: (spec, _ctx, url) => permissionHint(spec, url),
      // HEAD answers carry no body, so a wrong secret key looks like a plain 403 there.
      detail:
        code === undefined
          ? 'access denied (HTTP 403 without details: the keys lack permission, or the secret key is wrong)'
          : undefined,
    };
  }
  if (code === undefined && status === 401) {
    return {
      kind: 'auth',
      code: 'Unauthorized',
      retryable: false,
      fatal: true,
      hint: (spec) => credentialHint(spec, 'access'),
    };
  }
  if (code === 'MissingContentLength' || status === 411) {
    return {
      kind: 'client',
      code: code ?? 'MissingContentLength',
      retryable: false,
      fatal: true,
      hint: (spec) => checksumHint(spec),
      detail:
        'the server refused an upload without Content-Length (HTTP 411); it does not accept the ' +
        "SDK's streamed (aws-chunked) checksums",
    };
  }
  if (
    (code !== undefined && REDIRECT_CODES.has(code)) ||
    (status !== undefined && status >= 300 && status < 400)
  ) {
    return {
      kind: 'client',
      code: code ?? (status === undefined ? 'Redirect' : statusCode(status)),
      retryable: false,
      fatal: false,
      hint: (spec) => redirectHint(spec),
    };
  }
  if (status !== undefined && status >= 400) {
    return { kind: 'client', code: code ?? statusCode(status), retryable: false, fatal: false };
  }
  if (code !== undefined) {
    return { kind: 'client', code, retryable: false, fatal: false };
  }

  const net = f.netCode;
  if (net !== undefined && ENDPOINT_UNREACHABLE_CODES.has(net)) {
    return {
      kind: 'network',
      code: net,
      retryable: false,
      fatal: true,
      hint: (spec) => `cannot reach ${displayEndpoint(spec)}: ${endpointHint(spec)}`,
    };
  }
  if (net !== undefined && TLS_CODES.has(net)) {
    return {
      kind: 'network',
      code: net,
      retryable: false,
      fatal: true,
      hint: (spec) => tlsHint(spec),
    };
  }
  if ((net !== undefined && RETRYABLE_NETWORK_CODES.has(net)) || f.isTimeout) {
    return { kind: 'network', code: net ?? 'TimeoutError', retryable: true, fatal: false };
  }
  // Node's HTTP parser (HPE_*): the bytes that came back were not an HTTP answer.
  if (net?.startsWith('HPE_') === true) {
    return {
      kind: 'network',
      code: 'NotHttp',
      retryable: true,
      fatal: false,
      detail: `the answer was not HTTP (${net})`,
    };
  }
  if (net !== undefined && /^E[A-Z]+$/.test(net)) {
    return { kind: 'network', code: net, retryable: false, fatal: false };
  }
  return {
    kind: 'internal',
    code: f.name === 'Error' ? 'InternalError' : f.name,
    retryable: false,
    fatal: false,
  };
}

/** Removes secrets (and the raw access key id) from text that came from elsewhere. */
function redact(text: string, spec: HintSpec | undefined): string {
  const creds = spec?.credentials;
  if (creds === undefined) return text;
  let out = text;
  for (const secret of [creds.secretAccessKey, creds.sessionToken]) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('***');
  }
  if (creds.accessKeyId.length >= 4) {
    out = out.split(creds.accessKeyId).join(maskAccessKey(creds.accessKeyId));
  }
  return out;
}

/**
 * True when a retry can fix this error: 5xx, 429/499, throttling and transient codes (including
 * megfile's vendor codes), connection resets and timeouts. Used by the retry strategy.
 */
export function isRetryableS3Error(error: unknown): boolean {
  if (isS3FerryError(error)) return error.retryable;
  return judge(readFacts(error)).retryable;
}

/** True when the error is a throttling answer (SlowDown, 429…): the seam for a pool-wide slowdown. */
export function isThrottlingS3Error(error: unknown): boolean {
  if (isS3FerryError(error)) return error.kind === 'throttled';
  return judge(readFacts(error)).kind === 'throttled';
}

/**
 * True for answers that mean "the server is overloaded": throttling codes, 429, and any 503 (a
 * 503 without SlowDown is still a server asking for less). They shrink the endpoint's
 * concurrency; other errors are retried per request only.
 */
export function isOverloadAnswer(error: unknown): boolean {
  const classified = classifyS3Error(error);
  return classified.kind === 'throttled' || classified.httpStatus === 503;
}

/**
 * Translates any error from an S3 call into an S3FerryError. Already-translated errors pass
 * through unchanged.
 * @example
 * try { await client.send(cmd) } catch (e) { throw classifyS3Error(e, { spec, bucket, key }) }
 */
export function classifyS3Error(error: unknown, ctx: ErrorContext = {}): S3FerryError {
  if (isS3FerryError(error)) return error;
  const facts = readFacts(error);
  const verdict = judge(facts);
  const spec = ctx.spec;
  const url =
    ctx.url ?? (ctx.bucket === undefined ? undefined : formatS3Url(spec, ctx.bucket, ctx.key));

  let detail = verdict.detail ?? (facts.message === '' ? undefined : facts.message);
  if (detail === undefined) {
    // An error document with a code but no message (Ceph RGW's SignatureDoesNotMatch): the code
    // says what is wrong, where "HTTP 403 Forbidden" alone would not.
    detail =
      facts.httpStatus === undefined
        ? verdict.code
        : facts.s3Code !== undefined
          ? `${facts.s3Code} (HTTP ${facts.httpStatus})`
          : `HTTP ${facts.httpStatus} ${STATUS_CODES[facts.httpStatus] ?? ''}`.trim();
  }
  if (facts.attempts !== undefined && facts.attempts > 1) {
    detail += ` (after ${facts.attempts} attempts)`;
  }

  const details: ConstructorParameters<typeof S3FerryError>[3] = {
    retryable: verdict.retryable,
    fatal: verdict.fatal,
  };
  if (facts.httpStatus !== undefined) details.httpStatus = facts.httpStatus;
  if (url !== undefined) details.url = url;
  if (spec !== undefined) {
    details.profile = spec.name;
    details.endpoint = displayEndpoint(spec);
    if (verdict.hint !== undefined) details.hint = redact(verdict.hint(spec, ctx, url ?? ''), spec);
  }
  return new S3FerryError(verdict.kind, verdict.code, redact(detail, spec), details, {
    cause: error,
  });
}
