// The built CLI (`node dist/src/cli/main.js`, no loader) in a child process, for end-to-end
// tests: a controlled environment (temp HOME, nothing of the outer S3 settings, profiles in a
// temp megfile-format credentials file), the output and exit code of a run, and a scan of that
// output for secrets (every run is scanned for the secret keys and tokens it was given).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestUser } from './targets.ts';

function repoRoot(): string {
  // Works from test/helpers (tsx) and from dist/test/helpers (compiled): the first package.json up.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the test helpers');
    dir = parent;
  }
  return dir;
}

/** The repository's root directory (where package.json is). */
export const REPO_ROOT = repoRoot();

/** The built CLI's entry point. */
export const CLI_MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** Fails the test with a hint when the CLI has not been built. */
export function assertBuilt(): void {
  assert.ok(
    existsSync(CLI_MAIN),
    `${CLI_MAIN} is missing: build first (npx tsc -p tsconfig.build.json)`,
  );
}

/**
 * The outer environment minus everything that configures S3 (AWS_*, MEGFILE_*, OSS_*, the
 * runner's S3FERRY_* and profile-prefixed `*__AWS_*`; this machine exports AWS_CA_BUNDLE), plus
 * `extra`.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AWS_|MEGFILE_|OSS_|S3FERRY_)/.test(key) || /__(AWS_|OSS_|MEGFILE_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** A profile of a credentials file: an endpoint (path style) and static keys. */
export type CliProfile = { endpoint: string; user: TestUser };

/**
 * A controlled environment for the CLI: HOME is `home`, whose `credentials` file (megfile format,
 * mode 0600) holds `profiles` and is AWS_SHARED_CREDENTIALS_FILE; then `extra` variables.
 */
export function cliEnv(
  home: string,
  profiles: Record<string, CliProfile>,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const file = join(home, 'credentials');
  const text = Object.entries(profiles)
    .map(
      ([name, p]) =>
        `[${name}]\naws_access_key_id = ${p.user.accessKeyId}\n` +
        `aws_secret_access_key = ${p.user.secretAccessKey}\n` +
        `s3 =\n    endpoint_url = ${p.endpoint}\n    addressing_style = path\n`,
    )
    .join('\n');
  writeFileSync(file, text, { mode: 0o600 });
  return cleanEnv({ HOME: home, AWS_SHARED_CREDENTIALS_FILE: file, ...extra });
}

/**
 * The secrets a run could leak: secret keys and session tokens in `env` and in the credentials file
 * it points at. Every CLI run of the suite is scanned for them (credentials never appear in output).
 */
export function secretsOf(env: NodeJS.ProcessEnv): string[] {
  const secrets = Object.entries(env)
    .filter(([name, value]) => /(SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(name) && value)
    .map(([, value]) => value!);
  const file = env['AWS_SHARED_CREDENTIALS_FILE'];
  if (file !== undefined && existsSync(file)) {
    for (const match of readFileSync(file, 'utf8').matchAll(
      /^\s*(?:aws_secret_access_key|aws_session_token)\s*=\s*(\S+)\s*$/gm,
    )) {
      secrets.push(match[1]!);
    }
  }
  return secrets;
}

/** Fails when any of `secrets` appears in the output of `s3ferry <args>`. */
export function assertNoSecrets(
  output: { stdout: string; stderr: string },
  secrets: Iterable<string>,
  args: readonly string[],
): void {
  for (const secret of secrets) {
    assert.ok(!output.stdout.includes(secret), `a secret key in stdout of ${args.join(' ')}`);
    assert.ok(!output.stderr.includes(secret), `a secret key in stderr of ${args.join(' ')}`);
  }
}

/** How a CLI run ended and what it printed. */
export type CliResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stdout as bytes (for binary output such as `cat`). */
  stdoutBytes: Buffer;
  stderr: string;
};

/** A running CLI: its output so far, a way to wait for a line, and its end. */
export type RunningCli = {
  child: ReturnType<typeof spawn>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in the stream (checked as output arrives). */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
};

/** Options of {@link startCli}. */
export type StartCliOptions = {
  /** Rejects `done` when any of these appears in the output (read when the run ends). */
  secrets?: Iterable<string>;
  /** Run this argv instead of `node <CLI_MAIN> ...args` (e.g. the CLI under script(1)). */
  command?: string[];
};

/** Starts `node <CLI_MAIN> ...args` with exactly `env`, stdin closed, stdout/stderr captured. */
export function startCli(
  env: NodeJS.ProcessEnv,
  args: string[],
  options: StartCliOptions = {},
): RunningCli {
  assertBuilt();
  const secrets = [...(options.secrets ?? []), ...secretsOf(env)];
  const argv = options.command ?? [process.execPath, CLI_MAIN, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const text = (stream: 'stdout' | 'stderr'): string =>
    Buffer.concat(chunks[stream]).toString('utf8');
  const waiters: {
    stream: 'stdout' | 'stderr';
    pattern: RegExp;
    resolve: (m: RegExpMatchArray) => void;
  }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      const match = text(w.stream).match(w.pattern);
      if (match !== null) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(match);
      }
    }
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (chunk: Buffer) => {
      chunks[stream].push(chunk);
      check();
    });
  }
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const stdoutBytes = Buffer.concat(chunks.stdout);
      const result = {
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stdoutBytes,
        stderr: text('stderr'),
      };
      try {
        assertNoSecrets(result, secrets, args);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      resolve(result);
    });
  });
  return {
    child,
    stdout: () => text('stdout'),
    stderr: () => text('stderr'),
    waitFor: (stream, pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ stream, pattern, resolve });
        check();
        void done.then(
          () => {
            reject(
              new Error(`exited before ${stream} matched ${String(pattern)}:\n${text(stream)}`),
            );
          },
          () => undefined,
        );
      }),
    done,
  };
}

/** Runs `node <CLI_MAIN> ...args` to its end (see {@link startCli}). */
export function runCli(
  env: NodeJS.ProcessEnv,
  args: string[],
  options: StartCliOptions = {},
): Promise<CliResult> {
  return startCli(env, args, options).done;
}
