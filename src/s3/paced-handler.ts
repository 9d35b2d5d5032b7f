// The request handler that keeps a process under --tpslimit: every attempt (retries and redirect
// hops included, as the server counts them) waits for the shared request rate before it goes on
// the wire. It sits innermost, under the adaptive limit, so what it spaces is what is sent.
import { WrappedHandler } from './wrapped-handler.ts';
import type {
  HandlerOptions,
  HandlerRequest,
  HandlerResult,
  InnerHandler,
} from './wrapped-handler.ts';
import type { SharedRate } from './shared-rate.ts';

/** Wraps `inner` so every attempt it sends is admitted by `rate` first. */
export class PacedHandler extends WrappedHandler {
  readonly #rate: SharedRate;

  constructor(inner: InnerHandler, rate: SharedRate) {
    super(inner);
    this.#rate = rate;
  }

  async handle(request: HandlerRequest, options?: HandlerOptions): Promise<HandlerResult> {
    const wait = this.#rate.admit(options?.abortSignal as AbortSignal | undefined);
    if (wait !== undefined) await wait;
    return this.inner.handle(request, options);
  }
}
