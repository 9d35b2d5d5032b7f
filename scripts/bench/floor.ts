// The node:http floor (issue 13 §1): the requests of a step — exactly those of the raw SDK
// ceiling (ceiling.ts) — sent with nothing but node:http and node:crypto: one keep-alive agent
// per endpoint (`concurrency` sockets), path-style URLs, SigV4 written out below with the
// signing key derived once per day and kept, UNSIGNED-PAYLOAD on every request with a body, a
// GET read whole into a Buffer, a PUT with its Content-MD5. None of s3ferry's code (src/) and no
// SDK: the floor is what any Node client must spend on these requests, so s3ferry's own costs
// cannot hide in it. No retries: any answer but 2xx (or a 200 carrying an <Error>) fails the
// floor, so a fast floor is a correct one.
//
// Run by bench.ts as its own process (from dist/, no loader), measured like the tools (GNU time:
// its CPU includes Node's start-up and this module's load); prints one JSON line (CeilingResult)
// whose wall starts at its first request and whose startupCpuMs is the CPU spent before it.
//
//   node dist/scripts/bench/floor.js '<CeilingSpec as JSON>'
import { createHash, createHmac } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pathToFileURL } from 'node:url';
import type { CeilingResult, CeilingSide, CeilingSpec } from './ceiling.ts';
import { copySource, multipartShape, partRanges, pool } from './loop.ts';
import { keyOf } from './workloads.ts';

const REGION = 'us-east-1';
const SERVICE = 's3';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RFC 3986 encoding (`!'()*` encoded too), as SigV4 and S3's paths want it. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A path-style request path: `/bucket/key`, each `/`-separated segment of the key encoded. */
export function objectPath(bucket: string, key: string): string {
  return `/${bucket}/${key.split('/').map(rfc3986).join('/')}`;
}

/** The canonical query string (encoded pairs sorted by key); also what the floor sends. */
export function canonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(query[k]!)}`)
    .join('&');
}

/**
 * SigV4 for one user: signs `host` and every `x-amz-*` header (the ones S3 requires), with the
 * signing key derived once per day (region and service are fixed) and kept.
 */
export class Signer {
  readonly #accessKeyId: string;
  readonly #secret: string;
  #day = '';
  #key: Buffer = Buffer.alloc(0);
  #second = -1;
  #amzDate = '';

  constructor(credentials: { accessKeyId: string; secretAccessKey: string }) {
    this.#accessKeyId = credentials.accessKeyId;
    this.#secret = credentials.secretAccessKey;
  }

  /** `20261204T193000Z` for `ms`, computed once per second. */
  #dateOf(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#amzDate = new Date(second * 1000)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    }
    return this.#amzDate;
  }

  #keyFor(day: string): Buffer {
    if (day !== this.#day) {
      const hmac = (key: string | Buffer, data: string): Buffer =>
        createHmac('sha256', key).update(data).digest();
      this.#key = hmac(
        hmac(hmac(hmac(`AWS4${this.#secret}`, day), REGION), SERVICE),
        'aws4_request',
      );
      this.#day = day;
    }
    return this.#key;
  }

  /**
   * Adds `x-amz-date` and `authorization` to `headers` (lower-case names, `host` and
   * `x-amz-content-sha256` among them) for a request of `method` to `path` (already encoded)
   * with `query` (canonical, as from {@link canonicalQuery}).
   */
  sign(
    method: string,
    path: string,
    query: string,
    headers: Record<string, string>,
    nowMs = Date.now(),
  ): void {
    const date = this.#dateOf(nowMs);
    headers['x-amz-date'] = date;
    const names = Object.keys(headers)
      .filter((name) => name === 'host' || name.startsWith('x-amz-'))
      .sort();
    let canonicalHeaders = '';
    for (const name of names) canonicalHeaders += `${name}:${headers[name]!.trim()}\n`;
    const signedHeaders = names.join(';');
    const canonicalRequest = `${method}\n${path}\n${query}\n${canonicalHeaders}\n${signedHeaders}\n${headers['x-amz-content-sha256']!}`;
    const day = date.slice(0, 8);
    const scope = `${day}/${REGION}/${SERVICE}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.#keyFor(day)).update(stringToSign).digest('hex');
    headers['authorization'] =
      `AWS4-HMAC-SHA256 Credential=${this.#accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  }
}

type Answer = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
};

/**
 * How long a floor request may go without a byte moving before it fails. The floor has no
 * retries; without a limit, a server that stalls (a test cluster's full memstore stops taking
 * writes and answers nothing) would hang it, and the bench with it.
 */
export const FLOOR_IDLE_TIMEOUT_MS = 120_000;

/** One endpoint and user: signed path-style requests over a keep-alive agent. */
export class Endpoint {
  readonly #url: URL;
  readonly #signer: Signer;
  readonly #agent: Agent;
  readonly #send: typeof httpRequest;
  readonly #idleTimeoutMs: number;
  requests = 0;

  constructor(side: CeilingSide, concurrency: number, idleTimeoutMs = FLOOR_IDLE_TIMEOUT_MS) {
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#url = new URL(side.endpoint);
    this.#signer = new Signer(side);
    const https = this.#url.protocol === 'https:';
    this.#agent = new (https ? HttpsAgent : Agent)({ keepAlive: true, maxSockets: concurrency });
    this.#send = https ? httpsRequest : httpRequest;
  }

  send(
    method: string,
    bucket: string,
    key: string,
    options: {
      query?: Record<string, string>;
      headers?: Record<string, string>;
      body?: Buffer;
    } = {},
  ): Promise<Answer> {
    const path = objectPath(bucket, key);
    const query = options.query === undefined ? '' : canonicalQuery(options.query);
    const body = options.body;
    const headers: Record<string, string> = {
      ...options.headers,
      host: this.#url.host,
      'x-amz-content-sha256': body === undefined ? EMPTY_SHA256 : 'UNSIGNED-PAYLOAD',
    };
    if (body !== undefined) headers['content-length'] = String(body.length);
    this.#signer.sign(method, path, query, headers);
    this.requests += 1;
    return new Promise((resolve, reject) => {
      const req = this.#send(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          method,
          path: query === '' ? path : `${path}?${query}`,
          headers,
          agent: this.#agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const answer = { status, headers: res.headers, body: Buffer.concat(chunks) };
            // CopyObject, UploadPartCopy and CompleteMultipartUpload can fail in a 200.
            const xmlError = method !== 'GET' && answer.body.subarray(0, 128).includes('<Error>');
            if (status >= 200 && status < 300 && !xmlError) {
              resolve(answer);
            } else {
              reject(
                new Error(
                  `${method} ${path}${query === '' ? '' : `?${query}`}: HTTP ${status} ` +
                    answer.body.toString('utf8').slice(0, 300),
                ),
              );
            }
          });
        },
      );
      req.on('error', reject);
      req.setTimeout(this.#idleTimeoutMs, () => {
        req.destroy(
          new Error(
            `${method} ${path}: no byte moved for ${this.#idleTimeoutMs / 1000} s at ` +
              `${this.#url.host} (the server stalled)`,
          ),
        );
      });
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The text of the first `<tag>` of an XML answer (undefined when absent). */
export function xmlValue(xml: string, tag: string): string | undefined {
  const start = xml.indexOf(`<${tag}>`);
  if (start === -1) return undefined;
  const end = xml.indexOf(`</${tag}>`, start);
  return end === -1 ? undefined : xml.slice(start + tag.length + 2, end);
}

/** XML's five entities, decoded (a continuation token or an ETag may carry them). */
function xmlText(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

/** The keys of one ListObjectsV2 page and the token of the next (undefined on the last page). */
export function listPage(xml: string): { keys: number; next: string | undefined } {
  let keys = 0;
  for (let at = xml.indexOf('<Key>'); at !== -1; at = xml.indexOf('<Key>', at + 5)) keys += 1;
  const truncated = xmlValue(xml, 'IsTruncated') === 'true';
  const token = xmlValue(xml, 'NextContinuationToken');
  if (truncated && token === undefined) throw new Error('a truncated page without a token');
  return { keys, next: truncated ? xmlText(token!) : undefined };
}

async function listAll(side: Endpoint, bucket: string): Promise<{ keys: number; pages: number }> {
  let token: string | undefined;
  let keys = 0;
  let pages = 0;
  do {
    const page = await side.send('GET', bucket, '', {
      query: {
        'list-type': '2',
        'max-keys': '1000',
        ...(token === undefined ? {} : { 'continuation-token': token }),
      },
    });
    const parsed = listPage(page.body.toString('utf8'));
    keys += parsed.keys;
    pages += 1;
    token = parsed.next;
  } while (token !== undefined);
  return { keys, pages };
}

const md5Base64 = (body: Buffer): string => createHash('md5').update(body).digest('base64');

/** CompleteMultipartUpload's body for parts 1…n with these ETags (as the server gave them). */
export function completeXml(etags: readonly string[]): string {
  const escape = (s: string) =>
    s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;');
  return (
    '<CompleteMultipartUpload>' +
    etags
      .map(
        (etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escape(etag)}</ETag></Part>`,
      )
      .join('') +
    '</CompleteMultipartUpload>'
  );
}

export async function runFloor(spec: CeilingSpec): Promise<CeilingResult> {
  const src = new Endpoint(spec.src, spec.concurrency);
  const sameSide =
    spec.dst.endpoint === spec.src.endpoint && spec.dst.accessKeyId === spec.src.accessKeyId;
  const dst = sameSide ? src : new Endpoint(spec.dst, spec.concurrency);
  const keys = Array.from({ length: spec.count }, (_, i) => keyOf(i, spec.count));
  const { objectsAtOnce, partConcurrency } = multipartShape(spec);
  let bytes = 0;
  let objects = 0;
  const startup = process.cpuUsage();
  const started = performance.now();

  const multipart = async (
    key: string,
    part: (uploadId: string, n: number, range: { first: number; last: number }) => Promise<string>,
  ): Promise<void> => {
    const created = await dst.send('POST', spec.dst.bucket, key, { query: { uploads: '' } });
    const uploadId = xmlValue(created.body.toString('utf8'), 'UploadId');
    if (uploadId === undefined) throw new Error(`CreateMultipartUpload ${key}: no UploadId`);
    const ranges = partRanges(spec.sizeBytes, spec.partSizeBytes);
    const etags: string[] = [];
    await pool(
      ranges.map((range, i) => async () => {
        const etag = await part(uploadId, i + 1, range);
        if (etag === '') throw new Error(`part ${i + 1} of ${key}: no ETag`);
        etags[i] = etag;
      }),
      partConcurrency,
    );
    const body = Buffer.from(completeXml(etags));
    await dst.send('POST', spec.dst.bucket, key, {
      query: { uploadId },
      headers: { 'content-md5': md5Base64(body) },
      body,
    });
    bytes += spec.sizeBytes;
    objects += 1;
  };
  const copyHeaders = (key: string): Record<string, string> => ({
    'x-amz-copy-source': copySource(spec.src.bucket, key),
  });

  switch (spec.op) {
    case 'list-both': {
      const [a, b] = await Promise.all([
        listAll(src, spec.src.bucket),
        listAll(dst, spec.dst.bucket),
      ]);
      objects = a.keys + b.keys;
      break;
    }
    case 'copy':
      await pool(
        keys.map((key) => async () => {
          await dst.send('PUT', spec.dst.bucket, key, { headers: copyHeaders(key) });
          objects += 1;
          bytes += spec.sizeBytes;
        }),
        spec.concurrency,
      );
      break;
    case 'upload-part-copy':
      await pool(
        keys.map(
          (key) => () =>
            multipart(key, async (uploadId, n, range) => {
              const out = await dst.send('PUT', spec.dst.bucket, key, {
                query: { partNumber: String(n), uploadId },
                headers: {
                  ...copyHeaders(key),
                  'x-amz-copy-source-range': `bytes=${range.first}-${range.last}`,
                },
              });
              return xmlText(xmlValue(out.body.toString('utf8'), 'ETag') ?? '');
            }),
        ),
        objectsAtOnce,
      );
      break;
    case 'get-put':
    case 'get-put-multipart': {
      const inParts =
        spec.op === 'get-put-multipart' && spec.sizeBytes >= spec.multipartThresholdBytes;
      if (!inParts) {
        await pool(
          keys.map((key) => async () => {
            const got = await src.send('GET', spec.src.bucket, key);
            await dst.send('PUT', spec.dst.bucket, key, {
              headers: { 'content-md5': md5Base64(got.body) },
              body: got.body,
            });
            objects += 1;
            bytes += got.body.length;
          }),
          spec.concurrency,
        );
        break;
      }
      await pool(
        keys.map(
          (key) => () =>
            multipart(key, async (uploadId, n, range) => {
              const got = await src.send('GET', spec.src.bucket, key, {
                headers: { range: `bytes=${range.first}-${range.last}` },
              });
              const out = await dst.send('PUT', spec.dst.bucket, key, {
                query: { partNumber: String(n), uploadId },
                headers: { 'content-md5': md5Base64(got.body) },
                body: got.body,
              });
              const etag = out.headers['etag'];
              return typeof etag === 'string' ? etag : '';
            }),
        ),
        objectsAtOnce,
      );
      break;
    }
  }
  const ms = performance.now() - started;
  src.close();
  if (dst !== src) dst.close();
  return {
    objects,
    bytes,
    requests: src.requests + (dst === src ? 0 : dst.requests),
    ms,
    startupCpuMs: (startup.user + startup.system) / 1000,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as CeilingSpec;
  process.stdout.write(`${JSON.stringify(await runFloor(spec))}\n`);
}
