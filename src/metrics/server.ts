// --metrics-addr: GET /metrics during a run, for Prometheus to scrape long migrations.
import { createServer, type Server } from 'node:http';
import type { ListenAddress } from './options.ts';

/** Listens on `address`; each GET /metrics answers `render()`. Resolves once listening. */
export async function serveMetrics(
  address: ListenAddress,
  render: () => Promise<string>,
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404).end('not found: try GET /metrics\n');
      return;
    }
    render().then(
      (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  return server;
}
