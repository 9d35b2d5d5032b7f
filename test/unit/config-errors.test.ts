// Every way configuration can be wrong, with the exact one-line message the user reads, and a
// check that no message or hint ever contains a key, secret or token from the inputs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAwsIni } from '../../src/config/aws-files.ts';
import { resolveGlobal, resolveProfile } from '../../src/config/profiles.ts';
import type { ResolveInputs } from '../../src/config/profiles.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';

const AK = 'AKIAIOSFODNN7EXAMPLE';
const SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TK = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';
const SECRETS = [AK, SK, TK];

type Inputs = {
  env?: Record<string, string | undefined>;
  credentials?: string;
  config?: string;
  flags?: Record<string, string | boolean | undefined>;
};

function inputsOf(c: Inputs): ResolveInputs {
  return {
    env: c.env ?? {},
    flags: c.flags,
    credentials: parseAwsIni(c.credentials ?? '', {
      path: '/home/u/.aws/credentials',
      displayPath: '~/.aws/credentials',
    }),
    config: parseAwsIni(c.config ?? '', {
      path: '/home/u/.aws/config',
      displayPath: '~/.aws/config',
    }),
  };
}

type ErrorCase = Inputs & {
  name: string;
  /** undefined = plain s3://; 'global' = resolveGlobal */
  profile?: string;
  kind?: 'config' | 'usage';
  message: string;
  hint?: string;
};

const BOOL = 'expected true, false, yes, no, 1 or 0';

const cases: ErrorCase[] = [
  {
    name: 'a boolean variable with another word',
    env: { AWS_S3_VERIFY: 'maybe' },
    message: `Invalid AWS_S3_VERIFY: ${BOOL}, got "maybe"`,
  },
  {
    name: 'a CA bundle path put in AWS_S3_VERIFY (megfile silently disables TLS checks)',
    env: { AWS_S3_VERIFY: '/etc/ssl/ca.pem' },
    message: `Invalid AWS_S3_VERIFY: ${BOOL}, got "/etc/ssl/ca.pem"`,
  },
  {
    name: 'a prefixed boolean variable names the prefix',
    profile: 'p1',
    env: { P1__AWS_S3_REDIRECT: '2' },
    message: `Invalid P1__AWS_S3_REDIRECT: ${BOOL}, got "2"`,
  },
  {
    name: 'a boolean in the s3 block names file, line, section and key',
    profile: 'p1',
    config: '[profile p1]\nregion = x\ns3 =\n    verify = nope\n',
    message: `Invalid ~/.aws/config:4 [profile p1] s3.verify: ${BOOL}, got "nope"`,
  },
  {
    name: 'a retry count that is not a number',
    env: { MEGFILE_S3_MAX_RETRY_TIMES: 'abc' },
    message:
      'Invalid MEGFILE_S3_MAX_RETRY_TIMES: expected a whole number from 0 to 1000, got "abc"',
  },
  {
    name: 'a negative retry count',
    env: { MEGFILE_S3_MAX_RETRY_TIMES: '-1' },
    message: 'Invalid MEGFILE_S3_MAX_RETRY_TIMES: expected a whole number from 0 to 1000, got "-1"',
  },
  {
    name: 'a fractional retry count',
    env: { MEGFILE_MAX_RETRY_TIMES: '1.5' },
    message: 'Invalid MEGFILE_MAX_RETRY_TIMES: expected a whole number from 0 to 1000, got "1.5"',
  },
  {
    name: 'a bad --max-retry-times flag is a usage error naming the flag',
    flags: { maxRetryTimes: 'lots' },
    kind: 'usage',
    message: 'Invalid --max-retry-times: expected a whole number from 0 to 1000, got "lots"',
  },
  {
    name: 'a retry count above 1000',
    env: { MEGFILE_S3_MAX_RETRY_TIMES: '99999999999' },
    message:
      'Invalid MEGFILE_S3_MAX_RETRY_TIMES: expected a whole number from 0 to 1000, got "99999999999"',
  },
  {
    name: 'a --max-retry-times flag above 1000 is a usage error naming the flag and the range',
    flags: { maxRetryTimes: '1001' },
    kind: 'usage',
    message: 'Invalid --max-retry-times: expected a whole number from 0 to 1000, got "1001"',
  },
  {
    name: 'an unknown addressing style lists the allowed values',
    env: { AWS_S3_ADDRESSING_STYLE: 'sideways' },
    message: 'Invalid AWS_S3_ADDRESSING_STYLE: expected path, virtual or auto, got "sideways"',
  },
  {
    name: 'an unknown addressing style in the credentials file',
    credentials: '[default]\n\ns3 =\n  addressing_style = host\n',
    message:
      'Invalid ~/.aws/credentials:4 [default] s3.addressing_style: expected path, virtual or auto, got "host"',
  },
  {
    name: 'a region with a space',
    env: { AWS_REGION: 'us east 1' },
    message:
      'Invalid AWS_REGION: expected a region name (letters, digits, "-", "_" or "."; e.g. us-east-1), got "us east 1"',
  },
  {
    name: 'a region that is a path',
    profile: 'p1',
    env: { P1__AWS_DEFAULT_REGION: '../x' },
    message:
      'Invalid P1__AWS_DEFAULT_REGION: expected a region name (letters, digits, "-", "_" or "."; e.g. us-east-1), got "../x"',
  },
  {
    name: 'a region in a file given as "key: value"',
    config: '[default]\nregion: eu west\n',
    message:
      'Invalid ~/.aws/config:2 [default] region: expected a region name (letters, digits, "-", "_" or "."; e.g. us-east-1), got "eu west"',
  },
  {
    name: 'a region of only blanks (botocore refuses it; falling back to us-east-1 would hide it)',
    env: { AWS_REGION: '   ' },
    message:
      'Invalid AWS_REGION: expected a region name (letters, digits, "-", "_" or "."; e.g. us-east-1), got "   "',
  },
  {
    name: 'a region holding a terminal escape, quoted escaped',
    env: { AWS_DEFAULT_REGION: 'us-east-1\u001b[2J' },
    message:
      'Invalid AWS_DEFAULT_REGION: expected a region name (letters, digits, "-", "_" or "."; e.g. us-east-1), got "us-east-1\\u001b[2J"',
  },
  {
    name: "a region in the s3 block of a named profile's credentials section is still the section key",
    profile: 'p1',
    credentials: '[p1]\nregion = eu/west\n',
    message:
      'Invalid ~/.aws/credentials:2 [p1] region: expected a region name (letters, digits, "-", "_" or "."; e.g. us-east-1), got "eu/west"',
  },
  {
    name: 'a repeated [section] in the credentials file, written with "key: value" lines',
    credentials: '[p1]\naws_access_key_id: A\n\n[p1]\naws_secret_access_key: B\n',
    message:
      '~/.aws/credentials:4: the section [p1] repeats the one at line 1: merge them into one',
  },
  {
    name: 'a repeated [profile NAME] in the config file, spelled with other blanks',
    config: '[profile p1]\nregion = a\n[default]\n[profile   p1]\nregion = b\n',
    message:
      '~/.aws/config:4: the section [profile p1] repeats the one at line 1: merge them into one',
  },
  {
    name: 'an endpoint without a scheme',
    env: { OSS_ENDPOINT: 'oss-cn-hangzhou.aliyuncs.com' },
    message:
      'Invalid OSS_ENDPOINT: expected an http:// or https:// URL, got "oss-cn-hangzhou.aliyuncs.com"',
  },
  {
    name: 'an endpoint with another scheme',
    profile: 'p1',
    env: { P1__AWS_ENDPOINT_URL: 'ftp://files.example' },
    message:
      'Invalid P1__AWS_ENDPOINT_URL: expected an http:// or https:// URL, got "ftp://files.example"',
  },
  {
    name: 'a host:port endpoint',
    env: { AWS_ENDPOINT_URL_S3: 'localhost:9000' },
    message:
      'Invalid AWS_ENDPOINT_URL_S3: expected an http:// or https:// URL, got "localhost:9000"',
  },
  {
    name: 'a bad global endpoint_url in a file names file, line and section',
    credentials:
      '[default]\naws_access_key_id = x\naws_secret_access_key = y\nendpoint_url = not a url\n',
    message:
      'Invalid ~/.aws/credentials:4 [default] endpoint_url: expected an http:// or https:// URL, got "not a url"',
  },
  {
    name: 'an unknown checksum policy',
    env: { AWS_REQUEST_CHECKSUM_CALCULATION: 'always' },
    message:
      'Invalid AWS_REQUEST_CHECKSUM_CALCULATION: expected when_required or when_supported, got "always"',
  },
  {
    name: 'an unknown checksum policy in the config file',
    config: '[default]\nresponse_checksum_validation = never\n',
    message:
      'Invalid ~/.aws/config:2 [default] response_checksum_validation: expected when_required or when_supported, got "never"',
  },
  {
    name: 'an unknown client cache mode',
    profile: 'global',
    env: { MEGFILE_S3_CLIENT_CACHE_MODE: 'global' },
    message:
      'Invalid MEGFILE_S3_CLIENT_CACHE_MODE: expected thread_local or process_local, got "global"',
  },
  {
    name: 'an unknown --client-cache-mode flag',
    profile: 'global',
    flags: { clientCacheMode: 'shared' },
    kind: 'usage',
    message: 'Invalid --client-cache-mode: expected thread_local or process_local, got "shared"',
  },
  {
    name: 'an s3 line with a value instead of an indented block',
    credentials: '[default]\ns3 = endpoint_url=http://x\n',
    message:
      '~/.aws/credentials:2: [default] "s3" must be an empty "s3 =" line followed by indented "key = value" lines',
  },
  {
    name: 'a long bad value is shortened and kept on one line',
    env: { AWS_S3_ADDRESSING_STYLE: `path\n${'x'.repeat(100)}` },
    message: `Invalid AWS_S3_ADDRESSING_STYLE: expected path, virtual or auto, got "path\\n${'x'.repeat(72)}..."`,
  },
  {
    name: 'an unknown named profile names the profile, the prefix and both files',
    profile: 'nope',
    env: { AWS_ACCESS_KEY_ID: AK },
    credentials: '[default]\n',
    message:
      'Unknown profile "nope": no NOPE__* environment variable, no [nope] in ~/.aws/credentials and no [profile nope] in ~/.aws/config',
    hint: 'set NOPE__AWS_ACCESS_KEY_ID and NOPE__AWS_SECRET_ACCESS_KEY, or run: s3ferry config s3 ACCESS_KEY SECRET_KEY --profile-name nope',
  },
  {
    name: 'an unknown profile from AWS_PROFILE says so',
    env: { AWS_PROFILE: 'typo-prof' },
    message:
      'Unknown profile "typo-prof" (from AWS_PROFILE): no TYPO_PROF__* environment variable, no [typo-prof] in ~/.aws/credentials and no [profile typo-prof] in ~/.aws/config',
    hint: 'set TYPO_PROF__AWS_ACCESS_KEY_ID and TYPO_PROF__AWS_SECRET_ACCESS_KEY, or run: s3ferry config s3 ACCESS_KEY SECRET_KEY --profile-name typo-prof',
  },
  {
    name: 'an unknown profile whose config section lacks the "profile " prefix says how to spell it',
    profile: 'p1',
    env: { P1__AWS_REGION: '' },
    config: '[p1]\nregion = x\n',
    message:
      'Unknown profile "p1": no P1__* environment variable, no [p1] in ~/.aws/credentials and no [profile p1] in ~/.aws/config (the config file has [p1], but names profiles [profile p1])',
    hint: 'set P1__AWS_ACCESS_KEY_ID and P1__AWS_SECRET_ACCESS_KEY, or run: s3ferry config s3 ACCESS_KEY SECRET_KEY --profile-name p1',
  },
  {
    name: 'an access key without a secret key names where the secret was looked for',
    profile: 'p1',
    env: { P1__AWS_ACCESS_KEY_ID: AK, AWS_SECRET_ACCESS_KEY: SK },
    message:
      'Incomplete credentials for profile "p1": an access key is set (P1__AWS_ACCESS_KEY_ID) but no secret key in P1__AWS_SECRET_ACCESS_KEY, [p1] aws_secret_access_key in ~/.aws/credentials or [profile p1] aws_secret_access_key in ~/.aws/config',
  },
  {
    name: 'a secret key without an access key, for the default profile',
    credentials: `[default]\naws_secret_access_key = ${SK}\n`,
    message:
      'Incomplete credentials for profile "default": a secret key is set (aws_secret_access_key in [default] of ~/.aws/credentials) but no access key in AWS_ACCESS_KEY_ID, DEFAULT__AWS_ACCESS_KEY_ID, [default] aws_access_key_id in ~/.aws/credentials or [default] aws_access_key_id in ~/.aws/config',
  },
  {
    name: 'an AWS_PROFILE that is no profile name (it would read `TEAM A__*` variables)',
    env: { AWS_PROFILE: 'team a' },
    credentials: '[team a]\nregion = x\n',
    message:
      'Invalid AWS_PROFILE: expected a profile name (letters, digits, "_", "-" or "."), got "team a"',
  },
  {
    name: 'a session token without keys',
    env: { AWS_PROFILE: 'p1', AWS_SESSION_TOKEN: TK },
    credentials: '[p1]\nregion = x\n',
    message:
      'Incomplete credentials for profile "p1": a session token is set (AWS_SESSION_TOKEN) but no access key and secret key',
  },
];

function run(c: ErrorCase): void {
  const inputs = inputsOf(c);
  if (c.profile === 'global') resolveGlobal(inputs);
  else resolveProfile(c.profile, inputs);
}

describe('configuration errors', () => {
  for (const c of cases) {
    it(`reports ${c.name} in one line`, () => {
      assert.throws(
        () => {
          run(c);
        },
        (error: unknown) => {
          assert.ok(error instanceof S3FerryError, String(error));
          assert.equal(error.message, c.message);
          assert.equal(error.kind, c.kind ?? 'config');
          assert.equal(error.exitCode, ExitCode.Usage);
          assert.equal(error.hint, c.hint);
          assert.ok(!error.message.includes('\n'), 'message is one line');
          return true;
        },
      );
    });
  }

  it('never puts a key, secret or token into a message or hint', () => {
    // Every case above, plus the secrets placed where a careless message would echo them.
    const withSecrets: Inputs[] = [
      ...cases,
      { env: { AWS_ACCESS_KEY_ID: AK, AWS_SESSION_TOKEN: TK } },
      { env: { AWS_SECRET_ACCESS_KEY: SK, AWS_SESSION_TOKEN: TK } },
      { credentials: `[default]\naws_access_key_id = ${AK}\naws_session_token = ${TK}\n` },
      { config: `[default]\naws_secret_access_key = ${SK}\n` },
      { env: { AWS_ACCESS_KEY_ID: AK, AWS_SECRET_ACCESS_KEY: SK, AWS_S3_VERIFY: 'maybe' } },
      { credentials: `[default]\naws_secret_access_key ${SK}\n` },
      { credentials: `[default]\ns3 =\n    ${SK}\n` },
    ];
    let errors = 0;
    for (const c of withSecrets) {
      try {
        run({ profile: undefined, ...c, name: '', message: '' });
      } catch (error) {
        assert.ok(error instanceof S3FerryError);
        errors += 1;
        for (const secret of SECRETS) {
          assert.ok(!error.message.includes(secret), `message leaks a secret: ${error.message}`);
          assert.ok(
            !(error.hint ?? '').includes(secret),
            `hint leaks a secret: ${error.hint ?? ''}`,
          );
        }
      }
    }
    assert.equal(errors, withSecrets.length, 'every input above is an error');
  });
});
