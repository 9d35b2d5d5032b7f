// Adds Content-MD5 to DeleteObjects. S3 requires an integrity header there; SDK >= 3.729 sends
// only x-amz-checksum-crc32, which many S3-compatible servers reject (aws-cli #9214; megfile
// patches botocore the same way). Runs in the build step, before signing.
import { createHash } from 'node:crypto';
import type { BuildMiddleware, Pluggable } from '@smithy/types';

type RequestLike = { headers?: Record<string, string>; body?: unknown };

function bodyBytes(body: unknown): Uint8Array | string | undefined {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  return undefined;
}

function contentMd5Middleware<I extends object, O extends object>(): BuildMiddleware<I, O> {
  return (next, context) => async (args) => {
    const request = args.request as RequestLike;
    if (context.commandName === 'DeleteObjectsCommand' && request.headers !== undefined) {
      const body = bodyBytes(request.body);
      const present = Object.keys(request.headers).some((k) => k.toLowerCase() === 'content-md5');
      if (body !== undefined && !present) {
        request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
      }
    }
    return next(args);
  };
}

/**
 * Client plugin adding Content-MD5 to DeleteObjects.
 * @example client.middlewareStack.use(contentMd5Plugin())
 */
export function contentMd5Plugin<I extends object, O extends object>(): Pluggable<I, O> {
  return {
    applyToStack(stack) {
      stack.add(contentMd5Middleware<I, O>(), {
        step: 'build',
        name: 's3ferryDeleteObjectsContentMd5',
        priority: 'low',
      });
    },
  };
}
