// The --queue setting: where the job's Redis is. A password in the URL is a credential: it is
// never printed (display() leaves it out) and never stored in the job.
import { usageError } from '../shared/errors.ts';

/** A parsed `redis://[USER:PASSWORD@]HOST:PORT[/DB]` (or `rediss://` for TLS). */
export type QueueUrl = {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
};

/**
 * Parses the value of --queue.
 * @throws S3FerryError `usage` naming --queue for anything else.
 */
export function parseQueueUrl(text: string): QueueUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(
      `--queue must be a Redis URL, redis://HOST:PORT[/DB], not ${JSON.stringify(redacted(text))}`,
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw usageError(
      `--queue must be a redis:// or rediss:// URL, not ${url.protocol}// (${displayQueueUrl(url)})`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw usageError(`--queue ${displayQueueUrl(url)} names no host`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!/^\d*$/.test(dbText) || !Number.isSafeInteger(db) || db > 15) {
    throw usageError(
      `--queue ${displayQueueUrl(url)}: the database must be a number 0–15, not ${JSON.stringify(dbText)}`,
    );
  }
  return {
    host,
    port,
    db,
    tls: url.protocol === 'rediss:',
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
  };
}

/** The URL as it may be printed: without user and password. */
export function displayQueueUrl(url: URL | QueueUrl): string {
  if (url instanceof URL) return `${url.protocol}//${url.host}${url.pathname}`;
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  return `${url.tls ? 'rediss' : 'redis'}://${host}:${url.port}/${url.db}`;
}

/** Text that failed to parse, with anything that looks like `user:password@` removed. */
function redacted(text: string): string {
  return text.replace(/\/\/[^@/]*@/, '//');
}
