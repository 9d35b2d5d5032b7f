// Telling two versions of a source apart (two HEADs), and a pinned request's 412 as SourceChanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  pinnedRequestError,
  sourceChanged,
  versionChange,
} from '../../src/s3/transfer/source-changed.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

const src = { profile: 'p', bucket: 'b', key: 'k/x' };
const at = new Date('2026-12-04T12:00:00.000Z');
const v1 = {
  ETag: '"0123456789abcdef0123456789abcdef"',
  LastModified: at,
  ContentLength: 100,
};

describe('versionChange', () => {
  it('is undefined for the same version (ETag quoting aside)', () => {
    assert.equal(versionChange(v1, { ...v1 }), undefined);
    assert.equal(versionChange(v1, { ...v1, ETag: '0123456789abcdef0123456789abcdef' }), undefined);
  });

  it('names the ETag that changed', () => {
    const now = { ...v1, ETag: '"ffffffffffffffffffffffffffffffff"' };
    assert.equal(
      versionChange(v1, now),
      'ETag 0123456789abcdef0123456789abcdef is now ffffffffffffffffffffffffffffffff',
    );
  });

  it('sees a new write of the same bytes by its time, and a new size', () => {
    const later = new Date(at.getTime() + 1000);
    assert.match(versionChange(v1, { ...v1, LastModified: later }) ?? '', /^last modified /);
    assert.equal(versionChange(v1, { ...v1, ContentLength: 101 }), '100 bytes are now 101');
    assert.equal(
      versionChange({ ...v1, VersionId: 'a' }, { ...v1, VersionId: 'b' }),
      'version a is now b',
    );
  });

  it('compares only what both answers carry', () => {
    assert.equal(versionChange(v1, { ETag: v1.ETag }), undefined);
    assert.equal(versionChange({}, v1), undefined);
  });
});

describe('pinnedRequestError', () => {
  it('turns 412 PreconditionFailed into a SourceChanged failure, not retried', () => {
    const refused = new S3FerryError('client', 'PreconditionFailed', 'At least one…', {
      httpStatus: 412,
    });
    const error = pinnedRequestError(refused, src, '"e1"');
    assert.ok(error instanceof S3FerryError);
    assert.equal(error.code, 'SourceChanged');
    assert.equal(error.retryable, false);
    assert.match(error.message, /^s3:\/\/b\/k\/x changed during the copy: .*"e1"/);
    assert.match(error.hint ?? '', /next sync copies the new version/);
  });

  it('passes anything else on unchanged', () => {
    const other = new S3FerryError('network', 'ECONNRESET', 'reset', { retryable: true });
    assert.equal(pinnedRequestError(other, src, '"e1"'), other);
    const plain = new Error('x');
    assert.equal(pinnedRequestError(plain, src, '"e1"'), plain);
  });
});

describe('sourceChanged', () => {
  it('is a client error with the source and what changed', () => {
    const error = sourceChanged(src, 'ETag a is now b');
    assert.equal(error.kind, 'client');
    assert.equal(error.message, 's3://b/k/x changed during the copy: ETag a is now b');
  });
});
