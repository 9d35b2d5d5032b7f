// Holds every SDK answer to the shape S3 gives it (answer-check.ts) before the SDK's deserialiser
// reads it: the SDK would turn an HTML page into an empty ListObjectsV2 output ("no objects") and
// a PUT answer without an ETag into a success. Also records which endpoints have answered as S3
// and tags the errors of those that have not (endpoint-trust.ts), for classify.ts and the retry
// strategy.
import type { Pluggable } from '@smithy/types';
import { checkAnswer, hasXmlAnswer, isCheckedOperation, notS3AnswerError } from './answer-check.ts';
import { hasAnswered, markAnswered, tagUnproven } from './endpoint-trust.ts';

type RawResponse = {
  statusCode: number;
  headers: Record<string, string>;
  body?: unknown;
};

function isRawResponse(value: unknown): value is RawResponse {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { statusCode?: unknown }).statusCode === 'number' &&
    typeof (value as { headers?: unknown }).headers === 'object'
  );
}

/** Reads a small answer body whole (S3's XML answers and error documents are a few KiB). */
async function readAll(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

type Next = (args: unknown) => Promise<{ response: unknown; output?: unknown }>;
type Context = { commandName?: string };

/**
 * Client plugin: judges each answer of the operations answer-check.ts knows, inside the retry
 * loop (so a foreign answer is one attempt, retried or fatal as classify.ts says).
 * @param endpoint the endpoint key of the client's profile (see endpoint-trust.ts)
 */
export function answerCheckPlugin<I extends object, O extends object>(
  endpoint: string,
): Pluggable<I, O> {
  const middleware =
    (next: Next, context: Context): Next =>
    async (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const isProven = hasAnswered(endpoint);
      let result: Awaited<ReturnType<Next>>;
      try {
        result = await next(args);
      } catch (error) {
        // The handler's own failures (reset, refused, not HTTP): no answer was seen.
        if (!isProven && !hasAnswered(endpoint)) tagUnproven(error);
        throw error;
      }
      const response = result.response;
      if (!isRawResponse(response) || !isCheckedOperation(operation)) return result;
      const { statusCode } = response;
      const headers = lowerCase(response.headers);
      const isHead = operation.startsWith('Head');
      // Object bodies (GET) are the data, not an answer to read; errors and XML answers are small.
      const readsBody = !isHead && (statusCode >= 400 || hasXmlAnswer(operation));
      let body: Uint8Array | undefined;
      if (readsBody) {
        body = await readAll(response.body);
        response.body = body;
      }
      const problem = checkAnswer({
        operation,
        statusCode,
        headers,
        body,
        isHead,
        hasAnswered: hasAnswered(endpoint),
      });
      if (problem !== undefined) {
        const error = notS3AnswerError(operation, statusCode, problem);
        if (!hasAnswered(endpoint)) tagUnproven(error);
        throw error;
      }
      // A bodiless error answer to HEAD says nothing about what answered it.
      if (statusCode < 300 || (statusCode >= 400 && !isHead)) markAnswered(endpoint);
      return result;
    };
  return {
    applyToStack(stack) {
      (
        stack as unknown as {
          addRelativeTo(
            middleware: (next: Next, context: Context) => Next,
            options: { relation: 'after'; toMiddleware: string; name: string; override: boolean },
          ): void;
        }
      ).addRelativeTo(middleware, {
        relation: 'after',
        toMiddleware: 'deserializerMiddleware',
        name: 's3ferryAnswerCheck',
        override: true,
      });
    },
  };
}
