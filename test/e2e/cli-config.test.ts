// End to end: the built CLI (`node dist/src/cli/main.js`, no loader) with a controlled
// environment: `config s3` then `config show`, exit codes, one-line errors, and no secret in any
// output of any command run here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertBuilt, assertNoSecrets, CLI_MAIN, cleanEnv, REPO_ROOT } from '../helpers/cli.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

// Distinctive values: if any of them shows up in any output, something leaked.
const SECRET = 'e2eSecret/Zq8+NeverShown+Xk41Tp0LwQv';
const TOKEN = 'e2eToken-NeverShown-9Jd2Lm5Pq7Rs1Tu3';
const SECRET2 = 'e2eSecondSecret-NeverShown-HhYy6Gg';
const ACCESS_KEY = 'AKIAE2EEXAMPLEKEYWXYZ';

const { freshDir } = tempRoot('s3ferry-e2e-config-');

/** A fresh HOME for one test: no ~/.aws unless the test writes it. */
function freshHome(): string {
  return freshDir('home');
}

type Result = { code: number | null; stdout: string; stderr: string };
const outputs: string[] = [];

/** Runs the built CLI; every output is checked for secrets here and again at the end. */
function s3ferry(home: string, args: string[], extraEnv: Record<string, string> = {}): Result {
  assertBuilt();
  const child = spawnSync(process.execPath, [CLI_MAIN, ...args], {
    env: cleanEnv({ HOME: home, ...extraEnv }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (child.error !== undefined) throw child.error;
  outputs.push(child.stdout, child.stderr);
  assertNoSecrets(child, [SECRET, TOKEN, SECRET2], args);
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

function assertOneLineError(result: Result, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit code; stderr: ${result.stderr}`);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^s3ferry: [^\n]+\n$/, 'exactly one line');
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

function showJson(home: string, args: string[] = [], env: Record<string, string> = {}) {
  const result = s3ferry(home, ['config', 'show', '--json', ...args], env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('s3ferry config s3 / config show (built CLI)', () => {
  it('round-trips a profile: config s3 writes it, config show --json reads it back masked', () => {
    const home = freshHome();
    const saved = s3ferry(home, [
      'config',
      's3',
      ACCESS_KEY,
      SECRET,
      '-st',
      TOKEN,
      '-e',
      'http://127.0.0.1:7480',
      '-as',
      'virtual',
      '-n',
      'team-a.prod',
    ]);
    const file = path.join(home, '.aws', 'credentials');
    assert.deepEqual(saved, {
      code: 0,
      stdout: `Saved profile team-a.prod to ${file}\n`,
      stderr: '',
    });
    const obj = showJson(home, ['--profile-name', 'team-a.prod']);
    assert.deepEqual(Object.keys(obj).slice(0, 11), [
      'profile',
      'endpointUrl',
      'endpointSource',
      'region',
      'addressingStyle',
      'accessKeyId',
      'credentialsSource',
      'maxRetryTimes',
      'verify',
      'redirect',
      'clientCacheMode',
    ]);
    assert.equal(obj['profile'], 'team-a.prod');
    assert.equal(obj['endpointUrl'], 'http://127.0.0.1:7480');
    assert.equal(obj['endpointSource'], `file ${file} [team-a.prod] s3.endpoint_url`);
    assert.equal(obj['addressingStyle'], 'virtual');
    assert.equal(obj['accessKeyId'], 'AKIA…WXYZ');
    assert.equal(obj['credentialsSource'], `file ${file} [team-a.prod] aws_access_key_id`);
    assert.equal(obj['maxRetryTimes'], 10);
    assert.equal(obj['verify'], true);
    assert.equal(obj['redirect'], false);
    assert.equal(obj['clientCacheMode'], 'thread_local');
    assert.equal(obj['hasSessionToken'], true);
    // The secret and token really were written (so the no-leak checks mean something).
    const content = fs.readFileSync(file, 'utf8');
    assert.ok(content.includes(`aws_secret_access_key = ${SECRET}\n`));
    assert.ok(content.includes(`aws_session_token = ${TOKEN}\n`));
  });

  it('creates ~/.aws with mode 0700 and the credentials file with mode 0600', () => {
    const home = freshHome();
    assert.equal(s3ferry(home, ['config', 's3', ACCESS_KEY, SECRET]).code, 0);
    assert.equal(fs.statSync(path.join(home, '.aws')).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(home, '.aws', 'credentials')).mode & 0o777, 0o600);
  });

  it('merges into an existing profile, keeping its region, comments and other sections', () => {
    const home = freshHome();
    const file = path.join(home, '.aws', 'credentials');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(
      file,
      '# hand-written\n[default]\naws_access_key_id = OLDKEY\naws_secret_access_key = OLD\n' +
        'region = eu-central-1\ns3 =\n    verify = false\n\n[other]\nregion = x\n',
    );
    assert.equal(
      s3ferry(home, ['config', 's3', ACCESS_KEY, SECRET2, '-e', 'https://s3.example']).code,
      0,
    );
    assert.equal(
      fs.readFileSync(file, 'utf8'),
      `# hand-written\n[default]\naws_access_key_id = ${ACCESS_KEY}\naws_secret_access_key = ${SECRET2}\n` +
        'region = eu-central-1\ns3 =\n    verify = false\n    endpoint_url = https://s3.example\n\n' +
        '[other]\nregion = x\n',
    );
    const obj = showJson(home);
    assert.equal(obj['region'], 'eu-central-1');
    assert.equal(obj['verify'], false);
    assert.equal(obj['endpointUrl'], 'https://s3.example');
  });

  it('writes to and reads from AWS_SHARED_CREDENTIALS_FILE when it is set', () => {
    const home = freshHome();
    const file = path.join(home, 'custom', 'creds');
    const env = { AWS_SHARED_CREDENTIALS_FILE: file };
    const saved = s3ferry(home, ['config', 's3', ACCESS_KEY, SECRET, '-n', 'p1'], env);
    assert.equal(saved.stdout, `Saved profile p1 to ${file}\n`);
    assert.equal(fs.existsSync(path.join(home, '.aws')), false);
    assert.equal(
      showJson(home, ['-n', 'p1'], env)['credentialsSource'],
      `file ${file} [p1] aws_access_key_id`,
    );
  });

  it('prints one line per setting with its source, the key masked and the secret only as "set"', () => {
    const home = freshHome();
    s3ferry(home, ['config', 's3', ACCESS_KEY, SECRET, '-st', TOKEN]);
    const result = s3ferry(home, ['config', 'show'], { AWS_ENDPOINT_URL: 'http://10.0.0.1:8000' });
    assert.equal(result.code, 0);
    const lines = result.stdout.trimEnd().split('\n');
    const line = (name: string): string => lines.find((l) => l.startsWith(`${name} `)) ?? '';
    assert.match(line('endpointUrl'), /http:\/\/10\.0\.0\.1:8000 +\(env AWS_ENDPOINT_URL\)$/);
    assert.match(
      line('accessKeyId'),
      /AKIA…WXYZ +\(file ~\/\.aws\/credentials \[default\] aws_access_key_id\)$/,
    );
    assert.match(line('secretAccessKey'), /^secretAccessKey +set +\(file ~\/\.aws\/credentials/);
    assert.match(line('sessionToken'), /^sessionToken +set /);
    assert.match(line('maxRetryTimes'), /10 +\(default\)$/);
    assert.equal(result.stdout.includes(ACCESS_KEY), false, 'the full access key is never shown');
  });

  it('shows environment credentials masked and names the variable', () => {
    const home = freshHome();
    const obj = showJson(home, [], {
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET2,
    });
    assert.equal(obj['accessKeyId'], 'AKIA…WXYZ');
    assert.equal(obj['credentialsSource'], 'env AWS_ACCESS_KEY_ID');
  });

  it('refuses to change an existing profile with --no-cover: exit 2, one line, file unchanged', () => {
    const home = freshHome();
    s3ferry(home, ['config', 's3', ACCESS_KEY, SECRET, '-n', 'keep']);
    const file = path.join(home, '.aws', 'credentials');
    const before = fs.readFileSync(file, 'utf8');
    const result = s3ferry(home, [
      'config',
      's3',
      'AKIAOTHER',
      SECRET2,
      '-n',
      'keep',
      '--no-cover',
    ]);
    assertOneLineError(
      result,
      new RegExp(`^s3ferry: Profile \\[keep\\] already exists in ${file}`),
    );
    assert.equal(fs.readFileSync(file, 'utf8'), before);
  });

  for (const [name, args, pattern] of [
    ['an endpoint that is not an http(s) URL', ['-e', 'ftp://h'], /endpoint URL .*got 'ftp:\/\/h'/],
    ['an unknown addressing style', ['-as', 'sideways'], /'sideways' is invalid/],
    ['a profile name with a space', ['-n', 'a b'], /profile name/],
    ['an unknown option', ['--endpont-url', 'http://h'], /unknown option '--endpont-url'/],
  ] as const) {
    it(`rejects ${name} in config s3 with exit 2 and one line, writing nothing`, () => {
      const home = freshHome();
      assertOneLineError(s3ferry(home, ['config', 's3', ACCESS_KEY, SECRET, ...args]), pattern);
      assert.equal(fs.existsSync(path.join(home, '.aws')), false);
    });
  }

  for (const [variable, value] of [
    ['MEGFILE_S3_MAX_RETRY_TIMES', 'abc'],
    ['AWS_S3_ADDRESSING_STYLE', 'sideways'],
    ['AWS_S3_VERIFY', 'maybe'],
    ['OSS_ENDPOINT', 'not a url'],
  ] as const) {
    it(`exits 2 with one line naming ${variable} when it is ${value}`, () => {
      const home = freshHome();
      const result = s3ferry(home, ['config', 'show'], {
        [variable]: value,
        AWS_ACCESS_KEY_ID: ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: SECRET,
      });
      assertOneLineError(result, new RegExp(variable));
    });
  }

  it('names the file and line of a malformed credentials file, exit 2', () => {
    const home = freshHome();
    fs.mkdirSync(path.join(home, '.aws'));
    fs.writeFileSync(path.join(home, '.aws', 'credentials'), '[default]\nthis is not ini\n');
    assertOneLineError(s3ferry(home, ['config', 'show']), /~\/\.aws\/credentials:2/);
  });

  it('adds the stack trace with --debug, still without any secret', () => {
    const home = freshHome();
    const env = {
      MEGFILE_S3_MAX_RETRY_TIMES: 'abc',
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET,
    };
    const result = s3ferry(home, ['--debug', 'config', 'show'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^s3ferry: [^\n]*MEGFILE_S3_MAX_RETRY_TIMES[^\n]*\nS3FerryError: /);
    assert.match(result.stderr, /\n {4}at /);
    const afterCommand = s3ferry(home, ['config', 'show', '--debug'], env);
    assert.match(afterCommand.stderr, /\n {4}at /, '--debug also works after the command');
  });

  it('reports an unknown profile in one line naming it, exit 2', () => {
    const home = freshHome();
    s3ferry(home, ['config', 's3', ACCESS_KEY, SECRET]);
    assertOneLineError(s3ferry(home, ['config', 'show', '-n', 'nope']), /profile "?nope"?/i);
  });

  it('accepts a config flag and shows it as the source', () => {
    const home = freshHome();
    const obj = showJson(home, ['--max-retry-times', '3'], {
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET,
      MEGFILE_S3_MAX_RETRY_TIMES: '7',
    });
    assert.equal(obj['maxRetryTimes'], 3);
  });

  it('a bad region is a configuration error naming the variable (exit 2), for every command', () => {
    const home = freshHome();
    for (const region of ['us east 1', '../x', '   ']) {
      for (const args of [
        ['ls', 's3://bucket/'],
        ['sync', 's3://bucket/', path.join(home, 'out')],
        ['config', 'show'],
      ]) {
        const r = s3ferry(home, args, {
          AWS_REGION: region,
          AWS_ACCESS_KEY_ID: ACCESS_KEY,
          AWS_SECRET_ACCESS_KEY: SECRET,
        });
        assertOneLineError(
          r,
          new RegExp(
            `^s3ferry: Invalid AWS_REGION: expected a region name \\(letters, digits, "-", "_" or "\\."; e\\.g\\. us-east-1\\), got "${region.replaceAll('.', '\\.')}"\\n$`,
          ),
        );
      }
    }
  });

  it('a repeated [section] in the credentials file is an error naming the file and both lines', () => {
    const home = freshHome();
    fs.mkdirSync(path.join(home, '.aws'), { recursive: true });
    fs.writeFileSync(
      path.join(home, '.aws', 'credentials'),
      `[p1]\naws_access_key_id: ${ACCESS_KEY}\naws_secret_access_key: ${SECRET}\n[p1]\nregion = eu-west-1\n`,
    );
    const r = s3ferry(home, ['config', 'show', '-n', 'p1']);
    assertOneLineError(
      r,
      /^s3ferry: ~\/\.aws\/credentials:4: the section \[p1\] repeats the one at line 1/,
    );
  });

  it('prints help with the exit-code table and the version, exit 0', () => {
    const home = freshHome();
    const help = s3ferry(home, ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: s3ferry/);
    assert.match(help.stdout, /Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 .*\n {2}130 /);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    assert.deepEqual(s3ferry(home, ['--version']), {
      code: 0,
      stdout: `${pkg.version}\n`,
      stderr: '',
    });
  });

  it('never printed a secret or a session token in any command run by this suite', () => {
    assert.ok(outputs.length >= 2);
    for (const text of outputs) {
      for (const secret of [SECRET, TOKEN, SECRET2]) assert.equal(text.includes(secret), false);
    }
  });
});
