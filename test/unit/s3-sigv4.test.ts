// The lean path's SigV4 (src/s3/sigv4.ts) against @smithy/signature-v4, the SDK's signer, on what
// its caches and fast paths could get wrong: header values with blanks to trim and fold, two
// users' secrets signed in turn (a copy between users), and a new day's signing key.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, it } from 'node:test';
import { signRequest } from '../../src/s3/sigv4.ts';
import type { SigningCredentials } from '../../src/s3/sigv4.ts';

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 (or its HMAC with a secret) in the shape the SDK's signer takes. */
class NodeSha256 {
  #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
  reset(): void {
    // One use per instance here.
  }
}

const users: SigningCredentials[] = [
  {
    accessKeyId: 'AKIAUSERONE000000001',
    secretAccessKey: 'secret-one/aaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  },
  {
    accessKeyId: 'AKIAUSERTWO000000002',
    secretAccessKey: 'secret-two/bbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  },
];

async function sdkSignature(
  credentials: SigningCredentials,
  headers: Record<string, string>,
  date: Date,
): Promise<string> {
  const signer = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8000,
      path: '/bucket/a%20key',
      query: { partNumber: '1', uploadId: 'x y' },
      headers: { ...headers },
    },
    { signingDate: date },
  );
  return String(signed.headers['authorization']);
}

function leanSignature(
  credentials: SigningCredentials,
  headers: Record<string, string>,
  date: Date,
) {
  return signRequest({
    method: 'PUT',
    path: '/bucket/a%20key',
    query: { partNumber: '1', uploadId: 'x y' },
    headers,
    region: 'us-east-1',
    service: 's3',
    credentials,
    date,
  })['authorization'];
}

describe('signRequest', () => {
  it('signs as the SDK does, blanks in header values trimmed and folded', async () => {
    const date = new Date('2026-12-05T10:00:00Z');
    for (const value of [
      'plain',
      '  leading',
      'trailing  ',
      'two  spaces',
      'a\ttab',
      ' all \t of  them ',
    ]) {
      const headers = {
        host: '127.0.0.1:8000',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        'x-amz-meta-note': value,
      };
      assert.equal(
        leanSignature(users[0]!, headers, date),
        await sdkSignature(users[0]!, headers, date),
        JSON.stringify(value),
      );
    }
  });

  it('keeps each user’s signing key apart, and takes a new one on a new day', async () => {
    const headers = { host: '127.0.0.1:8000', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    const days = [new Date('2026-12-05T23:59:59Z'), new Date('2026-12-06T00:00:00Z')];
    for (const date of days) {
      for (const user of [users[0]!, users[1]!, users[0]!, users[1]!]) {
        assert.equal(leanSignature(user, headers, date), await sdkSignature(user, headers, date));
      }
    }
  });
});
