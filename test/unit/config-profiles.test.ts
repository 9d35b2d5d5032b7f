// Profile resolution from plain inputs (env record + ini text): every seed variable, both
// files, the s3 block, profile prefixes, AWS_PROFILE and precedence at each level.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAwsIni } from '../../src/config/aws-files.ts';
import { knownProfileNames, resolveGlobal, resolveProfile } from '../../src/config/profiles.ts';
import type { ResolveInputs } from '../../src/config/profiles.ts';
import type { ProfileSpec, SettingSource } from '../../src/shared/profile.ts';

const CRED = '/home/u/.aws/credentials';
const CONF = '/home/u/.aws/config';

type Env = Record<string, string | undefined>;
type Flags = Record<string, string | boolean | undefined>;
type Inputs = { env?: Env; credentials?: string; config?: string; flags?: Flags };

function inputsOf(c: Inputs): ResolveInputs {
  return {
    env: c.env ?? {},
    flags: c.flags,
    credentials: parseAwsIni(c.credentials ?? '', {
      path: CRED,
      displayPath: '~/.aws/credentials',
    }),
    config: parseAwsIni(c.config ?? '', { path: CONF, displayPath: '~/.aws/config' }),
  };
}

const env = (name: string): SettingSource => ({ kind: 'env', name });
const flag = (name: string): SettingSource => ({ kind: 'flag', name });
const cred = (section: string, key: string): SettingSource => ({
  kind: 'file',
  path: CRED,
  section,
  key,
});
const conf = (section: string, key: string): SettingSource => ({
  kind: 'file',
  path: CONF,
  section,
  key,
});
const byDefault: SettingSource = { kind: 'default' };

type Case = Inputs & {
  name: string;
  /** undefined = plain s3:// */
  profile?: string;
  expected: Partial<Omit<ProfileSpec, 'sources'>>;
  sources?: ProfileSpec['sources'];
};

function check(cases: readonly Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const spec = resolveProfile(c.profile, inputsOf(c));
      for (const [field, value] of Object.entries(c.expected)) {
        assert.deepEqual(spec[field as keyof ProfileSpec], value, `field ${field}`);
      }
      for (const [field, source] of Object.entries(c.sources ?? {})) {
        assert.deepEqual(
          spec.sources[field as keyof ProfileSpec['sources']],
          source,
          `source of ${field}`,
        );
      }
    });
  }
}

describe('resolveProfile: defaults', () => {
  check([
    {
      name: 'gives every default and the SDK credential chain when nothing is configured',
      expected: {
        name: 'default',
        envPrefix: '',
        endpointUrl: undefined,
        region: 'us-east-1',
        addressingStyle: 'auto',
        credentials: undefined,
        maxRetryTimes: 10,
        verify: true,
        redirect: false,
        caBundle: undefined,
        storageClass: undefined,
        requestChecksumCalculation: 'when_required',
        responseChecksumValidation: 'when_required',
        credentialsFile: CRED,
        configFile: CONF,
      },
      sources: {
        credentials: { kind: 'sdk-chain' },
        endpointUrl: byDefault,
        region: byDefault,
        addressingStyle: byDefault,
        maxRetryTimes: byDefault,
        verify: byDefault,
        redirect: byDefault,
        caBundle: byDefault,
        requestChecksumCalculation: byDefault,
        responseChecksumValidation: byDefault,
      },
    },
    {
      name: 'defaults the addressing style to path once an endpoint is set',
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:7480' },
      expected: { endpointUrl: 'http://127.0.0.1:7480', addressingStyle: 'path' },
      sources: { addressingStyle: byDefault },
    },
    {
      name: 'treats empty and blank variables as unset',
      env: {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '  ',
        OSS_ENDPOINT: '',
        AWS_S3_VERIFY: '',
      },
      expected: { credentials: undefined, endpointUrl: undefined, verify: true },
    },
  ]);
});

describe('resolveProfile: environment variables of the seed', () => {
  check([
    {
      name: 'reads static keys and a session token from AWS_* variables',
      env: {
        AWS_ACCESS_KEY_ID: 'AKENV',
        AWS_SECRET_ACCESS_KEY: 'SKENV',
        AWS_SESSION_TOKEN: 'TKENV',
      },
      expected: {
        credentials: { accessKeyId: 'AKENV', secretAccessKey: 'SKENV', sessionToken: 'TKENV' },
      },
      sources: {
        credentials: env('AWS_ACCESS_KEY_ID'),
        accessKeyId: env('AWS_ACCESS_KEY_ID'),
        secretAccessKey: env('AWS_SECRET_ACCESS_KEY'),
        sessionToken: env('AWS_SESSION_TOKEN'),
      },
    },
    {
      name: 'prefers OSS_ENDPOINT over AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL',
      env: {
        OSS_ENDPOINT: 'http://oss',
        AWS_ENDPOINT_URL_S3: 'http://s3-specific',
        AWS_ENDPOINT_URL: 'http://generic',
      },
      expected: { endpointUrl: 'http://oss' },
      sources: { endpointUrl: env('OSS_ENDPOINT') },
    },
    {
      name: 'prefers AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL',
      env: { AWS_ENDPOINT_URL_S3: 'https://s3-specific', AWS_ENDPOINT_URL: 'http://generic' },
      expected: { endpointUrl: 'https://s3-specific' },
      sources: { endpointUrl: env('AWS_ENDPOINT_URL_S3') },
    },
    {
      name: 'uses AWS_ENDPOINT_URL alone',
      env: { AWS_ENDPOINT_URL: 'http://generic:9000' },
      expected: { endpointUrl: 'http://generic:9000' },
      sources: { endpointUrl: env('AWS_ENDPOINT_URL') },
    },
    {
      name: 'reads AWS_S3_ADDRESSING_STYLE in any case',
      env: { AWS_S3_ADDRESSING_STYLE: 'Virtual', OSS_ENDPOINT: 'http://oss' },
      expected: { addressingStyle: 'virtual' },
      sources: { addressingStyle: env('AWS_S3_ADDRESSING_STYLE') },
    },
    {
      name: 'reads MEGFILE_S3_MAX_RETRY_TIMES as the retry budget',
      env: { MEGFILE_S3_MAX_RETRY_TIMES: '3', MEGFILE_MAX_RETRY_TIMES: '7' },
      expected: { maxRetryTimes: 3 },
      sources: { maxRetryTimes: env('MEGFILE_S3_MAX_RETRY_TIMES') },
    },
    {
      name: "falls back to megfile's MEGFILE_MAX_RETRY_TIMES",
      env: { MEGFILE_MAX_RETRY_TIMES: '0' },
      expected: { maxRetryTimes: 0 },
      sources: { maxRetryTimes: env('MEGFILE_MAX_RETRY_TIMES') },
    },
    ...(
      [
        ['false', false],
        ['FALSE', false],
        [' no ', false],
        ['0', false],
        ['True', true],
        ['yes', true],
        ['1', true],
      ] as const
    ).map(([raw, value]): Case => ({
      name: `reads AWS_S3_VERIFY=${JSON.stringify(raw)} as ${value}`,
      env: { AWS_S3_VERIFY: raw },
      expected: { verify: value },
      sources: { verify: env('AWS_S3_VERIFY') },
    })),
    ...(
      [
        ['true', true],
        ['YES', true],
        ['1', true],
        ['no', false],
      ] as const
    ).map(([raw, value]): Case => ({
      name: `reads AWS_S3_REDIRECT=${JSON.stringify(raw)} as ${value}`,
      env: { AWS_S3_REDIRECT: raw },
      expected: { redirect: value },
      sources: { redirect: env('AWS_S3_REDIRECT') },
    })),
    {
      name: 'prefers AWS_REGION over AWS_DEFAULT_REGION',
      env: { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2' },
      expected: { region: 'eu-west-1' },
      sources: { region: env('AWS_REGION') },
    },
    {
      name: 'trims blanks around AWS_REGION',
      env: { AWS_REGION: ' eu-west-3 ' },
      expected: { region: 'eu-west-3' },
      sources: { region: env('AWS_REGION') },
    },
    {
      name: 'an empty AWS_REGION counts as unset (the next variable, else the default)',
      env: { AWS_REGION: '', AWS_DEFAULT_REGION: 'zonegroup1' },
      expected: { region: 'zonegroup1' },
      sources: { region: env('AWS_DEFAULT_REGION') },
    },
    {
      name: 'uses AWS_DEFAULT_REGION alone',
      env: { AWS_DEFAULT_REGION: 'ap-south-1' },
      expected: { region: 'ap-south-1' },
      sources: { region: env('AWS_DEFAULT_REGION') },
    },
    {
      name: 'reads AWS_CA_BUNDLE',
      env: { AWS_CA_BUNDLE: '/etc/ssl/corp.pem' },
      expected: { caBundle: '/etc/ssl/corp.pem' },
      sources: { caBundle: env('AWS_CA_BUNDLE') },
    },
    {
      name: 'reads both checksum settings in any case',
      env: {
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_SUPPORTED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'When_Supported',
      },
      expected: {
        requestChecksumCalculation: 'when_supported',
        responseChecksumValidation: 'when_supported',
      },
      sources: {
        requestChecksumCalculation: env('AWS_REQUEST_CHECKSUM_CALCULATION'),
        responseChecksumValidation: env('AWS_RESPONSE_CHECKSUM_VALIDATION'),
      },
    },
  ]);
});

describe('resolveProfile: the credentials and config files', () => {
  check([
    {
      name: 'reads keys, region and the s3 block from [default] in the credentials file',
      credentials: [
        '[default]',
        'aws_access_key_id = AKFILE',
        'aws_secret_access_key = SKFILE',
        'aws_session_token = TKFILE',
        'region = eu-north-1',
        'ca_bundle = /etc/ca.pem',
        's3 =',
        '    endpoint_url = http://oss-cn-hangzhou.aliyuncs.com',
        '    addressing_style = virtual',
        '    verify = false',
        '    redirect = true',
        '    signature_version = s3v4',
      ].join('\n'),
      expected: {
        credentials: { accessKeyId: 'AKFILE', secretAccessKey: 'SKFILE', sessionToken: 'TKFILE' },
        region: 'eu-north-1',
        caBundle: '/etc/ca.pem',
        endpointUrl: 'http://oss-cn-hangzhou.aliyuncs.com',
        addressingStyle: 'virtual',
        verify: false,
        redirect: true,
      },
      sources: {
        credentials: cred('default', 'aws_access_key_id'),
        sessionToken: cred('default', 'aws_session_token'),
        endpointUrl: cred('default', 's3.endpoint_url'),
        addressingStyle: cred('default', 's3.addressing_style'),
        verify: cred('default', 's3.verify'),
        redirect: cred('default', 's3.redirect'),
        caBundle: cred('default', 'ca_bundle'),
      },
    },
    {
      name: 'reads everything from [default] in the config file',
      config: [
        '[default]',
        'aws_access_key_id = AKCONF',
        'aws_secret_access_key = SKCONF',
        'region = sa-east-1',
        'request_checksum_calculation = when_supported',
        'response_checksum_validation = WHEN_SUPPORTED',
        's3 =',
        '  endpoint_url = https://minio.local',
      ].join('\n'),
      expected: {
        credentials: { accessKeyId: 'AKCONF', secretAccessKey: 'SKCONF' },
        region: 'sa-east-1',
        endpointUrl: 'https://minio.local',
        addressingStyle: 'path',
        requestChecksumCalculation: 'when_supported',
        responseChecksumValidation: 'when_supported',
      },
      sources: {
        credentials: conf('default', 'aws_access_key_id'),
        endpointUrl: conf('default', 's3.endpoint_url'),
        requestChecksumCalculation: conf('default', 'request_checksum_calculation'),
      },
    },
    {
      name: 'reads "key: value" lines like "key = value", in the s3 block too (botocore does)',
      profile: 'p1',
      credentials: [
        '[p1]',
        'aws_access_key_id: AKCOLON',
        'aws_secret_access_key:SKCOLON',
        'region : eu-central-1',
        's3:',
        '    endpoint_url: http://ceph.local:7480',
        '    addressing_style: virtual',
      ].join('\n'),
      config: '[profile p1]\ns3 :\n  verify: no\n',
      expected: {
        credentials: { accessKeyId: 'AKCOLON', secretAccessKey: 'SKCOLON' },
        region: 'eu-central-1',
        endpointUrl: 'http://ceph.local:7480',
        addressingStyle: 'virtual',
        verify: false,
      },
      sources: {
        credentials: cred('p1', 'aws_access_key_id'),
        region: cred('p1', 'region'),
        endpointUrl: cred('p1', 's3.endpoint_url'),
        addressingStyle: cred('p1', 's3.addressing_style'),
        verify: conf('profile p1', 's3.verify'),
      },
    },
    ...(
      [
        ['default', 'a Ceph zonegroup'],
        ['zonegroup1', 'a Ceph zonegroup'],
        ['us-gov-west-1', 'an AWS region'],
        ['cn-north-1', 'an AWS region'],
        ['my_zone.eu', 'a custom region with "_" and "."'],
      ] as const
    ).map(([region, what]): Case => ({
      name: `accepts ${what} as the region: region = ${region}`,
      config: `[default]\nregion = ${region}\n`,
      expected: { region },
      sources: { region: conf('default', 'region') },
    })),
    {
      name: 'reads [profile default] in the config file over [default]',
      config: '[default]\nregion = a\nca_bundle = /x.pem\n[profile default]\nregion = b\n',
      expected: { region: 'b', caBundle: '/x.pem' },
      sources: {
        region: conf('profile default', 'region'),
        caBundle: conf('default', 'ca_bundle'),
      },
    },
    {
      name: 'uses the top-level (global) endpoint_url when no s3 block sets one',
      credentials: '[default]\nendpoint_url = http://oss-cn-hangzhou.aliyuncs.com\n',
      expected: { endpointUrl: 'http://oss-cn-hangzhou.aliyuncs.com', addressingStyle: 'path' },
      sources: { endpointUrl: cred('default', 'endpoint_url') },
    },
    {
      name: 'prefers s3.endpoint_url over the top-level endpoint_url in the same section',
      credentials: '[default]\nendpoint_url = http://global\ns3 =\n    endpoint_url = http://s3\n',
      expected: { endpointUrl: 'http://s3' },
      sources: { endpointUrl: cred('default', 's3.endpoint_url') },
    },
    {
      name: "prefers the config file's s3.endpoint_url over the credentials file's global endpoint_url",
      credentials: '[default]\nendpoint_url = http://cred-global\n',
      config: '[default]\ns3 =\n    endpoint_url = http://conf-s3\n',
      expected: { endpointUrl: 'http://conf-s3' },
      sources: { endpointUrl: conf('default', 's3.endpoint_url') },
    },
    {
      name: 'lets the credentials file beat the config file key by key',
      credentials:
        '[p1]\nregion = cred-region\naws_access_key_id = AK1\naws_secret_access_key = SK1\n',
      config: '[profile p1]\nregion = conf-region\nca_bundle = /conf.pem\n',
      profile: 'p1',
      expected: {
        region: 'cred-region',
        caBundle: '/conf.pem',
        credentials: { accessKeyId: 'AK1', secretAccessKey: 'SK1' },
      },
      sources: { region: cred('p1', 'region'), caBundle: conf('profile p1', 'ca_bundle') },
    },
    {
      name: 'merges the two s3 blocks key by key (botocore would drop the config one)',
      credentials: '[p1]\ns3 =\n    endpoint_url = http://cred\n    addressing_style = virtual\n',
      config:
        '[profile p1]\ns3 =\n    endpoint_url = http://conf\n    verify = false\n    redirect = yes\n',
      profile: 'p1',
      expected: {
        endpointUrl: 'http://cred',
        addressingStyle: 'virtual',
        verify: false,
        redirect: true,
      },
      sources: {
        endpointUrl: cred('p1', 's3.endpoint_url'),
        verify: conf('profile p1', 's3.verify'),
        redirect: conf('profile p1', 's3.redirect'),
      },
    },
    {
      name: 'ignores a config-file section without the "profile " prefix',
      config: '[p1]\nregion = wrong\n[profile p1]\nregion = right\n',
      profile: 'p1',
      expected: { region: 'right' },
    },
    {
      name: 'reads a CRLF credentials file with comments',
      credentials:
        '# work account\r\n[default]\r\n; keys\r\naws_access_key_id = AKCRLF\r\naws_secret_access_key = SKCRLF\r\ns3 =\r\n    endpoint_url = http://crlf\r\n',
      expected: {
        credentials: { accessKeyId: 'AKCRLF', secretAccessKey: 'SKCRLF' },
        endpointUrl: 'http://crlf',
      },
    },
  ]);
});

describe('resolveProfile: named profiles and prefixes', () => {
  check([
    {
      name: 'reads PROFILE1__ variables for s3+profile1:// and ignores the un-prefixed ones',
      profile: 'profile1',
      env: {
        PROFILE1__AWS_ACCESS_KEY_ID: 'AKP1',
        PROFILE1__AWS_SECRET_ACCESS_KEY: 'SKP1',
        PROFILE1__AWS_SESSION_TOKEN: 'TKP1',
        PROFILE1__OSS_ENDPOINT: 'http://p1-oss',
        PROFILE1__AWS_S3_ADDRESSING_STYLE: 'virtual',
        PROFILE1__AWS_S3_VERIFY: 'no',
        PROFILE1__AWS_S3_REDIRECT: 'yes',
        AWS_ACCESS_KEY_ID: 'AKPLAIN',
        AWS_SECRET_ACCESS_KEY: 'SKPLAIN',
        AWS_ENDPOINT_URL: 'http://plain',
        AWS_S3_VERIFY: 'yes',
      },
      expected: {
        name: 'profile1',
        envPrefix: 'PROFILE1__',
        credentials: { accessKeyId: 'AKP1', secretAccessKey: 'SKP1', sessionToken: 'TKP1' },
        endpointUrl: 'http://p1-oss',
        addressingStyle: 'virtual',
        verify: false,
        redirect: true,
      },
      sources: {
        credentials: env('PROFILE1__AWS_ACCESS_KEY_ID'),
        endpointUrl: env('PROFILE1__OSS_ENDPOINT'),
        verify: env('PROFILE1__AWS_S3_VERIFY'),
      },
    },
    {
      name: 'never lets un-prefixed server variables leak into a named profile',
      profile: 'p1',
      env: {
        P1__AWS_S3_REDIRECT: 'false',
        AWS_ACCESS_KEY_ID: 'AKPLAIN',
        AWS_SECRET_ACCESS_KEY: 'SKPLAIN',
        OSS_ENDPOINT: 'http://plain',
        AWS_REGION: 'eu-west-3',
        AWS_CA_BUNDLE: '/plain.pem',
        AWS_S3_ADDRESSING_STYLE: 'virtual',
      },
      expected: {
        credentials: undefined,
        endpointUrl: undefined,
        region: 'us-east-1',
        caBundle: undefined,
        storageClass: undefined,
        addressingStyle: 'auto',
      },
      sources: { credentials: { kind: 'sdk-chain' } },
    },
    {
      name: 'applies un-prefixed retry and checksum variables to named profiles, prefixed ones first',
      profile: 'p1',
      env: {
        P1__AWS_REGION: 'x',
        MEGFILE_S3_MAX_RETRY_TIMES: '2',
        AWS_REQUEST_CHECKSUM_CALCULATION: 'when_supported',
        P1__AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_supported',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
      },
      expected: {
        maxRetryTimes: 2,
        requestChecksumCalculation: 'when_supported',
        responseChecksumValidation: 'when_supported',
      },
      sources: {
        maxRetryTimes: env('MEGFILE_S3_MAX_RETRY_TIMES'),
        requestChecksumCalculation: env('AWS_REQUEST_CHECKSUM_CALCULATION'),
        responseChecksumValidation: env('P1__AWS_RESPONSE_CHECKSUM_VALIDATION'),
      },
    },
    {
      name: 'maps - and . in profile names to _ in the prefix and keeps them in section names',
      profile: 'my-profile.v2',
      env: { MY_PROFILE_V2__AWS_ENDPOINT_URL_S3: 'http://dashed' },
      credentials: '[my-profile.v2]\naws_access_key_id = AKD\naws_secret_access_key = SKD\n',
      config: '[profile my-profile.v2]\nregion = eu-south-1\n',
      expected: {
        envPrefix: 'MY_PROFILE_V2__',
        endpointUrl: 'http://dashed',
        region: 'eu-south-1',
        credentials: { accessKeyId: 'AKD', secretAccessKey: 'SKD' },
      },
      sources: {
        endpointUrl: env('MY_PROFILE_V2__AWS_ENDPOINT_URL_S3'),
        region: conf('profile my-profile.v2', 'region'),
        credentials: cred('my-profile.v2', 'aws_access_key_id'),
      },
    },
    {
      name: 'upper-cases the profile name for its variables but not for its sections',
      profile: 'Prod',
      env: { PROD__AWS_REGION: 'eu-west-1' },
      credentials:
        '[Prod]\naws_access_key_id = AKP\naws_secret_access_key = SKP\n[prod]\naws_access_key_id = other\n',
      expected: {
        envPrefix: 'PROD__',
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKP', secretAccessKey: 'SKP' },
      },
    },
    {
      name: 'mixes a prefixed access key with the secret from the file, as megfile does',
      profile: 'p1',
      env: { P1__AWS_ACCESS_KEY_ID: 'AKENV' },
      credentials:
        '[p1]\naws_access_key_id = AKFILE\naws_secret_access_key = SKFILE\naws_session_token = TKFILE\n',
      expected: {
        credentials: { accessKeyId: 'AKENV', secretAccessKey: 'SKFILE', sessionToken: 'TKFILE' },
      },
      sources: {
        credentials: env('P1__AWS_ACCESS_KEY_ID'),
        accessKeyId: env('P1__AWS_ACCESS_KEY_ID'),
        secretAccessKey: cred('p1', 'aws_secret_access_key'),
        sessionToken: cred('p1', 'aws_session_token'),
      },
    },
    {
      name: 'does not pair keys from the environment with a token from a file',
      profile: 'p1',
      env: { P1__AWS_ACCESS_KEY_ID: 'AKENV', P1__AWS_SECRET_ACCESS_KEY: 'SKENV' },
      credentials: '[p1]\naws_session_token = TKFILE\n',
      expected: { credentials: { accessKeyId: 'AKENV', secretAccessKey: 'SKENV' } },
      sources: { sessionToken: undefined },
    },
    {
      name: 'does not pair keys from the credentials file with a token from the config file',
      profile: 'p1',
      credentials: '[p1]\naws_access_key_id = AK\naws_secret_access_key = SK\n',
      config: '[profile p1]\naws_session_token = TKCONF\n',
      expected: { credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } },
    },
    {
      name: 'falls back to the SDK chain for a known profile without static keys',
      profile: 'sso-user',
      config: '[profile sso-user]\nsso_session = corp\nregion = us-west-2\n',
      expected: { credentials: undefined, region: 'us-west-2' },
      sources: { credentials: { kind: 'sdk-chain' } },
    },
    {
      name: 'knows a profile from a prefixed variable alone',
      profile: 'only-env',
      env: { ONLY_ENV__OSS_ENDPOINT: 'http://only-env' },
      expected: { name: 'only-env', endpointUrl: 'http://only-env', credentials: undefined },
    },
  ]);
});

describe('resolveProfile: plain s3:// with AWS_PROFILE, and s3+default://', () => {
  check([
    {
      name: 'uses the AWS_PROFILE section for plain s3://',
      env: { AWS_PROFILE: 'p1' },
      credentials:
        '[default]\nregion = d\n[p1]\nregion = p1-region\naws_access_key_id = AK1\naws_secret_access_key = SK1\n',
      expected: {
        name: 'p1',
        envPrefix: '',
        region: 'p1-region',
        credentials: { accessKeyId: 'AK1', secretAccessKey: 'SK1' },
      },
      sources: { region: cred('p1', 'region') },
    },
    {
      name: 'lets un-prefixed variables beat the AWS_PROFILE section (the seed, unlike megfile)',
      env: {
        AWS_PROFILE: 'p1',
        AWS_ACCESS_KEY_ID: 'ENVAK',
        AWS_SECRET_ACCESS_KEY: 'ENVSK',
        AWS_ENDPOINT_URL: 'http://env.example',
      },
      credentials:
        '[p1]\naws_access_key_id = AK1\naws_secret_access_key = SK1\nendpoint_url = http://p1\n',
      expected: {
        credentials: { accessKeyId: 'ENVAK', secretAccessKey: 'ENVSK' },
        endpointUrl: 'http://env.example',
      },
      sources: { credentials: env('AWS_ACCESS_KEY_ID'), endpointUrl: env('AWS_ENDPOINT_URL') },
    },
    {
      name: 'reads P1__ variables after the un-prefixed ones and before the files',
      env: {
        AWS_PROFILE: 'p1',
        AWS_REGION: 'plain-region',
        P1__AWS_REGION: 'prefixed-region',
        P1__OSS_ENDPOINT: 'http://prefixed',
      },
      credentials: '[p1]\nendpoint_url = http://file\nregion = file-region\n',
      expected: { region: 'plain-region', endpointUrl: 'http://prefixed' },
      sources: { region: env('AWS_REGION'), endpointUrl: env('P1__OSS_ENDPOINT') },
    },
    {
      name: 'ignores AWS_PROFILE for an explicitly named profile',
      profile: 'p2',
      env: { AWS_PROFILE: 'p1', P2__AWS_REGION: 'p2-region' },
      credentials: '[p1]\nregion = p1-region\n',
      expected: { name: 'p2', envPrefix: 'P2__', region: 'p2-region' },
    },
    {
      name: 'treats s3+default:// like plain s3:// without AWS_PROFILE',
      profile: 'default',
      env: {
        AWS_PROFILE: 'p1',
        AWS_ACCESS_KEY_ID: 'AKPLAIN',
        AWS_SECRET_ACCESS_KEY: 'SKPLAIN',
        DEFAULT__OSS_ENDPOINT: 'http://default-prefixed',
      },
      credentials: '[default]\nregion = d\n[p1]\nregion = p1\n',
      expected: {
        name: 'default',
        envPrefix: '',
        region: 'd',
        endpointUrl: 'http://default-prefixed',
        credentials: { accessKeyId: 'AKPLAIN', secretAccessKey: 'SKPLAIN' },
      },
    },
    {
      name: 'lets an empty AWS_PROFILE mean default',
      env: { AWS_PROFILE: '' },
      credentials: '[default]\nregion = d\n',
      expected: { name: 'default', region: 'd' },
    },
  ]);
});

describe('resolveProfile: precedence at each level', () => {
  // One setting with every level (flag, prefixed env, plain env, credentials, config, default),
  // removing the winner level by level.
  const all: Inputs = {
    flags: { requestChecksumCalculation: 'when_supported' },
    env: {
      P1__AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'when_supported',
    },
    credentials: '[p1]\nrequest_checksum_calculation = when_required\n',
    config: '[profile p1]\nrequest_checksum_calculation = when_supported\n',
  };
  const levels: { name: string; inputs: Inputs; value: string; source: SettingSource }[] = [
    {
      name: 'a CLI flag beats every variable and file',
      inputs: all,
      value: 'when_supported',
      source: flag('--request-checksum-calculation'),
    },
    {
      name: "the profile's prefixed variable beats the plain one",
      inputs: { ...all, flags: {} },
      value: 'when_required',
      source: env('P1__AWS_REQUEST_CHECKSUM_CALCULATION'),
    },
    {
      name: 'the plain variable beats the files',
      inputs: { ...all, flags: {}, env: { AWS_REQUEST_CHECKSUM_CALCULATION: 'when_supported' } },
      value: 'when_supported',
      source: env('AWS_REQUEST_CHECKSUM_CALCULATION'),
    },
    {
      name: 'the credentials file beats the config file',
      inputs: { ...all, flags: {}, env: {} },
      value: 'when_required',
      source: cred('p1', 'request_checksum_calculation'),
    },
    {
      name: 'the config file beats the default',
      inputs: { ...all, flags: {}, env: {}, credentials: '[p1]\n' },
      value: 'when_supported',
      source: conf('profile p1', 'request_checksum_calculation'),
    },
    {
      name: 'the default applies last',
      inputs: { credentials: '[p1]\n' },
      value: 'when_required',
      source: byDefault,
    },
  ];
  for (const level of levels) {
    it(level.name, () => {
      const spec = resolveProfile('p1', inputsOf(level.inputs));
      assert.equal(spec.requestChecksumCalculation, level.value);
      assert.deepEqual(spec.sources.requestChecksumCalculation, level.source);
    });
  }

  check([
    {
      name: 'a --max-retry-times flag beats MEGFILE_S3_MAX_RETRY_TIMES for every profile',
      profile: 'p1',
      flags: { maxRetryTimes: '4' },
      env: { P1__MEGFILE_S3_MAX_RETRY_TIMES: '9', MEGFILE_S3_MAX_RETRY_TIMES: '8' },
      expected: { maxRetryTimes: 4 },
      sources: { maxRetryTimes: flag('--max-retry-times') },
    },
    {
      name: 'flags keyed by unknown ids or for server settings are ignored',
      flags: { endpointUrl: 'http://flag', verbose: true, region: 'flag-region' },
      expected: { endpointUrl: undefined, region: 'us-east-1' },
    },
    {
      name: 'environment beats both files for the endpoint, key by key with the rest from files',
      env: { OSS_ENDPOINT: 'http://env' },
      credentials:
        '[default]\ns3 =\n    endpoint_url = http://cred\n    addressing_style = virtual\n',
      config: '[default]\nregion = conf-region\n',
      expected: { endpointUrl: 'http://env', addressingStyle: 'virtual', region: 'conf-region' },
    },
  ]);
});

describe('resolveProfile returns plain frozen data', () => {
  it('can be structured-cloned for worker threads and cannot be mutated', () => {
    const spec = resolveProfile(
      undefined,
      inputsOf({ env: { AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'B' } }),
    );
    assert.deepEqual(structuredClone(spec), spec);
    assert.ok(
      Object.isFrozen(spec) && Object.isFrozen(spec.credentials) && Object.isFrozen(spec.sources),
    );
  });
});

describe('resolveGlobal', () => {
  const cases: { name: string; inputs: Inputs; mode: string; source: SettingSource }[] = [
    { name: 'defaults to thread_local', inputs: {}, mode: 'thread_local', source: byDefault },
    {
      name: 'reads MEGFILE_S3_CLIENT_CACHE_MODE in any case',
      inputs: { env: { MEGFILE_S3_CLIENT_CACHE_MODE: 'Process_Local' } },
      mode: 'process_local',
      source: env('MEGFILE_S3_CLIENT_CACHE_MODE'),
    },
    {
      name: 'lets --client-cache-mode beat the variable',
      inputs: {
        env: { MEGFILE_S3_CLIENT_CACHE_MODE: 'process_local' },
        flags: { clientCacheMode: 'thread_local' },
      },
      mode: 'thread_local',
      source: flag('--client-cache-mode'),
    },
    {
      name: 'never reads a prefixed cache mode variable',
      inputs: { env: { AWS_PROFILE: 'p1', P1__MEGFILE_S3_CLIENT_CACHE_MODE: 'process_local' } },
      mode: 'thread_local',
      source: byDefault,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const settings = resolveGlobal(inputsOf(c.inputs));
      assert.equal(settings.clientCacheMode, c.mode);
      assert.deepEqual(settings.sources.clientCacheMode, c.source);
    });
  }
});

describe('knownProfileNames', () => {
  it('lists default, prefixed variables of the option table and both files, sorted', () => {
    const names = knownProfileNames(
      inputsOf({
        env: {
          PROFILE1__AWS_ACCESS_KEY_ID: 'x',
          MY_PROFILE__OSS_ENDPOINT: 'http://x',
          EMPTY__AWS_REGION: '',
          SOMETHING__ELSE: 'not ours',
          AWS_ACCESS_KEY_ID: 'plain',
        },
        credentials: '[work]\n[default]\n',
        config: '[profile a.b]\n[default]\n[sso-session corp]\n[plain]\n',
      }),
    );
    assert.deepEqual(names, ['a.b', 'default', 'my_profile', 'profile1', 'work']);
  });
});
