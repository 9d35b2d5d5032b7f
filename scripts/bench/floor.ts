// The node:http floor (issue 13 §1): the requests of a step — exactly those of the raw SDK
// ceiling (ceiling.ts) — sent with nothing but node:http (one keep-alive agent per endpoint,
// `concurrency` sockets), SigV4 with a cached signing key (src/s3/sigv4.ts), UNSIGNED-PAYLOAD,
// a GET read whole into a Buffer, a PUT with its Content-MD5. No SDK, no retries: any answer but
// 2xx fails the floor, so a fast floor is a correct one. Run by bench.ts as its own process (from
// dist/, no loader), measured like the tools; prints one JSON line (CeilingResult) whose wall
// starts at its first request. Its CPU (GNU time) includes Node's start-up and this module's load.
//
//   node dist/scripts/bench/floor.js '<CeilingSpec as JSON>'
import { createHash } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pathToFileURL } from 'node:url';
import { encodeKeyPath } from '../../src/s3/signed-request.ts';
import { signRequest, uriEscape } from '../../src/s3/sigv4.ts';
import type { CeilingResult, CeilingSide, CeilingSpec } from './ceiling.ts';
import { copySource, multipartShape, partRanges, pool } from './loop.ts';
import { keyOf } from './workloads.ts';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

type Answer = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
};

/** One endpoint and user: signed path-style requests over a keep-alive agent. */
class Endpoint {
  readonly #url: URL;
  readonly #side: CeilingSide;
  readonly #agent: Agent;
  requests = 0;

  constructor(side: CeilingSide, concurrency: number) {
    this.#side = side;
    this.#url = new URL(side.endpoint);
    const Kind = this.#url.protocol === 'https:' ? HttpsAgent : Agent;
    this.#agent = new Kind({ keepAlive: true, maxSockets: concurrency });
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
    const path = `/${bucket}/${encodeKeyPath(key)}`;
    const query = options.query ?? {};
    const body = options.body;
    const headers = signRequest({
      method,
      path,
      query,
      headers: {
        ...options.headers,
        host: this.#url.host,
        'x-amz-content-sha256': body === undefined ? EMPTY_SHA256 : 'UNSIGNED-PAYLOAD',
        ...(body === undefined ? {} : { 'content-length': String(body.length) }),
      },
      region: 'us-east-1',
      service: 's3',
      credentials: this.#side,
      date: new Date(),
    });
    const qs = Object.entries(query)
      .map(([k, v]) => `${uriEscape(k)}=${uriEscape(v)}`)
      .join('&');
    this.requests += 1;
    const send = this.#url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          method,
          path: qs === '' ? path : `${path}?${qs}`,
          headers,
          agent: this.#agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const answer = {
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            };
            if (
              answer.status >= 200 &&
              answer.status < 300 &&
              !answer.body.subarray(0, 64).includes('<Error>')
            ) {
              resolve(answer);
            } else {
              reject(
                new Error(
                  `${method} ${path}: HTTP ${answer.status} ${answer.body.toString('utf8').slice(0, 200)}`,
                ),
              );
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

function xmlValue(xml: string, tag: string): string | undefined {
  const start = xml.indexOf(`<${tag}>`);
  if (start === -1) return undefined;
  const end = xml.indexOf(`</${tag}>`, start);
  return xml.slice(start + tag.length + 2, end);
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
    const xml = page.body.toString('utf8');
    keys += Number(xmlValue(xml, 'KeyCount') ?? 0);
    pages += 1;
    token =
      xmlValue(xml, 'IsTruncated') === 'true' ? xmlValue(xml, 'NextContinuationToken') : undefined;
  } while (token !== undefined);
  return { keys, pages };
}

const md5Base64 = (body: Buffer): string => createHash('md5').update(body).digest('base64');

export async function runFloor(spec: CeilingSpec): Promise<CeilingResult> {
  const src = new Endpoint(spec.src, spec.concurrency);
  const sameSide =
    spec.dst.endpoint === spec.src.endpoint && spec.dst.accessKeyId === spec.src.accessKeyId;
  const dst = sameSide ? src : new Endpoint(spec.dst, spec.concurrency);
  const keys = Array.from({ length: spec.count }, (_, i) => keyOf(i, spec.count));
  const { objectsAtOnce, partConcurrency } = multipartShape(spec);
  let bytes = 0;
  let objects = 0;
  const started = performance.now();

  const multipart = async (
    key: string,
    part: (uploadId: string, n: number, range: { first: number; last: number }) => Promise<string>,
  ): Promise<void> => {
    const created = await dst.send('POST', spec.dst.bucket, key, { query: { uploads: '' } });
    const uploadId = xmlValue(created.body.toString('utf8'), 'UploadId') ?? '';
    const ranges = partRanges(spec.sizeBytes, spec.partSizeBytes);
    const etags: string[] = [];
    await pool(
      ranges.map((range, i) => async () => {
        etags[i] = await part(uploadId, i + 1, range);
      }),
      partConcurrency,
    );
    const xml =
      '<CompleteMultipartUpload>' +
      etags
        .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`)
        .join('') +
      '</CompleteMultipartUpload>';
    const body = Buffer.from(xml);
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
              return xmlValue(out.body.toString('utf8'), 'ETag') ?? '';
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
              return String(out.headers['etag'] ?? '');
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
  return { objects, bytes, requests: src.requests + (dst === src ? 0 : dst.requests), ms };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as CeilingSpec;
  process.stdout.write(`${JSON.stringify(await runFloor(spec))}\n`);
}
