// Unit: the lean signed path signs with the credentials its provider last gave while they are
// far from expiry, and asks the provider again inside the SDK's 5-minute refresh window: so
// temporary credentials (an assumed role, SSO, IMDS) are renewed as the SDK would renew them.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { AwsCredentialIdentity } from '@smithy/types';
import { createS3Client } from '../../src/s3/client.ts';
import { RequestCounter } from '../../src/s3/request-counter.ts';
import { BudgetRetryStrategy, fullJitterBackoff } from '../../src/s3/retry.ts';
import { registerSignedTransport, sendSigned } from '../../src/s3/signed-request.ts';
import type { SignedRequest } from '../../src/s3/signed-request.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

const GET: SignedRequest = {
  operation: 'GetObject',
  method: 'GET',
  bucket: 'b',
  key: 'k',
  headers: {},
};

let port = 42000;

/**
 * A client whose provider hands out `identities` in turn (the last one repeats); returns the
 * access key id each request was signed with, and how often the provider was asked.
 */
function clientWith(identities: AwsCredentialIdentity[]): {
  send: () => Promise<void>;
  signedWith: string[];
  asked: () => number;
} {
  port += 1;
  const spec = makeSpec({ name: 'creds', endpointUrl: `http://127.0.0.1:${port}` });
  const client = createS3Client(spec);
  const signedWith: string[] = [];
  let asked = 0;
  registerSignedTransport(client, {
    spec,
    pathStyle: true,
    retryStrategy: new BudgetRetryStrategy({
      maxRetries: 0,
      backoff: fullJitterBackoff({ baseMs: 0 }),
    }),
    handler: {
      handle: (request) => {
        const authorization = String(request.headers['authorization']);
        signedWith.push(/Credential=([^/]+)\//.exec(authorization)?.[1] ?? '');
        return Promise.resolve({
          response: {
            statusCode: 200,
            headers: { 'content-length': '2', etag: '"0cc175b9c0f1b6a831c399e269772661"' },
            body: Readable.from([Buffer.from('ok')]),
          },
        });
      },
    },
    credentials: () => {
      const identity = identities[Math.min(asked, identities.length - 1)]!;
      asked += 1;
      return Promise.resolve(identity);
    },
    clockOffsetMs: () => 0,
  });
  return {
    send: async () => {
      await sendSigned(client, GET, { counter: new RequestCounter() });
    },
    signedWith,
    asked: () => asked,
  };
}

const inMinutes = (minutes: number): Date => new Date(Date.now() + minutes * 60_000);

describe('sendSigned: credentials', () => {
  it('asks for static credentials once and signs every request with them', async () => {
    const lean = clientWith([
      { accessKeyId: 'AKIASTATIC0000000001', secretAccessKey: 's1' },
      { accessKeyId: 'AKIANEVERASKED000002', secretAccessKey: 's2' },
    ]);
    for (let i = 0; i < 3; i += 1) await lean.send();
    assert.equal(lean.asked(), 1);
    assert.deepEqual(lean.signedWith, Array(3).fill('AKIASTATIC0000000001'));
  });

  it('keeps temporary credentials an hour from expiry', async () => {
    const lean = clientWith([
      { accessKeyId: 'ASIAFRESH00000000001', secretAccessKey: 's1', expiration: inMinutes(60) },
      { accessKeyId: 'ASIANEVERASKED000002', secretAccessKey: 's2', expiration: inMinutes(60) },
    ]);
    for (let i = 0; i < 3; i += 1) await lean.send();
    assert.equal(lean.asked(), 1);
    assert.deepEqual(lean.signedWith, Array(3).fill('ASIAFRESH00000000001'));
  });

  it('asks again for credentials inside the refresh window, and signs with the renewed ones', async () => {
    const lean = clientWith([
      { accessKeyId: 'ASIAEXPIRING00000001', secretAccessKey: 's1', expiration: inMinutes(2) },
      { accessKeyId: 'ASIARENEWED000000002', secretAccessKey: 's2', expiration: inMinutes(60) },
    ]);
    for (let i = 0; i < 3; i += 1) await lean.send();
    assert.equal(lean.asked(), 2);
    assert.deepEqual(lean.signedWith, [
      'ASIAEXPIRING00000001',
      'ASIARENEWED000000002',
      'ASIARENEWED000000002',
    ]);
  });
});
