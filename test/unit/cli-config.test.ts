// The `config` commands run in-process through runCli with a fake config layer: output lines,
// exit codes, masking, and that secrets never reach stdout or stderr.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../src/cli/program.ts';
import type { CliDeps, LoadedConfig } from '../../src/cli/context.ts';
import { configError } from '../../src/shared/errors.ts';
import type { GlobalSettings, ProfileSpec } from '../../src/shared/profile.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

const SECRET = 'Sekr3t/Value+Never+Printed0123456789';
const TOKEN = 'T0ken-Never-Printed-abcdefghijklmnop';
const home = fs.mkdtempSync(path.join(os.tmpdir(), 's3ferry-cli-config-'));
after(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

function spec(overrides: Partial<ProfileSpec> = {}): ProfileSpec {
  return makeSpec({
    name: 'p1',
    envPrefix: 'P1__',
    endpointUrl: 'http://127.0.0.1:7480',
    credentials: {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: SECRET,
      sessionToken: TOKEN,
    },
    maxRetryTimes: 10,
    credentialsFile: path.join(home, '.aws', 'credentials'),
    configFile: path.join(home, '.aws', 'config'),
    sources: {
      endpointUrl: { kind: 'env', name: 'P1__OSS_ENDPOINT' },
      credentials: {
        kind: 'file',
        path: path.join(home, '.aws', 'credentials'),
        section: 'p1',
        key: 'aws_access_key_id',
      },
      sessionToken: { kind: 'env', name: 'P1__AWS_SESSION_TOKEN' },
      region: { kind: 'default' },
    },
    ...overrides,
  });
}

const GLOBAL: GlobalSettings = {
  clientCacheMode: 'thread_local',
  sources: { clientCacheMode: { kind: 'default' } },
};

type Run = { code: number; out: string; err: string };
const allOutput: string[] = [];

async function run(argv: string[], config: Partial<LoadedConfig> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const loaded: LoadedConfig = {
    profile: (name) => (name === undefined || name === 'p1' ? spec() : spec({ name })),
    global: () => GLOBAL,
    credentialsFile: path.join(home, '.aws', 'credentials'),
    configFile: path.join(home, '.aws', 'config'),
    ...config,
  };
  const deps: CliDeps = {
    loadConfig: () => loaded,
    defaultCredentialsPath: () => path.join(home, '.aws', 'credentials'),
    homeDir: home,
    version: '9.9.9',
  };
  const code = await runCli(
    argv,
    { writeOut: (t) => (out += t), writeErr: (t) => (err += t) },
    deps,
  );
  allOutput.push(out, err);
  return { code, out, err };
}

describe('s3ferry config s3 (in process)', () => {
  it('saves the profile and prints one line naming it and the file, never the secret', async () => {
    const r = await run(['config', 's3', 'AKIAEXAMPLEKEY', SECRET, '-st', TOKEN, '-n', 'p1']);
    const file = path.join(home, '.aws', 'credentials');
    assert.deepEqual(r, { code: 0, out: `Saved profile p1 to ${file}\n`, err: '' });
    assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`aws_session_token = ${TOKEN}\n`));
  });

  it('accepts megfile flags -e, -as, -n, -p and writes the s3 block', async () => {
    const file = path.join(home, 'elsewhere', 'creds');
    const r = await run([
      'config',
      's3',
      'AK1234567890',
      SECRET,
      '-e',
      'http://h:9000',
      '-as',
      'virtual',
      '-n',
      'p2',
      '-p',
      file,
    ]);
    assert.equal(r.code, 0);
    assert.equal(
      fs.readFileSync(file, 'utf8'),
      `[p2]\naws_access_key_id = AK1234567890\naws_secret_access_key = ${SECRET}\n\n` +
        's3 =\n    endpoint_url = http://h:9000\n    addressing_style = virtual\n',
    );
  });

  it('expands ~ in --path against the home directory', async () => {
    const r = await run(['config', 's3', 'AK', SECRET, '--path', '~/tilde/creds']);
    assert.equal(r.code, 0);
    assert.ok(fs.existsSync(path.join(home, 'tilde', 'creds')));
  });

  it('refuses an existing profile with --no-cover: exit 2, one line, file unchanged', async () => {
    const file = path.join(home, 'nocover');
    fs.writeFileSync(file, '[p1]\nregion = x\n');
    const r = await run(['config', 's3', 'AK', SECRET, '-n', 'p1', '-p', file, '--no-cover']);
    assert.deepEqual(r, {
      code: 2,
      out: '',
      err: `s3ferry: Profile [p1] already exists in ${file}; not changed (--no-cover)\n`,
    });
    assert.equal(fs.readFileSync(file, 'utf8'), '[p1]\nregion = x\n');
  });

  it('rejects a bad addressing style or endpoint with one line and exit 2', async () => {
    const style = await run(['config', 's3', 'AK', SECRET, '-as', 'sideways']);
    assert.equal(style.code, 2);
    assert.match(
      style.err,
      /^s3ferry: option .*--addressing-style <style>' argument 'sideways' is invalid\. Allowed choices are path, virtual, auto\. \(see --help\)\n$/,
    );
    const endpoint = await run(['config', 's3', 'AK', SECRET, '-e', 'localhost:9000']);
    assert.deepEqual(endpoint, {
      code: 2,
      out: '',
      err: "s3ferry: Expected the endpoint URL to be an http:// or https:// URL, got 'localhost:9000'\n",
    });
  });

  it('reports a missing SECRET_KEY as a usage error, exit 2', async () => {
    const r = await run(['config', 's3', 'AK']);
    assert.equal(r.code, 2);
    assert.equal(r.err, "s3ferry: missing required argument 'SECRET_KEY' (see --help)\n");
  });
});

describe('s3ferry config show (in process)', () => {
  it('prints one line per setting with its source, the key masked and secrets only as "set"', async () => {
    const r = await run(['config', 'show']);
    assert.equal(r.code, 0);
    const lines = r.out.trimEnd().split('\n');
    const line = (name: string): string => lines.find((l) => l.startsWith(`${name} `)) ?? '';
    assert.match(line('endpointUrl'), /http:\/\/127\.0\.0\.1:7480 +\(env P1__OSS_ENDPOINT\)$/);
    assert.match(
      line('accessKeyId'),
      /AKIA…MPLE +\(file ~\/\.aws\/credentials \[p1\] aws_access_key_id\)$/,
    );
    assert.match(
      line('secretAccessKey'),
      /^secretAccessKey +set +\(file ~\/\.aws\/credentials \[p1\] aws_access_key_id\)$/,
    );
    assert.match(line('sessionToken'), /^sessionToken +set +\(env P1__AWS_SESSION_TOKEN\)$/);
    assert.match(line('region'), /us-east-1 +\(default\)$/);
    assert.match(line('clientCacheMode'), /thread_local +\(default\)$/);
  });

  it('prints one JSON object whose first keys are the documented ones', async () => {
    const r = await run(['config', 'show', '--json']);
    assert.equal(r.code, 0);
    const obj = JSON.parse(r.out) as Record<string, unknown>;
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
    assert.equal(obj['accessKeyId'], 'AKIA…MPLE');
    assert.equal(obj['endpointSource'], 'env P1__OSS_ENDPOINT');
    assert.equal(
      obj['credentialsSource'],
      `file ${path.join(home, '.aws', 'credentials')} [p1] aws_access_key_id`,
    );
    assert.equal(obj['hasSessionToken'], true);
  });

  it('shows the SDK default credential chain when the profile has no static keys', async () => {
    const r = await run(['config', 'show', '--json'], {
      profile: () => spec({ credentials: undefined, sources: {} }),
    });
    const obj = JSON.parse(r.out) as Record<string, unknown>;
    assert.equal(obj['accessKeyId'], null);
    assert.equal(obj['credentialsSource'], 'SDK default credential chain');
    assert.equal(obj['hasSecretAccessKey'], false);
  });

  it('passes the profile name through and reports an unknown profile in one line, exit 2', async () => {
    const r = await run(['config', 'show', '-n', 'nope'], {
      profile: (name) => {
        throw configError(`Unknown profile '${String(name)}'`, 'define [nope]');
      },
    });
    assert.deepEqual(r, {
      code: 2,
      out: '',
      err: "s3ferry: Unknown profile 'nope'. Hint: define [nope]\n",
    });
  });

  it('rejects an invalid profile name before resolving anything, exit 2', async () => {
    const r = await run(['config', 'show', '-n', 'bad name']);
    assert.deepEqual(r, {
      code: 2,
      out: '',
      err: "s3ferry: Expected the profile name to use only letters, digits, '_', '-' and '.', got 'bad name'\n",
    });
  });

  it('blanks a secret even if a bug puts it into an error message', async () => {
    const r = await run(['config', 'show'], {
      global: () => {
        throw new Error(`bug leaking ${SECRET}`);
      },
    });
    assert.equal(r.code, 3);
    assert.equal(
      r.err,
      's3ferry: internal error: bug leaking **** (run with --debug for details)\n',
    );
  });
});

describe('s3ferry (in process)', () => {
  it('prints the exit-code table in the main help and exits 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.match(
      r.out,
      /Exit codes:\n {2}0 +everything asked for was done\n(.*\n){3} {2}130 +interrupted/,
    );
  });

  it('lists config s3 options with megfile short flags and defaults in its help', async () => {
    const r = await run(['config', 's3', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /-st, --session-token <token>/);
    assert.match(
      r.out,
      /-as, --addressing-style <style>.*\(choices:\s+"path",\s+"virtual",\s+"auto"\)/s,
    );
    assert.match(r.out, /-n, --profile-name <name>.*\(default:\s+"default"\)/s);
    assert.match(r.out, /--debug/);
  });

  it('prints the version', async () => {
    assert.deepEqual(await run(['--version']), { code: 0, out: '9.9.9\n', err: '' });
  });

  it('shows help on stderr and exits 2 when no command is given', async () => {
    const r = await run(['config']);
    assert.equal(r.code, 2);
    assert.match(r.err, /Usage: s3ferry config/);
  });

  it('never printed a secret or token in any run of this file', () => {
    for (const text of allOutput) {
      assert.equal(text.includes(SECRET), false);
      assert.equal(text.includes(TOKEN), false);
    }
  });
});
