// --queue and --job: what the CLI accepts, and that a password never shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkJobName, defaultJobName, rangeJobId } from '../../src/distributed/names.ts';
import { displayQueueUrl, parseQueueUrl } from '../../src/distributed/queue-url.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isS3FerryError(error) && error.kind === 'usage', String(error));
    return error.message;
  }
  assert.fail('no error');
}

describe('parseQueueUrl', () => {
  it('reads host, port and database, with defaults', () => {
    assert.deepEqual(parseQueueUrl('redis://10.0.0.5:6380/3'), {
      host: '10.0.0.5',
      port: 6380,
      db: 3,
      tls: false,
    });
    assert.deepEqual(parseQueueUrl('rediss://cache.example'), {
      host: 'cache.example',
      port: 6379,
      db: 0,
      tls: true,
    });
  });

  it('keeps user and password for the connection but never displays them', () => {
    const url = parseQueueUrl('redis://ferry:p%40ss-w0rd@redis.internal:6379/1');
    assert.equal(url.username, 'ferry');
    assert.equal(url.password, 'p@ss-w0rd');
    assert.equal(displayQueueUrl(url), 'redis://redis.internal:6379/1');
  });

  it('refuses what is not a Redis URL, naming --queue, without echoing a password', () => {
    assert.match(
      usageMessage(() => parseQueueUrl('localhost:6379')),
      /--queue must be a redis:\/\//,
    );
    const message = usageMessage(() => parseQueueUrl('http://u:secretpw@host:80'));
    assert.match(message, /--queue must be a redis:\/\/ or rediss:\/\/ URL, not http:/);
    assert.ok(!message.includes('secretpw'), message);
    assert.match(
      usageMessage(() => parseQueueUrl('redis://host:6379/x')),
      /database must be a number 0–15/,
    );
    assert.match(
      usageMessage(() => parseQueueUrl('redis://host:6379/16')),
      /database/,
    );
  });
});

describe('job names', () => {
  it('accepts names made for Redis keys and refuses the rest, naming --job', () => {
    assert.equal(checkJobName('nightly.2026-12_04'), 'nightly.2026-12_04');
    for (const bad of ['', '-x', 'a b', 'a:b', 'x'.repeat(65)]) {
      assert.match(
        usageMessage(() => checkJobName(bad)),
        /--job/,
      );
    }
  });

  it('derives the same default name from the same identity, another from another', () => {
    const one = defaultJobName({ src: 's3://a/', dst: 's3://b/' });
    assert.equal(one, defaultJobName({ src: 's3://a/', dst: 's3://b/' }));
    assert.notEqual(one, defaultJobName({ src: 's3://a/', dst: 's3://c/' }));
    assert.doesNotThrow(() => checkJobName(one));
  });

  it('gives each range a BullMQ job id without ":" (BullMQ refuses it), distinct per range', () => {
    const ids = ['after:', 'after:a:b', 'after:a:c'].map((r) => rangeJobId('job', r));
    for (const id of ids) assert.ok(!id.includes(':'), id);
    assert.equal(new Set(ids).size, 3);
  });
});
