// The option table and what derives from it: CLI flags, the reference table and env prefixes.
// (The S3 error hints are tested in s3-classify.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  LOCATION_VARIABLES,
  OPTION_LIST,
  configFlags,
  configReferenceMarkdown,
  parseTimeout,
} from '../../src/config/options.ts';
import { envPrefixFor } from '../../src/config/profile-env.ts';

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

describe('parseTimeout', () => {
  it('reads units, bare seconds (as cli_read_timeout) and 0 for none', () => {
    assert.deepEqual(parseTimeout('500ms'), { ok: true, value: 0.5 });
    assert.deepEqual(parseTimeout('30s'), { ok: true, value: 30 });
    assert.deepEqual(parseTimeout('1m30s'), { ok: true, value: 90 });
    assert.deepEqual(parseTimeout('2h'), { ok: true, value: 7200 });
    assert.deepEqual(parseTimeout(' 45 '), { ok: true, value: 45 });
    assert.deepEqual(parseTimeout('0'), { ok: true, value: 0 });
  });

  it('refuses what is not a duration, and more than a day', () => {
    for (const bad of ['', 'fast', '-5s', '5 s', '1d', '30sec', '25h', '90000']) {
      assert.equal(parseTimeout(bad).ok, false, bad);
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
          id: 'connectTimeout',
          flag: '--connect-timeout',
          placeholder: 'DURATION',
          defaultText: '5s',
          choices: undefined,
        },
        {
          id: 'timeout',
          flag: '--timeout',
          placeholder: 'DURATION',
          defaultText: '60s',
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
