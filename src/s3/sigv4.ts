// AWS Signature Version 4 for the lean path's requests (signed-request.ts), synchronous and with
// the signing key derived once per day, region and secret. @smithy/signature-v4 does the same
// work through promises and computes an HMAC per request only to look its key cache up: about a
// third of the lean path's signing CPU (docs/benchmarks-tuning.md). What is signed follows the
// SDK exactly — the drift test (test/unit/signed-request-drift.test.ts) holds the two together.
import { createHash, createHmac } from 'node:crypto';

/** Credentials as the SDK's providers give them. */
export type SigningCredentials = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
};

/** What is signed: the request as it will be sent. */
export type SigningInput = {
  method: string;
  /** The path as sent (already encoded: S3 signs it without encoding it again). */
  path: string;
  /** Query parameters, unencoded. */
  query: Record<string, string>;
  /** Headers in lower case, `host` and `x-amz-content-sha256` among them. */
  headers: Record<string, string>;
  region: string;
  service: string;
  credentials: SigningCredentials;
  date: Date;
};

/** Headers the SDK never signs: proxies may change or drop them on the way. */
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** A header value with blanks SigV4 trims or folds into one space. */
const NEEDS_FOLDING = /^\s|\s$|\s\s|[\t\n\r\f\v]/;

/** RFC 3986 encoding (`!'()*` encoded too), as SigV4's canonical query wants it. */
export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The last second formatted: every request of a second carries the same date. */
let formatted = { second: Number.NaN, text: '' };

/** `20261204T193000Z` */
function amzDate(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== formatted.second) {
    const text = date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    formatted = { second, text };
  }
  return formatted.text;
}

/**
 * Signing keys by secret and scope. More than one: a copy between two users signs its GET with
 * one secret and its PUT with the other, and a single cached key was derived again (four HMACs)
 * for nearly every request. A new day's scope replaces the old ones.
 */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 32;

function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  const id = `${day}/${region}/${service}\n${secret}`;
  const cached = signingKeys.get(id);
  if (cached !== undefined) return cached;
  const hmac = (key: string | Buffer, data: string): Buffer =>
    createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
  if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
  signingKeys.set(id, key);
  return key;
}

/** The canonical query string: encoded pairs sorted by key, then value. */
function canonicalQuery(query: Record<string, string>): string {
  const names = Object.keys(query);
  if (names.length === 0) return ''; // object requests: GET, PUT, CopyObject
  const pairs = names
    .map((k) => [uriEscape(k), uriEscape(query[k] ?? '')] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * The headers to send with `input`'s request: its own, plus `x-amz-date`, the session token
 * when there is one, and `authorization`.
 */
export function signRequest(input: SigningInput): Record<string, string> {
  return signHeadersInPlace({ ...input, headers: { ...input.headers } });
}

/**
 * {@link signRequest} for a caller that built `input.headers` for this request alone: they are
 * completed in place and returned, not copied (the lean path signs every request).
 */
export function signHeadersInPlace(input: SigningInput): Record<string, string> {
  const { credentials, headers } = input;
  const date = amzDate(input.date);
  const day = date.slice(0, 8);
  headers['x-amz-date'] = date;
  if (credentials.sessionToken !== undefined && credentials.sessionToken !== '')
    headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers)
    .filter((name) => !UNSIGNABLE.has(name))
    .sort();
  let canonicalHeaders = '';
  for (const name of names) {
    const value = String(headers[name]);
    // Most values have no blank to fold: one test instead of a trim and a replace.
    const folded = NEEDS_FOLDING.test(value) ? value.trim().replace(/\s+/g, ' ') : value;
    canonicalHeaders += `${name}:${folded}\n`;
  }
  const signedHeaders = names.join(';');
  const payloadHash = headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD';
  const canonicalRequest = `${input.method}\n${input.path}\n${canonicalQuery(input.query)}\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const key = signingKey(credentials.secretAccessKey, day, input.region, input.service);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  headers['authorization'] =
    `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
