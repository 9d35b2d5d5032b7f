// `config s3`'s file writer: merge semantics, byte-for-byte preservation, modes and atomicity.
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAwsIni } from '../../src/config/aws-files.ts';
import { resolveProfile } from '../../src/config/profiles.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import {
  validateProfileInput,
  writeProfile,
  type WriteProfileOptions,
} from '../../src/config/write-profile.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 's3ferry-write-profile-'));
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});
let counter = 0;
function tempFile(content?: string): string {
  counter += 1;
  const dir = path.join(root, `case-${counter}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'credentials');
  if (content !== undefined) fs.writeFileSync(file, content, { mode: 0o644 });
  return file;
}

function opts(file: string, extra: Partial<WriteProfileOptions> = {}): WriteProfileOptions {
  return {
    path: file,
    profile: 'default',
    accessKeyId: 'AKIANEW',
    secretAccessKey: 'secretNEW',
    noCover: false,
    ...extra,
  };
}

function read(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

function mode(p: string): number {
  return fs.statSync(p).mode & 0o777;
}

describe('writeProfile', () => {
  it('creates a missing directory (0700) and file (0600) in the seed format', () => {
    const file = path.join(root, 'fresh', 'nested', '.aws', 'credentials');
    const result = writeProfile(
      opts(file, {
        profile: 'profile1',
        endpointUrl: 'http://127.0.0.1:7480',
        addressingStyle: 'path',
      }),
    );
    assert.deepEqual(result, { path: file, created: true, updated: false });
    assert.equal(
      read(file),
      '[profile1]\n' +
        'aws_access_key_id = AKIANEW\n' +
        'aws_secret_access_key = secretNEW\n' +
        '\n' +
        's3 =\n' +
        '    endpoint_url = http://127.0.0.1:7480\n' +
        '    addressing_style = path\n',
    );
    assert.equal(mode(file), 0o600);
    assert.equal(mode(path.dirname(file)), 0o700);
    assert.equal(mode(path.join(root, 'fresh')), 0o700);
  });

  it('writes no s3 block when neither endpoint nor addressing style is given', () => {
    const file = tempFile();
    writeProfile(opts(file));
    assert.equal(
      read(file),
      '[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n',
    );
  });

  it('writes the session token after the secret key', () => {
    const file = tempFile();
    writeProfile(opts(file, { sessionToken: 'TOKEN123' }));
    assert.equal(
      read(file),
      '[default]\n' +
        'aws_access_key_id = AKIANEW\n' +
        'aws_secret_access_key = secretNEW\n' +
        'aws_session_token = TOKEN123\n',
    );
  });

  it('keeps comments before the first section byte for byte and appends the new section', () => {
    const before = '# my creds\n; managed by hand\n\n[other]\naws_access_key_id = X\n';
    const file = tempFile(before);
    const result = writeProfile(opts(file, { profile: 'p1' }));
    assert.deepEqual(result, { path: file, created: false, updated: false });
    assert.equal(
      read(file),
      before + '\n[p1]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n',
    );
  });

  it('updates an existing profile in place, keeping region and other s3 sub-keys', () => {
    const before =
      '# top comment\n' +
      '[default]\n' +
      'aws_access_key_id = AKIAOLD\n' +
      'aws_secret_access_key = secretOLD\n' +
      'region = eu-west-1\n' +
      '# about s3\n' +
      's3 =\n' +
      '    verify = false\n' +
      '    endpoint_url = http://old.example:80\n' +
      '\n' +
      '[other]\n' +
      'aws_access_key_id = OTHER\n';
    const file = tempFile(before);
    const result = writeProfile(
      opts(file, { endpointUrl: 'https://new.example', addressingStyle: 'virtual' }),
    );
    assert.deepEqual(result, { path: file, created: false, updated: true });
    assert.equal(
      read(file),
      '# top comment\n' +
        '[default]\n' +
        'aws_access_key_id = AKIANEW\n' +
        'aws_secret_access_key = secretNEW\n' +
        'region = eu-west-1\n' +
        '# about s3\n' +
        's3 =\n' +
        '    verify = false\n' +
        '    endpoint_url = https://new.example\n' +
        '    addressing_style = virtual\n' +
        '\n' +
        '[other]\n' +
        'aws_access_key_id = OTHER\n',
    );
  });

  it('adds an s3 block after the last key of an existing profile', () => {
    const before = '[default]\naws_access_key_id = A\naws_secret_access_key = B\nregion = r1\n\n';
    const file = tempFile(before);
    writeProfile(opts(file, { endpointUrl: 'http://h:1' }));
    assert.equal(
      read(file),
      '[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\nregion = r1\n' +
        's3 =\n    endpoint_url = http://h:1\n\n',
    );
  });

  it('adds missing keys to an existing profile that had none', () => {
    const before = '[default]\nregion = r1\n[next]\nregion = r2\n';
    const file = tempFile(before);
    writeProfile(opts(file, { sessionToken: 'TOK' }));
    assert.equal(
      read(file),
      '[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n' +
        'aws_session_token = TOK\nregion = r1\n[next]\nregion = r2\n',
    );
  });

  it('replaces an existing session token and drops a stale one when no token is given', () => {
    const before =
      '[default]\naws_access_key_id = A\naws_secret_access_key = B\naws_session_token = OLD\n';
    const withToken = tempFile(before);
    writeProfile(opts(withToken, { sessionToken: 'NEWTOK' }));
    assert.equal(
      read(withToken),
      '[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n' +
        'aws_session_token = NEWTOK\n',
    );
    const withoutToken = tempFile(before);
    writeProfile(opts(withoutToken));
    assert.equal(
      read(withoutToken),
      '[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n',
    );
  });

  it('keeps every other section byte for byte, including odd spacing and trailing blanks', () => {
    const a = '[a]\naws_access_key_id=AAA   \n  ; indented comment\nregion   :  x\n\n\n';
    const c = '[c]  \ns3 =\n\tendpoint_url = http://c\n\n# trailing comment';
    const before = a + '[default]\naws_access_key_id = A\naws_secret_access_key = B\n\n' + c;
    const file = tempFile(before);
    writeProfile(opts(file));
    const after = read(file);
    assert.ok(after.startsWith(a), 'section [a] unchanged');
    assert.ok(after.endsWith(c), 'section [c] and the unterminated last line unchanged');
    assert.equal(
      after,
      a + '[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n\n' + c,
    );
  });

  it('terminates an unterminated last line before appending a new section', () => {
    const file = tempFile('[a]\nregion = x');
    writeProfile(opts(file, { profile: 'b' }));
    assert.equal(
      read(file),
      '[a]\nregion = x\n\n[b]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n',
    );
  });

  it('keeps a CRLF file CRLF, for edited and added lines alike', () => {
    const before =
      '# c\r\n[default]\r\naws_access_key_id = A\r\naws_secret_access_key = B\r\n\r\n[x]\r\nregion = y\r\n';
    const file = tempFile(before);
    writeProfile(opts(file, { sessionToken: 'T', endpointUrl: 'http://e' }));
    writeProfile(opts(file, { profile: 'z' }));
    const after = read(file);
    assert.equal(
      after,
      '# c\r\n[default]\r\naws_access_key_id = AKIANEW\r\naws_secret_access_key = secretNEW\r\n' +
        'aws_session_token = T\r\ns3 =\r\n    endpoint_url = http://e\r\n\r\n[x]\r\nregion = y\r\n' +
        '\r\n[z]\r\naws_access_key_id = AKIANEW\r\naws_secret_access_key = secretNEW\r\n',
    );
    assert.equal(after.replace(/\r\n/g, '').includes('\n'), false, 'no bare LF');
  });

  it('refuses to change an existing profile with noCover, leaving the file unchanged', () => {
    const before = '[p1]\naws_access_key_id = A\naws_secret_access_key = B\n';
    const file = tempFile(before);
    fs.chmodSync(file, 0o644);
    assert.throws(
      () => writeProfile(opts(file, { profile: 'p1', noCover: true })),
      (error: unknown) =>
        error instanceof S3FerryError &&
        error.exitCode === 2 &&
        error.message === `Profile [p1] already exists in ${file}; not changed (--no-cover)`,
    );
    assert.equal(read(file), before);
    assert.equal(mode(file), 0o644);
  });

  it('adds a new profile with noCover when the name is not taken', () => {
    const file = tempFile('[p1]\nregion = x\n');
    const result = writeProfile(opts(file, { profile: 'p2', noCover: true }));
    assert.equal(result.updated, false);
    assert.match(read(file), /\[p2\]\naws_access_key_id = AKIANEW\n/);
  });

  it('makes an existing world-readable file 0600', () => {
    const file = tempFile('[x]\nregion = y\n');
    fs.chmodSync(file, 0o644);
    writeProfile(opts(file));
    assert.equal(mode(file), 0o600);
  });

  it('replaces the file atomically and leaves no temporary file behind', () => {
    const file = tempFile('[x]\nregion = y\n');
    // A hard link outside the directory pins the original inode: if the writer truncated and
    // rewrote the file in place, this link would see the new content.
    const pinned = path.join(root, `pinned-${counter}`);
    fs.linkSync(file, pinned);
    writeProfile(opts(file));
    writeProfile(opts(file, { profile: 'other' }));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['credentials']);
    assert.equal(read(pinned), '[x]\nregion = y\n');
    assert.notEqual(fs.statSync(file).ino, fs.statSync(pinned).ino);
  });

  it('leaves the old content and no temporary file when the final rename fails', (t) => {
    // An immutable file (chattr +i) can be read but not replaced, so the writer gets as far as
    // the fsynced temp file and then fails at the rename.
    const before = '[x]\nregion = y\n';
    const file = tempFile(before);
    try {
      execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    } catch {
      t.skip('chattr +i is unavailable here (needs root and ext4/xfs/btrfs)');
      return;
    }
    try {
      assert.throws(
        () => writeProfile(opts(file)),
        (error: unknown) =>
          error instanceof S3FerryError &&
          error.kind === 'local-io' &&
          error.message === `Cannot write ${file}: EPERM`,
      );
    } finally {
      execFileSync('chattr', ['-i', file]);
    }
    assert.equal(read(file), before);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['credentials']);
  });

  it('fails with one line naming the file when the target is a directory', () => {
    const file = tempFile();
    fs.mkdirSync(file);
    assert.throws(
      () => writeProfile(opts(file)),
      (error: unknown) =>
        error instanceof S3FerryError && error.message === `Cannot read ${file}: EISDIR`,
    );
  });

  it('writes through a symlink instead of replacing it', () => {
    const real = tempFile('[x]\nregion = y\n');
    const link = path.join(path.dirname(real), 'link');
    fs.symlinkSync(real, link);
    const result = writeProfile(opts(link));
    assert.equal(result.path, real);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.match(read(real), /\[default\]\naws_access_key_id = AKIANEW/);
  });

  it('refuses a file with two sections of the same name, naming both lines (exit 2)', () => {
    const before = '[p]\nregion: a\n\n[p]\nregion = b\n';
    const file = tempFile(before);
    assert.throws(
      () => writeProfile(opts(file, { profile: 'p' })),
      (error: unknown) => {
        assert.ok(error instanceof S3FerryError);
        assert.equal(error.exitCode, 2);
        assert.equal(
          error.message,
          `${file}:4: the section [p] repeats the one at line 1: merge them by hand first`,
        );
        return true;
      },
    );
    assert.equal(read(file), before);
  });

  it('updates a profile written with "key: value" lines and an "s3:" block in place', () => {
    const before =
      '[default]\n' +
      'aws_access_key_id: AKIAOLD\n' +
      'aws_secret_access_key:secretOLD\n' +
      'aws_session_token : tokenOLD\n' +
      'region: eu-west-1\n' +
      's3:\n' +
      '  verify: false\n' +
      '  endpoint_url: http://old.example:80\n' +
      '[other]\n' +
      'aws_access_key_id: OTHER\n';
    const file = tempFile(before);
    writeProfile(opts(file, { endpointUrl: 'https://new.example', addressingStyle: 'path' }));
    const after =
      '[default]\n' +
      'aws_access_key_id = AKIANEW\n' +
      'aws_secret_access_key = secretNEW\n' +
      'region: eu-west-1\n' +
      's3:\n' +
      '  verify: false\n' +
      '  endpoint_url = https://new.example\n' +
      '  addressing_style = path\n' +
      '[other]\n' +
      'aws_access_key_id: OTHER\n';
    assert.equal(read(file), after);
    // And the reader sees exactly one value per key, the new ones.
    const spec = resolveProfile(undefined, {
      env: {},
      credentials: parseAwsIni(after, { path: file }),
      config: parseAwsIni('', { path: 'config' }),
    });
    assert.deepEqual(spec.credentials, { accessKeyId: 'AKIANEW', secretAccessKey: 'secretNEW' });
    assert.deepEqual(
      [spec.region, spec.endpointUrl, spec.addressingStyle, spec.verify],
      ['eu-west-1', 'https://new.example', 'path', false],
    );
  });

  it('does not confuse a commented-out section header or a [profile x] section with [x]', () => {
    const before = '# [p]\n[profile p]\nregion = a\n';
    const file = tempFile(before);
    const result = writeProfile(opts(file, { profile: 'p' }));
    assert.equal(result.updated, false);
    assert.ok(read(file).startsWith(before + '\n[p]\n'));
  });
});

describe('validateProfileInput', () => {
  const base = { profile: 'p', accessKeyId: 'AK', secretAccessKey: 'SUPERSECRET' };

  it('accepts profile names with letters, digits, _, - and .', () => {
    validateProfileInput({ ...base, profile: 'My_prof-1.x' });
  });

  for (const [name, extra, message] of [
    ['a profile name with a space', { profile: 'a b' }, /profile name .* got 'a b'/],
    ['a profile name with brackets', { profile: 'a]' }, /profile name/],
    ['an ftp endpoint', { endpointUrl: 'ftp://h' }, /http:\/\/ or https:\/\/ URL, got 'ftp:\/\/h'/],
    [
      'an ftp endpoint with a password, quoted masked',
      { endpointUrl: 'ftp://ak:pa55word@h' },
      /URL, got 'ftp:\/\/ak:\*\*\*@h'$/,
    ],
    ['an endpoint without scheme', { endpointUrl: 'localhost:9000' }, /endpoint URL/],
    [
      'a sideways addressing style',
      { addressingStyle: 'sideways' },
      /path, virtual, auto, got 'sideways'/,
    ],
    ['an empty access key', { accessKeyId: '' }, /access key must not be empty/],
    [
      'a secret with a line break',
      { secretAccessKey: 'a\nb' },
      /secret key must not contain line breaks/,
    ],
    [
      'a token with surrounding blanks',
      { sessionToken: ' t ' },
      /session token must not start or end/,
    ],
  ] as const) {
    it(`rejects ${name} with a one-line usage error (exit 2)`, () => {
      assert.throws(
        () => {
          validateProfileInput({ ...base, ...extra });
        },
        (error: unknown) =>
          error instanceof S3FerryError &&
          error.exitCode === 2 &&
          !error.message.includes('\n') &&
          !error.message.includes('SUPERSECRET') &&
          message.test(error.message),
      );
    });
  }
});
