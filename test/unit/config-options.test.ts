// The option table and what derives from it: CLI flags, the reference table, env prefixes and
// the "check X or [name] in FILE" hints the S3 error classifier shows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAwsIni } from '../../src/config/aws-files.ts';
import {
  LOCATION_VARIABLES,
  OPTION_LIST,
  configFlags,
  configReferenceMarkdown,
} from '../../src/config/options.ts';
import {
  credentialsHint,
  describeSource,
  displayPath,
  envPrefixFor,
} from '../../src/config/profile-env.ts';
import type { HintField } from '../../src/config/profile-env.ts';
import { resolveProfile } from '../../src/config/profiles.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';

const HOME = '/root';

describe('the option table', () => {
  it('declares every environment variable once', () => {
    const names = OPTION_LIST.flatMap((option) => option.env);
    assert.equal(new Set(names).size, names.length);
  });

  it('covers every variable of the seed', () => {
    const names = new Set([
      ...OPTION_LIST.flatMap((option) => option.env),
      ...Object.values(LOCATION_VARIABLES).map((variable) => variable.env),
    ]);
    for (const seed of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'OSS_ENDPOINT',
      'AWS_ENDPOINT_URL_S3',
      'AWS_ENDPOINT_URL',
      'AWS_S3_ADDRESSING_STYLE',
      'MEGFILE_S3_MAX_RETRY_TIMES',
      'AWS_S3_VERIFY',
      'AWS_S3_REDIRECT',
      'MEGFILE_S3_CLIENT_CACHE_MODE',
      'AWS_PROFILE',
      'AWS_SHARED_CREDENTIALS_FILE',
      'AWS_CONFIG_FILE',
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_CA_BUNDLE',
      'AWS_REQUEST_CHECKSUM_CALCULATION',
      'AWS_RESPONSE_CHECKSUM_VALIDATION',
    ]) {
      assert.ok(names.has(seed), `${seed} is missing from the option table`);
    }
  });

  it('gives every option help text and a default text, and parses every default it declares', () => {
    for (const option of OPTION_LIST) {
      assert.ok(option.help.length > 0 && option.defaultText.length > 0, option.id);
      const fallback = option.default;
      const value =
        typeof fallback === 'function' ? fallback({ endpointUrl: undefined }) : fallback;
      if (value !== undefined) {
        assert.deepEqual(option.parse(String(value)), { ok: true, value }, option.id);
      }
    }
  });

  it('has no flag for per-server settings (a flag would apply to every profile)', () => {
    for (const option of OPTION_LIST) {
      if (option.scope === 'server') assert.equal(option.flag, undefined, option.id);
    }
  });
});

describe('configFlags', () => {
  it('lists the flags with placeholders, defaults and choices', () => {
    assert.deepEqual(
      configFlags().map(({ id, flag, placeholder, defaultText, choices }) => ({
        id,
        flag,
        placeholder,
        defaultText,
        choices,
      })),
      [
        {
          id: 'maxRetryTimes',
          flag: '--max-retry-times',
          placeholder: 'N',
          defaultText: '10',
          choices: undefined,
        },
        {
          id: 'requestChecksumCalculation',
          flag: '--request-checksum-calculation',
          placeholder: 'WHEN',
          defaultText: 'when_required',
          choices: ['when_required', 'when_supported'],
        },
        {
          id: 'responseChecksumValidation',
          flag: '--response-checksum-validation',
          placeholder: 'WHEN',
          defaultText: 'when_required',
          choices: ['when_required', 'when_supported'],
        },
        {
          id: 'clientCacheMode',
          flag: '--client-cache-mode',
          placeholder: 'MODE',
          defaultText: 'thread_local',
          choices: ['thread_local', 'process_local'],
        },
      ],
    );
  });

  it("names each flag so that its camelCase form (commander's key) is the option id", () => {
    for (const { id, flag } of configFlags()) {
      const camel = flag
        .replace(/^--/, '')
        .replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
      assert.equal(camel, id);
    }
  });
});

describe('configReferenceMarkdown', () => {
  const markdown = configReferenceMarkdown();

  it('mentions every variable, file key and flag of the table', () => {
    for (const option of OPTION_LIST) {
      for (const name of option.env) assert.ok(markdown.includes(`\`${name}\``), name);
      for (const key of option.fileKeys) {
        assert.ok(markdown.includes(`\`${key.replace(/^s3\./, '')}\``), key);
      }
      if (option.flag !== undefined)
        assert.ok(markdown.includes(option.flag.name), option.flag.name);
      assert.ok(markdown.includes(option.defaultText), option.defaultText);
    }
    for (const variable of Object.values(LOCATION_VARIABLES)) {
      assert.ok(markdown.includes(`\`${variable.env}\``), variable.env);
    }
  });

  it('states the precedence order', () => {
    assert.ok(
      markdown.includes(
        'CLI flag > environment > `~/.aws/credentials` > `~/.aws/config` > default',
      ),
    );
  });
});

describe('envPrefixFor', () => {
  const cases: [string, string][] = [
    ['profile1', 'PROFILE1__'],
    ['Profile1', 'PROFILE1__'],
    ['my-profile.v2', 'MY_PROFILE_V2__'],
    ['a_b', 'A_B__'],
    ['default', 'DEFAULT__'],
  ];
  for (const [name, prefix] of cases) {
    it(`maps ${name} to ${prefix}`, () => {
      assert.equal(envPrefixFor(name), prefix);
    });
  }
});

describe('displayPath', () => {
  const cases: [string, string, string][] = [
    ['/root/.aws/credentials', '/root', '~/.aws/credentials'],
    ['/root', '/root', '~'],
    ['/rootless/x', '/root', '/rootless/x'],
    ['/etc/aws', '/root', '/etc/aws'],
    ['/home/u/x', '/home/u/', '~/x'],
  ];
  for (const [filePath, home, shown] of cases) {
    it(`shows ${filePath} under home ${home} as ${shown}`, () => {
      assert.equal(displayPath(filePath, home), shown);
    });
  }
});

function spec(
  name: string | undefined,
  c: { env?: Record<string, string>; credentials?: string; config?: string } = {},
): ProfileSpec {
  return resolveProfile(name, {
    env: c.env ?? {},
    credentials: parseAwsIni(c.credentials ?? '', { path: '/root/.aws/credentials' }),
    config: parseAwsIni(c.config ?? '', { path: '/root/.aws/config' }),
  });
}

describe('credentialsHint', () => {
  const cases: { name: string; spec: ProfileSpec; field: HintField; hint: string }[] = [
    {
      name: 'names the plain variable and [default] for plain s3:// without AWS_PROFILE',
      spec: spec(undefined),
      field: 'accessKey',
      hint: 'check AWS_ACCESS_KEY_ID or [default] in ~/.aws/credentials',
    },
    {
      name: 'names the plain variable and the AWS_PROFILE section for plain s3://',
      spec: spec(undefined, { env: { AWS_PROFILE: 'p1' }, credentials: '[p1]\n' }),
      field: 'secretKey',
      hint: 'check AWS_SECRET_ACCESS_KEY or [p1] in ~/.aws/credentials',
    },
    {
      name: 'names the prefixed variable and the section of a named profile',
      spec: spec('profile1', { credentials: '[profile1]\n' }),
      field: 'accessKey',
      hint: 'check PROFILE1__AWS_ACCESS_KEY_ID or [profile1] in ~/.aws/credentials',
    },
    {
      name: 'names the variable a key came from',
      spec: spec('profile1', {
        env: { PROFILE1__AWS_ACCESS_KEY_ID: 'AK', PROFILE1__AWS_SECRET_ACCESS_KEY: 'SK' },
      }),
      field: 'secretKey',
      hint: 'check PROFILE1__AWS_SECRET_ACCESS_KEY',
    },
    {
      name: 'names the file section a key came from',
      spec: spec('profile1', {
        credentials: '[profile1]\naws_access_key_id = AK\naws_secret_access_key = SK\n',
      }),
      field: 'secretAccessKey',
      hint: 'check aws_secret_access_key of [profile1] in ~/.aws/credentials',
    },
    {
      name: 'names both files for an unset endpoint',
      spec: spec('my-prof', { config: '[profile my-prof]\n' }),
      field: 'endpoint',
      hint: 'check MY_PROF__OSS_ENDPOINT or [my-prof] in ~/.aws/credentials or [profile my-prof] in ~/.aws/config',
    },
    {
      name: 'names the s3 block key an endpoint came from',
      spec: spec(undefined, { config: '[default]\ns3 =\n  endpoint_url = http://x\n' }),
      field: 'endpointUrl',
      hint: 'check s3.endpoint_url of [default] in ~/.aws/config',
    },
    {
      name: 'names the flag a setting came from',
      spec: resolveProfile(undefined, {
        env: {},
        flags: { maxRetryTimes: '0' },
        credentials: parseAwsIni('', { path: '/root/.aws/credentials' }),
        config: parseAwsIni('', { path: '/root/.aws/config' }),
      }),
      field: 'maxRetryTimes',
      hint: 'check --max-retry-times',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(credentialsHint(c.spec, c.field, HOME), c.hint);
    });
  }

  it('shows full paths outside the home directory', () => {
    assert.equal(
      credentialsHint(
        spec('profile1', { credentials: '[profile1]\n' }),
        'accessKey',
        '/home/other',
      ),
      'check PROFILE1__AWS_ACCESS_KEY_ID or [profile1] in /root/.aws/credentials',
    );
  });
});

describe('describeSource', () => {
  it('describes each kind of source in a few words', () => {
    assert.deepEqual(
      [
        describeSource({ kind: 'env', name: 'P1__OSS_ENDPOINT' }, HOME),
        describeSource({ kind: 'flag', name: '--max-retry-times' }, HOME),
        describeSource(
          { kind: 'file', path: '/root/.aws/config', section: 'profile p1', key: 's3.verify' },
          HOME,
        ),
        describeSource({ kind: 'default' }, HOME),
        describeSource({ kind: 'sdk-chain' }, HOME),
      ],
      [
        'P1__OSS_ENDPOINT',
        '--max-retry-times',
        '[profile p1] s3.verify in ~/.aws/config',
        'default',
        "the SDK's default credential chain",
      ],
    );
  });
});
