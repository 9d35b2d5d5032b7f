// Stand-ins for a mistyped endpoint: a TCP server on 127.0.0.1 that answers every connection the
// way something other than S3 would (a web server's page, an empty 200, another XML document,
// bytes that are not HTTP, a connection closed at once, an HTML 403). Counts what reached it.
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** How the stand-in answers. */
export type ForeignAnswer =
  'html-200' | 'empty-200' | 'other-xml' | 'not-http' | 'close' | 'html-403';

export const FOREIGN_ANSWERS: readonly ForeignAnswer[] = [
  'html-200',
  'empty-200',
  'other-xml',
  'not-http',
  'close',
  'html-403',
];

function httpAnswer(status: string, type: string | undefined, body: string): string {
  const headers = [
    `HTTP/1.1 ${status}`,
    ...(type === undefined ? [] : [`Content-Type: ${type}`]),
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

const ANSWERS: Record<Exclude<ForeignAnswer, 'close'>, string> = {
  'html-200': httpAnswer('200 OK', 'text/html', '<html><body>It works</body></html>'),
  'empty-200': httpAnswer('200 OK', undefined, ''),
  'other-xml': httpAnswer(
    '200 OK',
    'application/xml',
    '<?xml version="1.0"?><Status><Health>ok</Health></Status>',
  ),
  'not-http': 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n',
  'html-403': httpAnswer('403 Forbidden', 'text/html', '<html><body>Forbidden</body></html>'),
};

/** A running stand-in. */
export type ForeignEndpoint = {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
};

/** Starts a stand-in answering `answer` to every request, on a free port. */
export async function startForeignEndpoint(answer: ForeignAnswer): Promise<ForeignEndpoint> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (answer === 'close') {
      socket.destroy();
      return;
    }
    // Answer once the request's head has arrived, as a server would.
    socket.once('data', () => {
      socket.end(ANSWERS[answer]);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
