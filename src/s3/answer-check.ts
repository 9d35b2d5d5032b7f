// What an S3 answer must look like before it is believed. A mistyped endpoint that reaches an
// ordinary web server (a load balancer's default page, a captive portal, the wrong port) answers
// `200 OK` with HTML; read leniently, that is "an empty bucket", and a sync with --delete then
// deletes everything at the destination. So every answer to an operation s3ferry sends is held to
// its document or header: a ListObjectsV2 answer is a <ListBucketResult>, a PUT has an ETag, an
// error is S3's <Error> document. Pure: the SDK middleware (answer-middleware.ts) and the lean
// path (signed-request.ts) both call it.

/** What a successful answer to one operation carries. */
type AnswerShape = {
  /** Root element of the XML body. */
  root?: string;
  /** An element the body must contain (e.g. CopyObject's ETag). */
  element?: string;
  /** A header the answer must carry. */
  header?: 'etag' | 'content-length';
};

const SHAPES: Readonly<Record<string, AnswerShape>> = {
  ListObjectsV2: { root: 'ListBucketResult' },
  ListObjects: { root: 'ListBucketResult' },
  ListBuckets: { root: 'ListAllMyBucketsResult' },
  CopyObject: { root: 'CopyObjectResult', element: 'ETag' },
  UploadPartCopy: { root: 'CopyPartResult', element: 'ETag' },
  CreateMultipartUpload: { root: 'InitiateMultipartUploadResult', element: 'UploadId' },
  CompleteMultipartUpload: { root: 'CompleteMultipartUploadResult' },
  ListParts: { root: 'ListPartsResult' },
  ListMultipartUploads: { root: 'ListMultipartUploadsResult' },
  GetObjectTagging: { root: 'Tagging' },
  DeleteObjects: { root: 'DeleteResult' },
  PutObject: { header: 'etag' },
  UploadPart: { header: 'etag' },
  HeadObject: { header: 'content-length' },
  GetObject: { header: 'content-length' },
};

/** Operations whose successful answer is an XML document read whole (small: buffer it). */
export function hasXmlAnswer(operation: string): boolean {
  return SHAPES[operation]?.root !== undefined;
}

/**
 * Whether {@link checkAnswer} reads a successful answer's whole document (it looks for an element
 * in it), not only its start (the root element, in the first KiB).
 */
export function needsWholeBody(operation: string): boolean {
  return SHAPES[operation]?.element !== undefined;
}

/** Operations whose answers {@link checkAnswer} judges. */
export function isCheckedOperation(operation: string): boolean {
  return operation in SHAPES;
}

/** An answer as received: status, lower-case headers, and the body when it was read. */
export type ReceivedAnswer = {
  operation: string;
  statusCode: number;
  headers: Readonly<Record<string, string | undefined>>;
  /** The whole body; undefined when it was not read (an object's content). */
  body?: Uint8Array | undefined;
  /** HEAD answers have no body, errors included. */
  isHead?: boolean;
  /**
   * The endpoint has given an S3 answer before: an error status is then judged by its status,
   * as before — real servers send odd error bodies (RGW: an empty 400 to a DeleteObjects whose
   * XML it cannot parse; moto: an HTML 500).
   */
  hasAnswered?: boolean;
};

/** Why an answer is not S3's: what it was, in words a user can compare with their endpoint. */
export type AnswerProblem = {
  /** `HTTP 200 (text/html): "<html><body>It works</body></html>"` */
  received: string;
  /** `a ListBucketResult document` */
  expected: string;
};

const XML_DECLARATION = /^\uFEFF?\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*/;

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * The start of a body, where the root element is: a listing page is a few hundred KiB, and
 * decoding all of it here would cost a third of parsing it (measured: 0.85 ms a page).
 */
function head(body: Uint8Array): string {
  return asBuffer(body).subarray(0, 1024).toString('utf8');
}

/** The root element name of an XML document, or undefined when `text` is not one. */
export function xmlRoot(text: string): string | undefined {
  const rest = text.replace(XML_DECLARATION, '');
  const match = /^<([A-Za-z_][\w.-]*)[\s/>]/.exec(rest);
  return match?.[1];
}

/** A short, printable excerpt of a body: control characters escaped, at most 60 characters. */
export function bodyExcerpt(body: Uint8Array | undefined): string {
  if (body === undefined || body.length === 0) return 'an empty body';
  const text = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 200))
    .toString('utf8')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return JSON.stringify(cut);
}

function received(answer: ReceivedAnswer): string {
  const type = answer.headers['content-type'];
  const status = `HTTP ${answer.statusCode}${type === undefined ? '' : ` (${type})`}`;
  return answer.body === undefined ? status : `${status}: ${bodyExcerpt(answer.body)}`;
}

/**
 * Judges an answer: undefined when it is S3's (the expected document or header; for an error
 * status, S3's <Error> document), else what was received and what was expected. Redirects (3xx)
 * are left to the redirect rule, and an error answer to HEAD has no body to judge.
 */
export function checkAnswer(answer: ReceivedAnswer): AnswerProblem | undefined {
  const { statusCode, headers, body } = answer;
  if (statusCode >= 300 && statusCode < 400) return undefined;
  if (statusCode >= 400) {
    if (answer.isHead === true || body === undefined || answer.hasAnswered === true) {
      return undefined;
    }
    const root = xmlRoot(head(body));
    return root === 'Error'
      ? undefined
      : { received: received(answer), expected: "S3's <Error> document" };
  }
  const shape = SHAPES[answer.operation];
  if (shape === undefined) return undefined;
  if (shape.header !== undefined && (headers[shape.header] ?? '') === '') {
    const header = shape.header === 'etag' ? 'ETag' : 'Content-Length';
    return {
      received: received(answer),
      expected: `an answer with ${header === 'ETag' ? 'an' : 'a'} ${header} header`,
    };
  }
  if (shape.root !== undefined && body !== undefined) {
    const root = xmlRoot(head(body));
    // CopyObject and CompleteMultipartUpload may fail after their 200 status line: the <Error>
    // document is then an S3 answer (judged as an error by the caller), not a foreign one.
    if (root === 'Error') return undefined;
    const expected = `a ${shape.root} document`;
    // moto names some roots after the operation's output shape (CompleteMultipartUploadOutput).
    if (root !== shape.root && root?.startsWith(answer.operation) !== true) {
      return { received: received(answer), expected };
    }
    if (shape.element !== undefined && asBuffer(body).indexOf(`<${shape.element}>`) < 0) {
      return { received: received(answer), expected: `${expected} with its ${shape.element}` };
    }
  }
  return undefined;
}

/** Marks an error as "the answer was not S3's" (read by classify.ts and the retry strategy). */
export const NOT_S3_ANSWER = 'NotS3Answer';

/**
 * An error for an answer that is not S3's, shaped enough like the SDK's (`$metadata`) that the
 * classifier and the retry strategy judge it (see classify.ts).
 */
export function notS3AnswerError(
  operation: string,
  statusCode: number,
  problem: AnswerProblem,
): Error {
  const error = new Error(
    `the answer to ${operation} was not S3's: expected ${problem.expected}, received ${problem.received}`,
  );
  error.name = NOT_S3_ANSWER;
  Object.assign(error, {
    $notS3Answer: problem,
    $metadata: { httpStatusCode: statusCode, attempts: 1 },
  });
  return error;
}

/** The problem an error carries when it was made by {@link notS3AnswerError}. */
export function notS3AnswerOf(error: unknown): AnswerProblem | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as { $notS3Answer?: AnswerProblem }).$notS3Answer;
}
