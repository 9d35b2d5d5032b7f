import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientCache, clientCacheKey } from '../../src/s3/client-cache.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { ClientCacheMode, ProfileSpec } from '../../src/shared/profile.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

function spec(overrides: Partial<ProfileSpec> = {}): ProfileSpec {
  return makeSpec({
    name: 'p1',
    envPrefix: 'P1__',
    endpointUrl: 'http://127.0.0.1:9000',
    credentials: { accessKeyId: 'AKIDCACHE0001', secretAccessKey: 'cache-secret-value' },
    credentialsFile: '/home/u/.aws/credentials',
    configFile: '/home/u/.aws/config',
    ...overrides,
  });
}

const modes: ClientCacheMode[] = ['thread_local', 'process_local'];

for (const mode of modes) {
  describe(`ClientCache (${mode})`, () => {
    it('reuses one client for the same profile and settings', () => {
      const cache = new ClientCache({ mode });
      const first = cache.get(spec());
      assert.equal(cache.get(spec()), first);
      assert.deepEqual(cache.clientsBuilt(), { p1: 1 });
      cache.destroy();
    });

    it('ignores where the settings came from', () => {
      const cache = new ClientCache({ mode });
      const a = cache.get(
        spec({ sources: { endpointUrl: { kind: 'env', name: 'P1__OSS_ENDPOINT' } } }),
      );
      const b = cache.get(spec({ sources: { endpointUrl: { kind: 'default' } } }));
      assert.equal(a, b);
      cache.destroy();
    });

    it('builds a second client when only the endpoint differs (megfile would reuse the first)', () => {
      const cache = new ClientCache({ mode });
      const a = cache.get(spec({ endpointUrl: 'http://127.0.0.1:9000' }));
      const b = cache.get(spec({ endpointUrl: 'http://127.0.0.1:9001' }));
      assert.notEqual(a, b);
      assert.deepEqual(cache.clientsBuilt(), { p1: 2 });
      cache.destroy();
    });

    it('builds a second client when only the keys differ', () => {
      const cache = new ClientCache({ mode });
      const a = cache.get(spec());
      const b = cache.get(
        spec({ credentials: { accessKeyId: 'AKIDCACHE0001', secretAccessKey: 'other' } }),
      );
      assert.notEqual(a, b);
      cache.destroy();
    });

    it('counts clients per profile name', () => {
      const cache = new ClientCache({ mode });
      cache.get(spec({ name: 'a', envPrefix: 'A__' }));
      cache.get(spec({ name: 'b', envPrefix: 'B__' }));
      cache.get(spec({ name: 'b', envPrefix: 'B__', region: 'eu-west-1' }));
      cache.get(spec({ name: 'a', envPrefix: 'A__' }));
      assert.deepEqual(cache.clientsBuilt(), { a: 1, b: 2 });
      assert.equal(cache.size, 3);
      cache.destroy();
    });

    it("reports a profile's warnings once, however many clients it gets", () => {
      const warnings: string[] = [];
      const cache = new ClientCache({ mode, onWarning: (w) => warnings.push(w) });
      cache.get(spec({ verify: false }));
      cache.get(spec({ verify: false, region: 'eu-west-1' }));
      cache.get(spec({ verify: false }));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? '', /verification is off for profile p1/);
      cache.destroy();
    });

    it('cannot be used after destroy', () => {
      const cache = new ClientCache({ mode });
      cache.get(spec());
      cache.destroy();
      assert.equal(cache.size, 0);
      assert.throws(() => cache.get(spec()), S3FerryError);
    });
  });
}

describe('clientCacheKey', () => {
  it('never holds the secret key in clear', () => {
    assert.ok(!clientCacheKey(spec()).includes('cache-secret-value'));
  });

  it('does not depend on the order of fields', () => {
    const a = spec();
    const b = Object.fromEntries(Object.entries(spec()).reverse()) as ProfileSpec;
    assert.equal(clientCacheKey(a), clientCacheKey(b));
  });
});
