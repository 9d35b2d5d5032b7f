// Object settings (issue 14 §1), the pure parts: what is refused and how the message names the
// flag, what `--metadata` makes, and the headers a write gets from the source's carried headers
// and the settings (the settings win; uploads guess a Content-Type unless told not to).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  guessContentType,
  writeFields,
  writeHeaders,
} from '../../src/s3/transfer/object-headers.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';
import {
  checkObjectSettings,
  overridesHeaders,
  parseMetadataFlags,
} from '../../src/shared/object-settings.ts';
import type { ObjectSettings } from '../../src/shared/object-settings.ts';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isS3FerryError(error) && error.kind === 'usage', String(error));
    return error.message;
  }
  return assert.fail('expected a usage error');
}

describe('checkObjectSettings', () => {
  it('passes good settings through, and none for nothing set', () => {
    const good: ObjectSettings = {
      storageClass: 'GLACIER_IR',
      sse: 'aws:kms',
      sseKmsKeyId: 'k',
      acl: 'private',
    };
    assert.deepEqual(checkObjectSettings(good), good);
    assert.equal(checkObjectSettings({}), undefined);
    assert.equal(checkObjectSettings({ guessMimeType: true }), undefined);
    assert.deepEqual(checkObjectSettings({ guessMimeType: false }), { guessMimeType: false });
  });

  it('refuses bad values, naming the flag', () => {
    assert.match(
      usageMessage(() => checkObjectSettings({ storageClass: 'cold storage' })),
      /^--storage-class: /,
    );
    assert.match(
      usageMessage(() => checkObjectSettings({ sseKmsKeyId: 'k' })),
      /--sse-kms-key-id needs --sse aws:kms/,
    );
    assert.match(
      usageMessage(() => checkObjectSettings({ sse: 'aws:kms', sseKmsKeyId: 'k\r\n' })),
      /^--sse-kms-key-id: /,
    );
    assert.match(
      usageMessage(() => checkObjectSettings({ metadata: { 'bad key': 'v' } })),
      /^--metadata: 'bad key'/,
    );
    assert.match(
      usageMessage(() => checkObjectSettings({ cacheControl: 'a\nb' })),
      /^--cache-control: "a\\nb"/,
    );
  });
});

describe('parseMetadataFlags', () => {
  it('splits at the first =, lower-cases keys, keeps values as given', () => {
    assert.deepEqual(parseMetadataFlags(['Team=ferry', 'expr=a=b', 'empty=']), {
      team: 'ferry',
      expr: 'a=b',
      empty: '',
    });
    assert.match(
      usageMessage(() => parseMetadataFlags(['=v'])),
      /is not KEY=VALUE/,
    );
  });
});

describe('the headers of a write', () => {
  const carried = { ContentType: 'application/x-seed', Metadata: { origin: 'seed' } };

  it('carries the source headers when nothing is set', () => {
    assert.deepEqual(writeFields(undefined, carried), carried);
    assert.deepEqual(writeHeaders(undefined, { 'content-type': 'a/b' }), { 'content-type': 'a/b' });
  });

  it('sets the settings over the source: metadata merged, the given keys winning', () => {
    const settings: ObjectSettings = {
      storageClass: 'STANDARD_IA',
      sse: 'AES256',
      acl: 'bucket-owner-full-control',
      cacheControl: 'max-age=60',
      metadata: { origin: 'flag', team: 'ferry' },
    };
    assert.deepEqual(writeFields(settings, carried), {
      ContentType: 'application/x-seed',
      CacheControl: 'max-age=60',
      Metadata: { origin: 'flag', team: 'ferry' },
      StorageClass: 'STANDARD_IA',
      ServerSideEncryption: 'AES256',
      ACL: 'bucket-owner-full-control',
    });
    assert.deepEqual(writeHeaders(settings, { 'x-amz-meta-origin': 'seed' }), {
      'x-amz-meta-origin': 'flag',
      'x-amz-meta-team': 'ferry',
      'cache-control': 'max-age=60',
      'x-amz-storage-class': 'STANDARD_IA',
      'x-amz-server-side-encryption': 'AES256',
      'x-amz-acl': 'bucket-owner-full-control',
    });
    assert.equal(overridesHeaders(settings), true);
    assert.equal(overridesHeaders({ storageClass: 'STANDARD_IA', acl: 'private' }), false);
  });

  it('uploads guess the type from the name unless told otherwise; --content-type wins', () => {
    assert.equal(guessContentType('site/index.html'), 'text/html; charset=utf-8');
    assert.equal(guessContentType('photo.JPG'), 'image/jpeg');
    assert.equal(guessContentType('noext'), undefined);
    assert.equal(writeFields(undefined, {}, 'a/b.css').ContentType, 'text/css; charset=utf-8');
    assert.equal(writeFields({ guessMimeType: false }, {}, 'a/b.css').ContentType, undefined);
    assert.equal(
      writeFields({ contentType: 'text/plain' }, {}, 'a/b.css').ContentType,
      'text/plain',
    );
  });
});
