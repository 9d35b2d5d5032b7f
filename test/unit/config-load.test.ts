// loadConfig against real files in temp directories: default and overridden file locations,
// lazy reading, missing and malformed files, known profiles, and the process-bound wrapper.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, loadConfigFromProcess } from '../../src/config/load.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

const FIXTURES = new URL('../fixtures/config/', import.meta.url);
const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh home directory, optionally with ~/.aws/credentials and ~/.aws/config. */
function makeHome(files: { credentials?: string; config?: string } = {}): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 's3ferry-config-home-'));
  tempDirs.push(home);
  if (files.credentials !== undefined || files.config !== undefined) {
    fs.mkdirSync(path.join(home, '.aws'));
  }
  if (files.credentials !== undefined) {
    fs.writeFileSync(path.join(home, '.aws', 'credentials'), files.credentials);
  }
  if (files.config !== undefined) fs.writeFileSync(path.join(home, '.aws', 'config'), files.config);
  return home;
}

function fixture(name: string): string {
  return fs.readFileSync(new URL(name, FIXTURES), 'utf8');
}

describe('loadConfig', () => {
  it("resolves the seed's example files from ~/.aws", () => {
    const home = makeHome({ credentials: fixture('credentials'), config: fixture('config') });
    const config = loadConfig({ env: {}, homeDir: home });
    assert.equal(config.credentialsFile, path.join(home, '.aws', 'credentials'));
    assert.equal(config.configFile, path.join(home, '.aws', 'config'));

    const plain = config.profile(undefined);
    assert.deepEqual(
      {
        name: plain.name,
        credentials: plain.credentials,
        endpointUrl: plain.endpointUrl,
        addressingStyle: plain.addressingStyle,
        region: plain.region,
      },
      {
        name: 'default',
        credentials: { accessKeyId: 'default_access', secretAccessKey: 'default_secret' },
        endpointUrl: 'http://oss-cn-hangzhou.aliyuncs.com',
        addressingStyle: 'virtual',
        region: 'cn-hangzhou',
      },
    );

    const global = config.profile('global-endpoint');
    assert.equal(global.endpointUrl, 'http://oss-cn-hangzhou.aliyuncs.com');
    assert.equal(global.addressingStyle, 'path');

    const profile1 = config.profile('profile1');
    assert.deepEqual(profile1.credentials, {
      accessKeyId: 'profile1_access',
      secretAccessKey: 'profile1_secret',
    });
    assert.equal(profile1.region, 'us-west-2');
    assert.equal(profile1.verify, false);

    const roleOnly = config.profile('role-only');
    assert.equal(roleOnly.credentials, undefined);
    assert.deepEqual(roleOnly.sources.credentials, { kind: 'sdk-chain' });
  });

  it('reads AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, expanding ~', () => {
    const home = makeHome();
    fs.writeFileSync(
      path.join(home, 'creds.ini'),
      '[p1]\r\naws_access_key_id = AK\r\naws_secret_access_key = SK\r\n',
    );
    fs.mkdirSync(path.join(home, 'etc'));
    fs.writeFileSync(path.join(home, 'etc', 'conf.ini'), '[profile p1]\nregion = eu-west-1\n');
    const config = loadConfig({
      env: {
        AWS_SHARED_CREDENTIALS_FILE: '~/creds.ini',
        AWS_CONFIG_FILE: path.join(home, 'etc', 'conf.ini'),
      },
      homeDir: home,
    });
    assert.equal(config.credentialsFile, path.join(home, 'creds.ini'));
    assert.equal(config.configFile, path.join(home, 'etc', 'conf.ini'));
    const spec = config.profile('p1');
    assert.deepEqual(spec.credentials, { accessKeyId: 'AK', secretAccessKey: 'SK' });
    assert.equal(spec.region, 'eu-west-1');
    assert.equal(spec.credentialsFile, path.join(home, 'creds.ini'));
    assert.deepEqual(spec.sources.region, {
      kind: 'file',
      path: path.join(home, 'etc', 'conf.ini'),
      section: 'profile p1',
      key: 'region',
    });
  });

  it('treats empty file variables as unset', () => {
    const home = makeHome();
    const config = loadConfig({
      env: { AWS_SHARED_CREDENTIALS_FILE: '', AWS_CONFIG_FILE: '' },
      homeDir: home,
    });
    assert.equal(config.credentialsFile, path.join(home, '.aws', 'credentials'));
    assert.equal(config.configFile, path.join(home, '.aws', 'config'));
  });

  it('works without any file: default profile with the SDK chain', () => {
    const config = loadConfig({ env: {}, homeDir: makeHome() });
    const spec = config.profile(undefined);
    assert.equal(spec.credentials, undefined);
    assert.equal(spec.region, 'us-east-1');
    assert.deepEqual(config.knownProfiles(), ['default']);
  });

  it('does not read the files before they are needed, then names a malformed one by ~ path and line', () => {
    const home = makeHome({ credentials: '[default]\naws_access_key_id = AK\n[broken\n' });
    const config = loadConfig({
      env: { MEGFILE_S3_CLIENT_CACHE_MODE: 'process_local' },
      homeDir: home,
    });
    assert.equal(config.global().clientCacheMode, 'process_local');
    for (const attempt of [() => config.profile(undefined), () => config.knownProfiles()]) {
      assert.throws(
        attempt,
        (error: unknown) =>
          error instanceof S3FerryError &&
          error.kind === 'config' &&
          error.message === '~/.aws/credentials:3: unterminated section header (missing "]")',
      );
    }
  });

  it('names an unknown profile with the real file locations', () => {
    const home = makeHome({ credentials: '[default]\n' });
    const config = loadConfig({ env: { AWS_CONFIG_FILE: '/etc/aws-config' }, homeDir: home });
    assert.throws(() => config.profile('ghost'), {
      message:
        'Unknown profile "ghost": no GHOST__* environment variable, no [ghost] in ~/.aws/credentials and no [profile ghost] in /etc/aws-config',
    });
  });

  it('passes flags through to every profile', () => {
    const home = makeHome({ credentials: '[p1]\n[p2]\n' });
    const config = loadConfig({
      env: { P2__MEGFILE_S3_MAX_RETRY_TIMES: '7' },
      homeDir: home,
      flags: { maxRetryTimes: '1', clientCacheMode: 'process_local' },
    });
    assert.equal(config.profile('p1').maxRetryTimes, 1);
    assert.equal(config.profile('p2').maxRetryTimes, 1);
    assert.equal(config.global().clientCacheMode, 'process_local');
  });

  it('refuses a bad flag value at once, before any profile is resolved (a local run needs none)', () => {
    for (const [flags, message] of [
      [
        { maxRetryTimes: '-1' },
        'Invalid --max-retry-times: expected a whole number from 0 to 1000, got "-1"',
      ],
      [
        { requestChecksumCalculation: 'x' },
        'Invalid --request-checksum-calculation: expected when_required or when_supported, got "x"',
      ],
      [
        { clientCacheMode: 'global' },
        'Invalid --client-cache-mode: expected thread_local or process_local, got "global"',
      ],
    ] as const) {
      assert.throws(
        () => loadConfig({ env: {}, homeDir: makeHome(), flags }),
        (error: unknown) =>
          error instanceof S3FerryError && error.kind === 'usage' && error.message === message,
      );
    }
  });

  it('returns the same resolved profile on every call', () => {
    const config = loadConfig({ env: {}, homeDir: makeHome() });
    assert.equal(config.profile(undefined), config.profile(undefined));
  });

  it('lists profiles known from variables and both files', () => {
    const home = makeHome({ credentials: fixture('credentials'), config: fixture('config') });
    const config = loadConfig({ env: { BACKUP__AWS_ACCESS_KEY_ID: 'x' }, homeDir: home });
    assert.deepEqual(config.knownProfiles(), [
      'backup',
      'default',
      'global-endpoint',
      'profile1',
      'role-only',
    ]);
  });
});

describe('loadConfigFromProcess', () => {
  it('reads process.env', () => {
    const home = makeHome();
    const credentials = path.join(home, 'from-process-env');
    fs.writeFileSync(
      credentials,
      '[default]\naws_access_key_id = AKPROC\naws_secret_access_key = SKPROC\n',
    );
    const saved = { ...process.env };
    try {
      for (const key of Object.keys(process.env)) {
        if (/^(AWS_|OSS_|MEGFILE_)|__/.test(key)) Reflect.deleteProperty(process.env, key);
      }
      process.env['AWS_SHARED_CREDENTIALS_FILE'] = credentials;
      process.env['AWS_CONFIG_FILE'] = path.join(home, 'no-config');
      const config = loadConfigFromProcess({ maxRetryTimes: '2' });
      assert.equal(config.credentialsFile, credentials);
      const spec = config.profile(undefined);
      assert.equal(spec.credentials?.accessKeyId, 'AKPROC');
      assert.equal(spec.maxRetryTimes, 2);
    } finally {
      for (const key of Object.keys(process.env)) Reflect.deleteProperty(process.env, key);
      Object.assign(process.env, saved);
    }
  });
});
