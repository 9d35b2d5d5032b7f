// What a distributed job carries to its workers: the selection that decides which keys are
// copied survives the trip through Redis (JSON), so every worker filters as the coordinator asked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobSpecOf, rangeSyncOptions } from '../../src/distributed/job-spec.ts';
import type { JobIdentity } from '../../src/job/checkpoint.ts';
import { resolveSyncOptions } from '../../src/engine/options.ts';

const identity: JobIdentity = {
  src: 's3+a://b/',
  dst: 's3+b://c/',
  srcWhere: 'http://127.0.0.1:1 s3+a://b/',
  dstWhere: 'http://127.0.0.1:2 s3+b://c/',
  mode: 'default',
  include: [],
  exclude: [],
  deleteExcluded: false,
  delete: true,
  filters: '--min-size 1024 --max-age 7d',
};

describe('jobSpecOf', () => {
  it('carries the size and age filters, ages as written (each pass counts them from its start)', () => {
    const resolved = resolveSyncOptions({
      src: 's3+a://b/',
      dst: 's3+b://c/',
      shouldDelete: true,
      include: ['*.jpg'],
      minSizeBytes: 1024,
      maxAge: '7d',
    });
    const spec = JSON.parse(JSON.stringify(jobSpecOf(resolved, identity))) as ReturnType<
      typeof jobSpecOf
    >;
    const options = rangeSyncOptions(spec, { workers: 1 });
    assert.equal(options.minSizeBytes, 1024);
    assert.equal(options.maxAge, '7d');
    assert.equal(options.maxSizeBytes, undefined);
    assert.equal(options.minAge, undefined);
    assert.deepEqual(options.include, ['*.jpg']);
    assert.equal(options.shouldDelete, true);
  });

  it('leaves them out when none was given', () => {
    const spec = jobSpecOf(resolveSyncOptions({ src: 's3://b/', dst: 's3://c/' }), identity);
    for (const key of ['minSizeBytes', 'maxSizeBytes', 'minAge', 'maxAge']) {
      assert.ok(!(key in spec.options), key);
    }
  });
});
