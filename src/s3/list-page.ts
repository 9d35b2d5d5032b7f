// One ListObjectsV2 page (no delimiter), on the lean signed path when the client has it: a page of
// 1,000 keys is parsed here in one pass over the XML instead of through the SDK's XML parser and
// schema deserialiser, which dominate the CPU (and the garbage) of a no-op re-sync. Same output
// shape as the SDK's, so the listings above do not care which path answered.
import { ListObjectsV2Command } from './sdk.ts';
import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import type { S3Api } from './sdk.ts';
import { RequestCounter } from './request-counter.ts';
import { canSendSigned, decodeXmlText, sendSigned } from './signed-request.ts';
import type { SignedRequest } from './signed-request.ts';

/** What the listings ask for. */
export type ListPageInput = {
  Bucket: string;
  Prefix?: string | undefined;
  MaxKeys: number;
  ContinuationToken?: string | undefined;
  StartAfter?: string | undefined;
};

/** A page received but not parsed yet, and the attempts it took. */
export type ReceivedListPage = {
  /** Requests sent for it, retries included. */
  attempts: number;
  /** Parses it (once). */
  read(): ListObjectsV2CommandOutput;
};

/**
 * Sends one ListObjectsV2 request and returns the page unparsed: a listing that prefetches the
 * next page while its consumer works parses it only when it gets to it, so its thousand entries
 * are not created early and promoted by a young-generation GC. Measured: a 100,000-key no-op of
 * one bucket onto itself peaked at 111–114 MiB instead of 140; the bench's E (two buckets) did
 * not move (docs/benchmarks.md, tuning log).
 * @throws the SDK's or an SDK-shaped error, whose `$metadata.attempts` counts retries.
 */
export async function receiveListPage(
  client: S3Api,
  input: ListPageInput,
  signal: AbortSignal | undefined,
): Promise<ReceivedListPage> {
  if (!canSendSigned(client, input.Bucket)) {
    const page = await client.send(
      new ListObjectsV2Command(input),
      signal === undefined ? {} : { abortSignal: signal },
    );
    return { attempts: page.$metadata.attempts ?? 1, read: () => page };
  }
  const counter = new RequestCounter();
  const response = await sendSigned(client, listPageRequest(input), { counter, signal });
  const attempts = counter.total;
  let page: ListObjectsV2CommandOutput | undefined;
  return {
    attempts,
    read() {
      if (page === undefined) {
        page = parseListPage(response.body.toString('utf8'));
        page.$metadata = { httpStatusCode: response.statusCode, attempts };
      }
      return page;
    },
  };
}

/** The lean path's ListObjectsV2 request for `input` (the query the SDK's command sends). */
export function listPageRequest(input: ListPageInput): SignedRequest {
  const query: Record<string, string> = { 'list-type': '2', 'max-keys': String(input.MaxKeys) };
  if (input.Prefix !== undefined) query['prefix'] = input.Prefix;
  if (input.ContinuationToken !== undefined) query['continuation-token'] = input.ContinuationToken;
  if (input.StartAfter !== undefined) query['start-after'] = input.StartAfter;
  return {
    operation: 'ListObjectsV2',
    method: 'GET',
    bucket: input.Bucket,
    key: '',
    headers: {},
    query,
  };
}

/**
 * Sends one ListObjectsV2 request and parses the page. Its `$metadata.attempts` counts retries
 * (as the SDK's does), and so does an error's.
 */
export async function sendListPage(
  client: S3Api,
  input: ListPageInput,
  signal: AbortSignal | undefined,
): Promise<ListObjectsV2CommandOutput> {
  return (await receiveListPage(client, input, signal)).read();
}

/**
 * Finds the elements of one tag in document order. Remembers the next occurrence, so a tag that
 * is missing from most entries (StorageClass on some servers) does not rescan the rest of the
 * page for every entry: each tag is scanned once per page.
 */
class TagReader {
  readonly #xml: string;
  readonly #open: string;
  readonly #close: string;
  #next = -2;

  constructor(xml: string, tag: string) {
    this.#xml = xml;
    this.#open = `<${tag}>`;
    this.#close = `</${tag}>`;
  }

  /** The text of the element in xml[from, to), or undefined. */
  textIn(from: number, to: number): string | undefined {
    if (this.#next !== -1 && this.#next < from) this.#next = this.#xml.indexOf(this.#open, from);
    const open = this.#next;
    if (open < 0 || open >= to) return undefined;
    const start = open + this.#open.length;
    const end = this.#xml.indexOf(this.#close, start);
    return end < 0 || end > to ? undefined : this.#xml.slice(start, end);
  }
}

/** The text of the first `<tag>` element in xml[from, to). */
function field(xml: string, tag: string, from: number, to: number): string | undefined {
  return new TagReader(xml, tag).textIn(from, to);
}

type Listed = NonNullable<ListObjectsV2CommandOutput['Contents']>[number];

const QUOT = '&quot;';

/**
 * An ETag's text: `&quot;hex&quot;` (how RGW and AWS write it) becomes `"hex"` by slicing, with
 * no regular expression (one per listed key); anything else is decoded in full.
 */
function decodeEtag(text: string): string {
  const closing = text.length - QUOT.length;
  if (
    closing > QUOT.length &&
    text.startsWith(QUOT) &&
    text.indexOf('&', QUOT.length) === closing
  ) {
    return `"${text.slice(QUOT.length, closing)}"`;
  }
  return decodeXmlText(text);
}

/**
 * A ListBucketResult document as the SDK would return it: Contents (Key, Size, ETag,
 * LastModified, StorageClass), IsTruncated, NextContinuationToken, KeyCount. Keys are taken
 * verbatim (entities decoded), like the SDK's parser does. One pass of indexOf over the text:
 * no intermediate strings per entry beyond its fields.
 */
export function parseListPage(xml: string): ListObjectsV2CommandOutput {
  const contents: Listed[] = [];
  const first = xml.indexOf('<Contents>');
  let at = first;
  let lastEnd = -1;
  const keys = new TagReader(xml, 'Key');
  const sizes = new TagReader(xml, 'Size');
  const etags = new TagReader(xml, 'ETag');
  const times = new TagReader(xml, 'LastModified');
  const classes = new TagReader(xml, 'StorageClass');
  while (at >= 0) {
    const end = xml.indexOf('</Contents>', at);
    if (end < 0) break;
    const key = keys.textIn(at, end);
    const size = sizes.textIn(at, end);
    const etag = etags.textIn(at, end);
    const modified = times.textIn(at, end);
    const storageClass = classes.textIn(at, end);
    const object: Listed = {};
    if (key !== undefined) object.Key = decodeXmlText(key);
    if (size !== undefined) object.Size = Number(size);
    if (etag !== undefined) object.ETag = decodeEtag(etag);
    if (modified !== undefined) object.LastModified = new Date(modified);
    if (storageClass !== undefined) object.StorageClass = storageClass as Listed['StorageClass'];
    contents.push(object);
    lastEnd = end;
    at = xml.indexOf('<Contents>', end);
  }
  // The page's own fields sit before the first <Contents> or after the last one.
  const headEnd = first < 0 ? xml.length : first;
  const own = (tag: string): string | undefined =>
    field(xml, tag, 0, headEnd) ?? (lastEnd < 0 ? undefined : field(xml, tag, lastEnd, xml.length));
  const name = own('Name');
  const truncated = own('IsTruncated');
  const token = own('NextContinuationToken');
  const keyCount = own('KeyCount');
  return {
    $metadata: {},
    ...(name === undefined ? {} : { Name: decodeXmlText(name) }),
    ...(contents.length === 0 ? {} : { Contents: contents }),
    IsTruncated: truncated === 'true',
    ...(token === undefined ? {} : { NextContinuationToken: decodeXmlText(token) }),
    ...(keyCount === undefined ? {} : { KeyCount: Number(keyCount) }),
  };
}
