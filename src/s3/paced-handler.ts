// The request handler that keeps a process under --tpslimit: every attempt (retries and redirect
// hops included, as the server counts them) waits for the shared request rate before it goes on
// the wire. It sits innermost, under the adaptive limit, so what it spaces is what is sent.
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { SharedRate } from './shared-rate.ts';

type HandlerRequest = Parameters<NodeHttpHandler['handle']>[0];
type HandlerOptions = Parameters<NodeHttpHandler['handle']>[1];
type HandlerResult = Awaited<ReturnType<NodeHttpHandler['handle']>>;

/** What this wrapper needs of the handler it wraps (NodeHttpHandler or the lean one). */
type InnerHandler = Pick<
  NodeHttpHandler,
  'handle' | 'updateHttpClientConfig' | 'httpHandlerConfigs' | 'destroy'
>;

/** Wraps `inner` so every attempt it sends is admitted by `rate` first. */
export class PacedHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  readonly #inner: InnerHandler;
  readonly #rate: SharedRate;

  constructor(inner: InnerHandler, rate: SharedRate) {
    this.#inner = inner;
    this.#rate = rate;
  }

  async handle(request: HandlerRequest, options?: HandlerOptions): Promise<HandlerResult> {
    const wait = this.#rate.admit(options?.abortSignal as AbortSignal | undefined);
    if (wait !== undefined) await wait;
    return this.#inner.handle(request, options);
  }

  updateHttpClientConfig(...args: Parameters<NodeHttpHandler['updateHttpClientConfig']>): void {
    this.#inner.updateHttpClientConfig(...args);
  }

  httpHandlerConfigs(): ReturnType<NodeHttpHandler['httpHandlerConfigs']> {
    return this.#inner.httpHandlerConfigs();
  }

  destroy(): void {
    this.#inner.destroy();
  }
}
