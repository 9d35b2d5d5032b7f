// Paging ListMultipartUploads: where the next page starts (the server's markers, else the last
// upload listed, never a key marker alone), and the answers that would make a listing loop, stop
// early or read another bucket's uploads, refused as fatal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextMarkersOf } from '../../src/s3/uploads.ts';
import type { S3Upload } from '../../src/s3/uploads.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';

const at = { spec: { name: 'p' }, bucket: 'b', prefix: 'dir/' };
const uploads: S3Upload[] = [
  { key: 'dir/a', uploadId: 'u1', initiatedMs: 1 },
  { key: 'dir/a', uploadId: 'u2', initiatedMs: 2 },
];

function refusedWith(code: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isS3FerryError(error), String(error));
    assert.equal(error.code, code);
    assert.equal(error.fatal, true);
    return true;
  };
}

describe('nextMarkersOf', () => {
  it('ends the listing on a page that is not truncated', () => {
    assert.equal(
      nextMarkersOf({ Bucket: 'b', IsTruncated: false }, uploads, undefined, at),
      undefined,
    );
    assert.equal(nextMarkersOf({}, [], undefined, at), undefined);
  });

  it("goes on from the server's markers when it sends both", () => {
    assert.deepEqual(
      nextMarkersOf(
        { IsTruncated: true, NextKeyMarker: 'dir/z', NextUploadIdMarker: 'u9' },
        uploads,
        undefined,
        at,
      ),
      { keyMarker: 'dir/z', uploadIdMarker: 'u9' },
    );
  });

  it('goes on from the last upload listed when the server sends no upload id marker', () => {
    // A key marker alone would skip u3, u4… of dir/a: S3 then lists only keys after it.
    for (const page of [{ IsTruncated: true, NextKeyMarker: 'dir/a' }, { IsTruncated: true }]) {
      assert.deepEqual(nextMarkersOf(page, uploads, undefined, at), {
        keyMarker: 'dir/a',
        uploadIdMarker: 'u2',
      });
    }
  });

  it('refuses a truncated page with no marker and no upload, and the same markers twice', () => {
    assert.throws(
      () => nextMarkersOf({ IsTruncated: true }, [], undefined, at),
      refusedWith('ListTruncatedWithoutMarker'),
    );
    assert.throws(
      () =>
        nextMarkersOf(
          { IsTruncated: true },
          uploads,
          { keyMarker: 'dir/a', uploadIdMarker: 'u2' },
          at,
        ),
      refusedWith('ListMarkerRepeated'),
    );
  });

  it("refuses another bucket's page and an upload without an id", () => {
    assert.throws(
      () => nextMarkersOf({ Bucket: 'other', IsTruncated: false }, uploads, undefined, at),
      refusedWith('ListWrongBucket'),
    );
    assert.throws(
      () => nextMarkersOf({}, [{ key: 'dir/a', uploadId: '', initiatedMs: 1 }], undefined, at),
      refusedWith('ListUploadWithoutId'),
    );
  });
});
