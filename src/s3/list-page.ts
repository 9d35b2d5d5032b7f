// One ListObjectsV2 page (no delimiter), on the lean signed path when the client has it: a page of
// 1,000 keys is parsed here in one pass over the XML instead of through the SDK's XML parser and
// schema deserialiser, which dominate the CPU (and the garbage) of a no-op re-sync. Same output
// shape as the SDK's, so the listings above do not care which path answered.
import { StringDecoder } from 'node:string_decoder';
import { ListObjectsV2Command } from './sdk.ts';
import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import type { S3Api } from './sdk.ts';
import { RequestCounter } from './request-counter.ts';
import { normalizeEtag } from './etag.ts';
import { S3FerryError } from '../shared/errors.ts';
import type { ListEntry } from '../shared/protocol.ts';
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
  /**
   * Parses it (once) straight into listing entries keyed relative to `prefix`, with the page's
   * own fields (no Contents) and the number of objects it held. A lean page builds one object per
   * key, not an SDK-shaped object, a Date and then an entry.
   * @throws S3FerryError (fatal) for a key outside `prefix`, as {@link toEntry} does.
   */
  entries(prefix: string, bucket: string): EntryPage;
};

/** A page as a listing consumes it. */
export type EntryPage = {
  /** The page's own fields (Name, IsTruncated, NextContinuationToken, KeyCount). */
  page: ListObjectsV2CommandOutput;
  entries: ListEntry[];
  /** Objects and common prefixes the page held, for its KeyCount check. */
  held: number;
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
    return {
      attempts: page.$metadata.attempts ?? 1,
      read: () => page,
      entries: (prefix, bucket) => ({
        page,
        entries: (page.Contents ?? []).map((object) => toEntry(object, prefix, bucket)),
        held: (page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0),
      }),
    };
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
    entries(prefix, bucket) {
      const parsed = parseEntryPage(pageSegments(response.chunks), prefix, bucket);
      parsed.page.$metadata = { httpStatusCode: response.statusCode, attempts };
      return parsed;
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

const QUOT = '&quot;';

/**
 * The text between the quotes of `&quot;text&quot;` (how RGW and AWS write an ETag) when
 * nothing else in it is an entity or a quote; undefined otherwise. Sliced, with no regular
 * expression: a listing has one ETag per key.
 */
function entityQuoted(text: string): string | undefined {
  const closing = text.length - QUOT.length;
  if (
    closing > QUOT.length &&
    text.startsWith(QUOT) &&
    text.indexOf('&', QUOT.length) === closing
  ) {
    const inner = text.slice(QUOT.length, closing);
    return inner.includes('"') ? undefined : inner;
  }
  return undefined;
}

/** An ETag's text, entities decoded: `&quot;hex&quot;` becomes `"hex"` by slicing. */
function decodeEtag(text: string): string {
  const inner = entityQuoted(text);
  return inner === undefined ? decodeXmlText(text) : `"${inner}"`;
}

/** One object of a page, as the SDK types it. */
export type ListedObject = NonNullable<ListObjectsV2CommandOutput['Contents']>[number];

/** The raw text of one <Contents> element's fields (entities not decoded yet). */
type RawObject = {
  key: string | undefined;
  size: string | undefined;
  etag: string | undefined;
  modified: string | undefined;
  storageClass: string | undefined;
};

/**
 * A page body, from the chunks it arrived in, as strings each about one chunk long (socket reads
 * are at most 64 KiB, so each stays in V8's young generation), every one but the last cut right
 * after a `</Contents>`. Decoded whole, a 230 KB page would be one fresh large-object allocation,
 * and joining the chunks first one more: at a no-op of 100,000 keys a side their page faults cost
 * more than decoding and parsing together (docs/benchmarks-tuning.md, tenth pass).
 */
export function pageSegments(chunks: readonly Buffer[]): string[] {
  // A chunk may end inside a UTF-8 sequence: the decoder holds its first bytes for the next.
  const decoder = new StringDecoder('utf8');
  const segments: string[] = [];
  let rest = '';
  for (const chunk of chunks) {
    const text = rest + decoder.write(chunk);
    const close = text.lastIndexOf(CONTENTS_CLOSE);
    if (close < 0) {
      rest = text;
      continue;
    }
    const cut = close + CONTENTS_CLOSE.length;
    segments.push(text.slice(0, cut));
    rest = text.slice(cut);
  }
  segments.push(rest + decoder.end());
  return segments;
}

const CONTENTS_CLOSE = '</Contents>';

/**
 * One pass of indexOf over a ListBucketResult (given whole, or as {@link pageSegments}): each
 * <Contents> element's fields handed to `make` as raw text, and the page's own fields.
 * `withStorageClass: false` skips that tag (the listings do not use it).
 */
function parsePage<T>(
  segments: readonly string[],
  make: (raw: RawObject) => T,
  withStorageClass: boolean,
): { page: ListObjectsV2CommandOutput; items: T[] } {
  const items: T[] = [];
  let head = '';
  let tail = '';
  segments.forEach((xml, i) => {
    const { first, lastEnd } = parseContents(xml, make, withStorageClass, items);
    // The page's own fields sit before the first <Contents> or after the last one.
    // A last segment after a cut may hold no <Contents> at all: then all of it is the tail.
    const isLast = i === segments.length - 1;
    if (i === 0) head = first < 0 ? xml : xml.slice(0, first);
    if (isLast && lastEnd >= 0) tail = xml.slice(lastEnd);
    else if (isLast && i > 0) tail = xml;
  });
  const own = (tag: string): string | undefined =>
    field(head, tag, 0, head.length) ?? field(tail, tag, 0, tail.length);
  const name = own('Name');
  const truncated = own('IsTruncated');
  const token = own('NextContinuationToken');
  const keyCount = own('KeyCount');
  const page: ListObjectsV2CommandOutput = {
    $metadata: {},
    ...(name === undefined ? {} : { Name: decodeXmlText(name) }),
    IsTruncated: truncated === 'true',
    ...(token === undefined ? {} : { NextContinuationToken: decodeXmlText(token) }),
    ...(keyCount === undefined ? {} : { KeyCount: Number(keyCount) }),
  };
  return { page, items };
}

/**
 * The <Contents> elements of one string into `items`; where the first one starts and the last
 * one ends (-1 for none).
 */
function parseContents<T>(
  xml: string,
  make: (raw: RawObject) => T,
  withStorageClass: boolean,
  items: T[],
): { first: number; lastEnd: number } {
  const first = xml.indexOf('<Contents>');
  let at = first;
  let lastEnd = -1;
  const keys = new TagReader(xml, 'Key');
  const sizes = new TagReader(xml, 'Size');
  const etags = new TagReader(xml, 'ETag');
  const times = new TagReader(xml, 'LastModified');
  const classes = withStorageClass ? new TagReader(xml, 'StorageClass') : undefined;
  while (at >= 0) {
    const end = xml.indexOf(CONTENTS_CLOSE, at);
    if (end < 0) break;
    items.push(
      make({
        key: keys.textIn(at, end),
        size: sizes.textIn(at, end),
        etag: etags.textIn(at, end),
        modified: times.textIn(at, end),
        storageClass: classes?.textIn(at, end),
      }),
    );
    lastEnd = end;
    at = xml.indexOf('<Contents>', end);
  }
  return { first, lastEnd };
}

/**
 * A ListBucketResult document as the SDK would return it: Contents (Key, Size, ETag,
 * LastModified, StorageClass), IsTruncated, NextContinuationToken, KeyCount. Keys are taken
 * verbatim (entities decoded), like the SDK's parser does. One pass of indexOf over the text:
 * no intermediate strings per entry beyond its fields.
 */
export function parseListPage(xml: string): ListObjectsV2CommandOutput {
  const { page, items } = parsePage(
    [xml],
    (raw) => {
      const object: ListedObject = {};
      if (raw.key !== undefined) object.Key = decodeXmlText(raw.key);
      if (raw.size !== undefined) object.Size = Number(raw.size);
      if (raw.etag !== undefined) object.ETag = decodeEtag(raw.etag);
      if (raw.modified !== undefined) object.LastModified = new Date(raw.modified);
      if (raw.storageClass !== undefined) {
        object.StorageClass = raw.storageClass as ListedObject['StorageClass'];
      }
      return object;
    },
    true,
  );
  return items.length === 0 ? page : { ...page, Contents: items };
}

/**
 * A ListBucketResult straight into listing entries: the same values as {@link toEntry} over
 * {@link parseListPage}'s objects (a test holds the two together), without the object, the Date
 * and the quoted ETag string in between. `xml`: the whole text, or its {@link pageSegments}.
 * @throws S3FerryError (fatal) for a key outside `prefix`.
 */
export function parseEntryPage(
  xml: string | readonly string[],
  prefix: string,
  bucket: string,
): EntryPage {
  const { page, items } = parsePage(
    typeof xml === 'string' ? [xml] : xml,
    (raw): ListEntry => {
      const key = raw.key === undefined ? '' : decodeXmlText(raw.key);
      if (!key.startsWith(prefix)) throw keyOutsidePrefix(bucket, prefix, key);
      const entry: ListEntry = {
        key: key.slice(prefix.length),
        sizeBytes: raw.size === undefined ? 0 : Number(raw.size),
        mtimeMs: raw.modified === undefined ? 0 : Date.parse(raw.modified),
      };
      const etag = raw.etag === undefined ? undefined : bareEtag(raw.etag);
      if (etag !== undefined) entry.etag = etag;
      return entry;
    },
    false,
  );
  return { page, entries: items, held: items.length };
}

/**
 * An ETag's text as {@link normalizeEtag} leaves it: `&quot;hex&quot;` sliced to `hex` at once,
 * anything else decoded, then normalised.
 */
function bareEtag(text: string): string | undefined {
  return entityQuoted(text) ?? normalizeEtag(decodeEtag(text));
}

/** The entry of a listed object, keyed relative to the prefix (fatal if the server strays). */
export function toEntry(object: ListedObject, prefix: string, bucket: string): ListEntry {
  const key = object.Key ?? '';
  if (!key.startsWith(prefix)) throw keyOutsidePrefix(bucket, prefix, key);
  const entry: ListEntry = {
    key: key.slice(prefix.length),
    sizeBytes: object.Size ?? 0,
    mtimeMs: object.LastModified?.getTime() ?? 0,
  };
  const etag = normalizeEtag(object.ETag);
  if (etag !== undefined) entry.etag = etag;
  return entry;
}

/** A listed key that is not under the listed prefix: the server strayed, fatal. */
function keyOutsidePrefix(bucket: string, prefix: string, key: string): S3FerryError {
  return new S3FerryError(
    'server',
    'ListKeyOutsidePrefix',
    `s3://${bucket}/${prefix}: the server listed ${JSON.stringify(key)}, which is not under the prefix`,
    { fatal: true },
  );
}
