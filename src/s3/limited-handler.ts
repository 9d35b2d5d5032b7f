// The request handler every client sends through: each attempt takes a slot of its endpoint's
// adaptive limit (endpoint-limits.ts) before it goes on the wire and gives it back once the
// answer's headers arrived or the attempt failed. A body read afterwards (a GET streamed into a
// PUT) no longer holds the slot: the limit is on requests the server is working on.
//
// The status line is counted for the limit's rounds: 503 and 429 as throttling, any other answer
// below 500 as coping; other 5xx and network errors not at all.
// Seen here, every attempt counts — also those the SDK does not retry itself (streamed bodies,
// retried by the transfer code). Throttling codes under other statuses are the retry
// strategy's to report (retry.ts).
import { WrappedHandler } from './wrapped-handler.ts';
import type {
  HandlerOptions,
  HandlerRequest,
  HandlerResult,
  InnerHandler,
} from './wrapped-handler.ts';
import type { AdaptiveLimit } from './endpoint-limits.ts';

/** Wraps `inner` so every attempt it sends counts against `limit`. */
export class LimitedHandler extends WrappedHandler {
  readonly #limit: AdaptiveLimit;

  constructor(inner: InnerHandler, limit: AdaptiveLimit) {
    super(inner);
    this.#limit = limit;
  }

  async handle(request: HandlerRequest, options?: HandlerOptions): Promise<HandlerResult> {
    await this.#limit.acquire(options?.abortSignal as AbortSignal | undefined);
    let status: number | undefined;
    try {
      const result = await this.inner.handle(request, options);
      status = result.response.statusCode;
      return result;
    } finally {
      this.#limit.release();
      if (status === 503 || status === 429) this.#limit.onThrottle();
      else if (status !== undefined && status < 500) this.#limit.onSuccess();
    }
  }
}
