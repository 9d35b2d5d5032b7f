// How config show presents provenance (masking and `~` paths: shared-display.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSource } from '../../src/cli/mask.ts';
import { createRedactingIo } from '../../src/cli/io.ts';

describe('formatSource', () => {
  it('names the env var, flag, file section and key, default, or the SDK chain', () => {
    assert.equal(formatSource({ kind: 'env', name: 'P1__OSS_ENDPOINT' }), 'env P1__OSS_ENDPOINT');
    assert.equal(formatSource({ kind: 'flag', name: 'endpoint-url' }), 'flag --endpoint-url');
    assert.equal(formatSource({ kind: 'flag', name: '--endpoint-url' }), 'flag --endpoint-url');
    assert.equal(
      formatSource(
        { kind: 'file', path: '/home/u/.aws/credentials', section: 'p1', key: 's3.endpoint_url' },
        '/home/u',
      ),
      'file ~/.aws/credentials [p1] s3.endpoint_url',
    );
    assert.equal(formatSource({ kind: 'default' }), 'default');
    assert.equal(formatSource(undefined), 'default');
    assert.equal(formatSource({ kind: 'sdk-chain' }), 'SDK default credential chain');
  });

  it('abbreviates only paths really under the home directory, and none without a home', () => {
    const source = { kind: 'file', path: '/home/user2/x', section: 'p1', key: 'region' } as const;
    assert.equal(formatSource(source, '/home/user'), 'file /home/user2/x [p1] region');
    assert.equal(formatSource(source, '/home/user2/'), 'file ~/x [p1] region');
    assert.equal(formatSource(source), 'file /home/user2/x [p1] region');
  });
});

describe('createRedactingIo', () => {
  it('blanks every registered secret in both streams, longest first', () => {
    const out: string[] = [];
    const io = createRedactingIo({
      writeOut: (t) => out.push(`out:${t}`),
      writeErr: (t) => out.push(`err:${t}`),
    });
    io.addSecret('abcd');
    io.addSecret('abcdXYZ');
    io.addSecret('ab'); // too short to be a secret: ignored
    io.addSecret(undefined);
    io.writeOut('key abcdXYZ and abcd and ab');
    io.writeErr('Error: abcd');
    assert.deepEqual(out, ['out:key **** and **** and ab', 'err:Error: ****']);
  });
});
