// The base of the request-handler wrappers every client sends through (limited-handler.ts,
// paced-handler.ts, redirect.ts, first-byte-deadline.ts): each overrides `handle` and passes the
// rest — the SDK's config hooks and `destroy` — to the handler it wraps.
import type { NodeHttpHandler } from '@smithy/node-http-handler';

export type HandlerRequest = Parameters<NodeHttpHandler['handle']>[0];
export type HandlerOptions = Parameters<NodeHttpHandler['handle']>[1];
export type HandlerResult = Awaited<ReturnType<NodeHttpHandler['handle']>>;

/** What a wrapper needs of the handler it wraps (NodeHttpHandler, the lean one or a wrapper). */
export type InnerHandler = Pick<
  NodeHttpHandler,
  'handle' | 'updateHttpClientConfig' | 'httpHandlerConfigs' | 'destroy'
>;

/** Forwards everything but `handle` to `inner`. */
export abstract class WrappedHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  protected readonly inner: InnerHandler;

  constructor(inner: InnerHandler) {
    this.inner = inner;
  }

  abstract handle(request: HandlerRequest, options?: HandlerOptions): Promise<HandlerResult>;

  updateHttpClientConfig(...args: Parameters<NodeHttpHandler['updateHttpClientConfig']>): void {
    this.inner.updateHttpClientConfig(...args);
  }

  httpHandlerConfigs(): ReturnType<NodeHttpHandler['httpHandlerConfigs']> {
    return this.inner.httpHandlerConfigs();
  }

  destroy(): void {
    this.inner.destroy();
  }
}
