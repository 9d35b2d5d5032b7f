// ProfileSpec builders for tests: neutral defaults (as if only the given fields were configured),
// and a spec for one endpoint and user of a test target, as src/config would resolve it.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { envPrefixFor } from '../../src/config/profile-env.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import type { TestTarget } from './targets.ts';

/**
 * A complete ProfileSpec: profile `p1` on a local endpoint with static keys, path style, the
 * resolver's defaults elsewhere, files under ~/.aws, no sources. `envPrefix` follows `name`
 * unless given.
 */
export function makeSpec(overrides: Partial<ProfileSpec> = {}): ProfileSpec {
  const name = overrides.name ?? 'p1';
  return {
    name,
    envPrefix: envPrefixFor(name),
    endpointUrl: 'http://127.0.0.1:9000',
    region: 'us-east-1',
    addressingStyle: 'path',
    credentials: { accessKeyId: 'AKIDTESTKEY0000001', secretAccessKey: 'test-secret-value' },
    maxRetryTimes: 10,
    connectTimeout: 5,
    timeout: 60,
    verify: true,
    redirect: false,
    caBundle: undefined,
    storageClass: undefined,
    requestChecksumCalculation: 'when_required',
    responseChecksumValidation: 'when_required',
    credentialsFile: join(homedir(), '.aws', 'credentials'),
    configFile: join(homedir(), '.aws', 'config'),
    sources: {},
    ...overrides,
  };
}

/** Options of {@link targetSpec}: which endpoint and user, plus any field to override. */
export type TargetSpecOptions = { endpoint?: 0 | 1; user?: 0 | 1 } & Partial<ProfileSpec>;

/**
 * A spec for `target.endpoints[endpoint]` with `target.users[user]` (both default 0), named
 * `t<endpoint><user>` unless `name` is given, with 2 retries (fast failing tests).
 */
export function targetSpec(target: TestTarget, options: TargetSpecOptions = {}): ProfileSpec {
  const { endpoint = 0, user = 0, ...overrides } = options;
  const keys = target.users[user];
  return makeSpec({
    name: `t${endpoint}${user}`,
    endpointUrl: target.endpoints[endpoint],
    region: target.region,
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    maxRetryTimes: 2,
    ...overrides,
  });
}
