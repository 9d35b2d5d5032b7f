// How settings are shown in messages, hints and `config show`: masked keys, `~` paths, sources.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeSource,
  displayPath,
  maskAccessKey,
  maskUrlPassword,
  printable,
} from '../../src/shared/display.ts';

describe('maskAccessKey', () => {
  it('keeps the first 4 and last 4 characters of a long key', () => {
    assert.equal(maskAccessKey('AKIAIOSFODNN7EXAMPLEWXYZ'), 'AKIA…WXYZ');
    assert.equal(maskAccessKey('123456789'), '1234…6789');
  });

  it('masks a key of 8 characters or fewer entirely, without revealing its length', () => {
    assert.equal(maskAccessKey('12345678'), '********');
    assert.equal(maskAccessKey('ab'), '********');
  });
});

describe('displayPath', () => {
  const cases: [string, string, string][] = [
    ['/root/.aws/credentials', '/root', '~/.aws/credentials'],
    ['/root', '/root', '~'],
    ['/rootless/x', '/root', '/rootless/x'],
    ['/home/user2/x', '/home/user', '/home/user2/x'],
    ['/etc/aws', '/root', '/etc/aws'],
    ['/home/u/x', '/home/u/', '~/x'],
    ['/etc/x', '/', '/etc/x'],
    ['/etc/x', '', '/etc/x'],
  ];
  for (const [filePath, home, shown] of cases) {
    it(`shows ${filePath} under home '${home}' as ${shown}`, () => {
      assert.equal(displayPath(filePath, home), shown);
    });
  }
});

describe('describeSource', () => {
  it('describes each kind of source in words that fit "check …" and "set by …"', () => {
    assert.deepEqual(
      [
        describeSource({ kind: 'env', name: 'P1__OSS_ENDPOINT' }, '/root'),
        describeSource({ kind: 'flag', name: '--max-retry-times' }, '/root'),
        describeSource({ kind: 'flag', name: 'endpoint-url' }, '/root'),
        describeSource(
          { kind: 'file', path: '/root/.aws/config', section: 'profile p1', key: 's3.verify' },
          '/root',
        ),
        describeSource({ kind: 'default' }, '/root'),
        describeSource({ kind: 'sdk-chain' }, '/root'),
      ],
      [
        'P1__OSS_ENDPOINT',
        'the --max-retry-times flag',
        'the --endpoint-url flag',
        's3.verify in [profile p1] of ~/.aws/config',
        'the default',
        "the AWS SDK's default credential chain",
      ],
    );
  });

  it('shows file paths outside the home directory in full', () => {
    assert.equal(
      describeSource(
        { kind: 'file', path: '/etc/aws/credentials', section: 'p1', key: 'aws_access_key_id' },
        '/root',
      ),
      'aws_access_key_id in [p1] of /etc/aws/credentials',
    );
  });
});

describe('printable', () => {
  const cases: [string, string][] = [
    ['photos/2024/a.jpg', 'photos/2024/a.jpg'],
    ['title\u001b]0;pwned\u0007.txt', 'title\\u001b]0;pwned\\u0007.txt'],
    ['clear\u001b[2J', 'clear\\u001b[2J'],
    ['tab\tand\nnewline\r', 'tab\\tand\\nnewline\\r'],
    ['del\u007f c1\u009b', 'del\\u007f c1\\u009b'],
    ['bidi\u202egnp.exe', 'bidi\\u202egnp.exe'],
    ['quotes " and back\\slash stay', 'quotes " and back\\slash stay'],
    ['ünïcödé 中文', 'ünïcödé 中文'],
    ['emoji 😀 kept, lone \ud800 escaped', 'emoji 😀 kept, lone \\ud800 escaped'],
  ];
  for (const [input, shown] of cases) {
    it(`shows ${JSON.stringify(input)} as ${shown}`, () => {
      assert.equal(printable(input), shown);
    });
  }
});

describe('maskUrlPassword', () => {
  it('masks the password of every URL in a text and keeps the rest', () => {
    assert.equal(maskUrlPassword('http://ak:s3cr3t@minio:9000'), 'http://ak:***@minio:9000');
    assert.equal(
      maskUrlPassword('cannot reach https://u:p%40ss@h/x or http://a:b@c'),
      'cannot reach https://u:***@h/x or http://a:***@c',
    );
    assert.equal(maskUrlPassword('http://user@h:9000'), 'http://user@h:9000');
    assert.equal(maskUrlPassword('http://h:9000/'), 'http://h:9000/');
    assert.equal(maskUrlPassword('s3://bucket/key:x@y'), 's3://bucket/key:x@y');
    // A raw `@` in the password: URL parsers split at the last `@` of the authority.
    assert.equal(maskUrlPassword('http://ak:p@ss@minio:9000/x'), 'http://ak:***@minio:9000/x');
    assert.equal(maskUrlPassword('http://:secret@h'), 'http://:***@h');
  });
});
