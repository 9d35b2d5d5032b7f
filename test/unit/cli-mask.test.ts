// How config show presents keys and provenance.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSource, maskAccessKey, tildify } from '../../src/cli/mask.ts';
import { createRedactingIo } from '../../src/cli/io.ts';

describe('maskAccessKey', () => {
  it('keeps the first 4 and last 4 characters of a long key', () => {
    assert.equal(maskAccessKey('AKIAIOSFODNN7EXAMPLEWXYZ'), 'AKIA…WXYZ');
    assert.equal(maskAccessKey('123456789'), '1234…6789');
  });

  it('masks a key of 8 characters or fewer entirely', () => {
    assert.equal(maskAccessKey('12345678'), '********');
    assert.equal(maskAccessKey('ab'), '********');
  });
});

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

  it('abbreviates only paths really under the home directory', () => {
    assert.equal(tildify('/home/user2/x', '/home/user'), '/home/user2/x');
    assert.equal(tildify('/home/user/x', '/home/user/'), '~/x');
    assert.equal(tildify('/etc/x', '/'), '/etc/x');
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
