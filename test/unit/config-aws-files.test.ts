// Parsing of the AWS ini files: sections, the indented `s3 =` block, comments, CRLF, literal
// values, and one-line errors naming file and line for malformed input.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAwsIni, readAwsIniFile } from '../../src/config/aws-files.ts';
import type { AwsIniFile } from '../../src/config/aws-files.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

const FILE = { path: '/home/u/.aws/credentials', displayPath: '~/.aws/credentials' };

/** The file as plain data: section → key → value (block keys as `parent.sub`) and its line. */
function flatten(file: AwsIniFile): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [name, section] of file.sections) {
    const keys: Record<string, string> = {};
    for (const [key, entry] of section.keys) {
      keys[key] = `${entry.value}@${entry.line}`;
      for (const [sub, subEntry] of entry.block ?? []) {
        keys[`${key}.${sub}`] = `${subEntry.value}@${subEntry.line}`;
      }
    }
    out[name] = keys;
  }
  return out;
}

describe('parseAwsIni', () => {
  const cases: { name: string; text: string; expected: Record<string, Record<string, string>> }[] =
    [
      {
        name: "reads the seed's credentials file with its indented s3 block",
        text: [
          '[default]',
          'aws_secret_access_key = secret_key',
          'aws_access_key_id = access_key',
          '',
          's3 =',
          '    addressing_style = virtual',
          '    endpoint_url = http://oss-cn-hangzhou.aliyuncs.com',
        ].join('\n'),
        expected: {
          default: {
            aws_secret_access_key: 'secret_key@2',
            aws_access_key_id: 'access_key@3',
            s3: '@5',
            's3.addressing_style': 'virtual@6',
            's3.endpoint_url': 'http://oss-cn-hangzhou.aliyuncs.com@7',
          },
        },
      },
      {
        name: 'reads a top-level (global) endpoint_url next to an s3 block',
        text: '[p1]\nendpoint_url = http://global\ns3 =\n  endpoint_url = http://s3\n',
        expected: {
          p1: { endpoint_url: 'http://global@2', s3: '@3', 's3.endpoint_url': 'http://s3@4' },
        },
      },
      {
        name: 'keeps blank lines, comments and tabs inside the s3 block and ends it at the next key',
        text: [
          '[default]',
          's3 =',
          '\tendpoint_url = http://tab',
          '',
          '    # a comment inside the block',
          '    ; another one',
          '    verify = false',
          'region = eu-west-1',
          '    ',
        ].join('\n'),
        expected: {
          default: {
            s3: '@2',
            's3.endpoint_url': 'http://tab@3',
            's3.verify': 'false@7',
            region: 'eu-west-1@8',
          },
        },
      },
      {
        name: 'accepts signature_version and other unknown block keys without error',
        text: '[default]\ns3 =\n    signature_version = s3v4\n    max_concurrent_requests = 20\n',
        expected: {
          default: {
            s3: '@2',
            's3.signature_version': 's3v4@3',
            's3.max_concurrent_requests': '20@4',
          },
        },
      },
      {
        name: 'reads CRLF line endings and a byte-order mark',
        text: '\uFEFF[default]\r\naws_access_key_id = AK\r\ns3 =\r\n    verify = no\r\n',
        expected: { default: { aws_access_key_id: 'AK@2', s3: '@3', 's3.verify': 'no@4' } },
      },
      {
        name: 'skips # and ; comment lines, also before the first section',
        text: '# managed by hand\n; really\n[default]\n# key comment\nregion = us-west-2\n',
        expected: { default: { region: 'us-west-2@5' } },
      },
      {
        name: 'keeps values literally: no inline comments, quotes or boolean conversion',
        text: '[default]\naws_secret_access_key = ab;cd#ef\nregion = "quoted"\nflag = true\nnothing = null\n',
        expected: {
          default: {
            aws_secret_access_key: 'ab;cd#ef@2',
            region: '"quoted"@3',
            flag: 'true@4',
            nothing: 'null@5',
          },
        },
      },
      {
        name: 'splits at the first = or : like configparser, keeping later ones in the value',
        text: '[default]\nendpoint_url = http://h:9000/?a=b\nregion: eu-central-1\n',
        expected: {
          default: { endpoint_url: 'http://h:9000/?a=b@2', region: 'eu-central-1@3' },
        },
      },
      {
        name: 'lower-cases key names as configparser does',
        text: '[default]\nAWS_ACCESS_KEY_ID = AK\nS3 =\n    Endpoint_URL = http://x\n',
        expected: {
          default: { aws_access_key_id: 'AK@2', s3: '@3', 's3.endpoint_url': 'http://x@4' },
        },
      },
      {
        name: 'keeps dots in section names and collapses the spaces after "profile"',
        text: '[profile my-profile.v2]\nregion = a\n[profile    p1]\nregion = b\n',
        expected: { 'profile my-profile.v2': { region: 'a@2' }, 'profile p1': { region: 'b@4' } },
      },
      {
        name: 'reads "key: value" like "key = value", in the s3 block too (botocore does)',
        text: '[p1]\nregion: eu-west-1\ns3:\n  endpoint_url: http://h:9000\n  addressing_style = path\n',
        expected: {
          p1: {
            region: 'eu-west-1@2',
            s3: '@3',
            's3.endpoint_url': 'http://h:9000@4',
            's3.addressing_style': 'path@5',
          },
        },
      },
      {
        name: 'treats an indented key right after a section header as a plain key',
        text: '[default]\n  region = eu-west-1\n  aws_access_key_id = AK\n',
        expected: { default: { region: 'eu-west-1@2', aws_access_key_id: 'AK@3' } },
      },
      {
        name: 'accepts a comment after a section header and an empty value',
        text: '[default] ; main account\naws_session_token =\n',
        expected: { default: { aws_session_token: '@2' } },
      },
      { name: 'reads an empty file as no sections', text: '', expected: {} },
    ];

  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.deepEqual(flatten(parseAwsIni(testCase.text, FILE)), testCase.expected);
    });
  }
});

describe('parseAwsIni on malformed files', () => {
  const cases: { name: string; text: string; message: string }[] = [
    {
      name: 'names the line of an unterminated section header',
      text: '# top\n[default]\nregion = a\n[profile p1\nregion = b\n',
      message: '~/.aws/credentials:4: unterminated section header (missing "]")',
    },
    {
      name: 'rejects text after a section header',
      text: '[default] extra\n',
      message: '~/.aws/credentials:1: unexpected text after the section header',
    },
    {
      name: 'rejects an empty section name',
      text: '[ ]\n',
      message: '~/.aws/credentials:1: empty section name "[]"',
    },
    {
      name: 'rejects a line that is neither section, key nor comment',
      text: '[default]\nregion = a\njust some words\n',
      message: '~/.aws/credentials:3: expected "[section]", "key = value" or a comment',
    },
    {
      name: 'rejects a key before any section header',
      text: '; comment\nregion = a\n[default]\n',
      message: '~/.aws/credentials:2: "region" comes before any [section] header',
    },
    {
      name: 'rejects an indented line under a key that already has a value',
      text: '[default]\nregion = a\n    endpoint_url = http://x\n',
      message:
        '~/.aws/credentials:3: indented line continues "region", which already has a value; only a "region =" line with nothing after it starts an indented block',
    },
    {
      name: 'rejects an indented line without "=" inside an s3 block',
      text: '[default]\ns3 =\n    endpoint_url = http://x\n\n    nonsense\n',
      message:
        '~/.aws/credentials:5: expected an indented "key = value" line inside the "s3 =" block',
    },
    {
      name: 'rejects key names with spaces',
      text: '[default]\naws access key = x\n',
      message: '~/.aws/credentials:2: invalid key name (no spaces, brackets, quotes, "#" or ";")',
    },
    {
      name: 'rejects a repeated section, naming both lines (botocore refuses it too)',
      text: '[p1]\nregion = a\n[p2]\nregion = x\n[p1]\nregion = b\n',
      message:
        '~/.aws/credentials:5: the section [p1] repeats the one at line 1: merge them into one',
    },
    {
      name: 'counts lines correctly in a CRLF file',
      text: '[default]\r\nregion = a\r\n\r\noops\r\n',
      message: '~/.aws/credentials:4: expected "[section]", "key = value" or a comment',
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.throws(
        () => parseAwsIni(testCase.text, FILE),
        (error: unknown) => {
          assert.ok(error instanceof S3FerryError);
          assert.equal(error.kind, 'config');
          assert.equal(error.message, testCase.message);
          return true;
        },
      );
    });
  }

  it('never echoes the malformed line, which may hold a secret', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    for (const text of [
      `[default]\naws_secret_access_key ${secret}\n`,
      `[default]\ns3 =\n    ${secret}\n`,
      `[default\n${secret}`,
    ]) {
      assert.throws(
        () => parseAwsIni(text, FILE),
        (error: unknown) => error instanceof S3FerryError && !error.message.includes(secret),
      );
    }
  });
});

describe('readAwsIniFile', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 's3ferry-config-files-'));
  after(() => {
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('reads a missing file as an empty one', () => {
    const file = readAwsIniFile(path.join(home, '.aws', 'credentials'), home);
    assert.equal(file.exists, false);
    assert.equal(file.sections.size, 0);
    assert.equal(file.displayPath, '~/.aws/credentials');
  });

  it('reads a file under a missing directory as an empty one', () => {
    const file = readAwsIniFile(path.join(home, 'nope', 'deeper', 'config'), home);
    assert.equal(file.exists, false);
  });

  it('reads a file from disk and shows its path with ~', () => {
    const filePath = path.join(home, 'creds');
    fs.writeFileSync(filePath, '[default]\r\naws_access_key_id = AK\r\n');
    const file = readAwsIniFile(filePath, home);
    assert.equal(file.exists, true);
    assert.equal(file.displayPath, '~/creds');
    assert.equal(file.sections.get('default')?.keys.get('aws_access_key_id')?.value, 'AK');
  });

  it('names a malformed file with its full path when it is outside the home directory', () => {
    const filePath = path.join(home, 'bad');
    fs.writeFileSync(filePath, '[default]\n[oops\n');
    assert.throws(() => readAwsIniFile(filePath, '/somewhere/else'), {
      message: `${filePath}:2: unterminated section header (missing "]")`,
    });
  });

  it('reports a path that cannot be read as a config error naming it', () => {
    const dirPath = path.join(home, 'a-directory');
    fs.mkdirSync(dirPath);
    assert.throws(
      () => readAwsIniFile(dirPath, home),
      (error: unknown) =>
        error instanceof S3FerryError &&
        error.kind === 'config' &&
        error.message === 'Cannot read ~/a-directory: it is a directory (EISDIR)',
    );
  });

  for (const [name, bytes, reason] of [
    [
      'an ELF binary',
      Buffer.from('7f454c4602010100000000000000000003003e00', 'hex'),
      'it holds NUL bytes',
    ],
    ['Latin-1 text', Buffer.from('[default]\nregion = caf\xe9\n', 'latin1'), 'it is not UTF-8'],
    ['UTF-16 text', Buffer.from('[default]\n', 'utf16le'), 'it holds NUL bytes'],
  ] as const) {
    it(`refuses ${name} in one short line, without quoting its bytes`, () => {
      const filePath = path.join(home, 'binary');
      fs.writeFileSync(filePath, bytes);
      assert.throws(
        () => readAwsIniFile(filePath, home),
        (error: unknown) =>
          error instanceof S3FerryError &&
          error.kind === 'config' &&
          error.message === `~/binary is not a text file (${reason})`,
      );
    });
  }

  it('reads UTF-8 text with a byte-order mark and non-ASCII values', () => {
    const filePath = path.join(home, 'utf8');
    fs.writeFileSync(filePath, '\uFEFF[default]\nregion = café\n');
    assert.equal(
      readAwsIniFile(filePath, home).sections.get('default')?.keys.get('region')?.value,
      'café',
    );
  });
});
