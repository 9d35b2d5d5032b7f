// How settings are shown in messages, hints and `config show`: masked access keys, `~` paths and
// where a setting came from. Pure apart from the os.homedir() default. Secrets and tokens have no
// formatter on purpose: they are never shown, only whether they are set.
import * as os from 'node:os';
import * as path from 'node:path';
import type { SettingSource } from './profile.ts';

/**
 * Masks an access key id to its first and last 4 characters, like megfile's
 * `s3_access_key_masked`. Keys of 8 characters or fewer are masked entirely, as a fixed
 * `********` so that the mask does not reveal their length either.
 * @example maskAccessKey('AKIAIOSFODNN7EXAMPLE') // 'AKIA…MPLE'
 */
export function maskAccessKey(accessKeyId: string): string {
  if (accessKeyId.length <= 8) return '********';
  return `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
}

/** JSON's short escapes, for the control characters that have one. */
const SHORT_ESCAPES: Record<string, string> = {
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\f': '\\f',
  '\r': '\\r',
};

const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|\p{Surrogate}/gu;

/**
 * Text with its control characters escaped as in JSON (`\u001b`, `\n`…), and the bidirectional
 * overrides that reorder what a terminal shows and lone surrogates: keys and server messages are
 * printed, and a key like `\x1b]0;…\x07` would otherwise drive the user's terminal (an
 * escape-sequence injection). Quotes and backslashes are kept as they are, so ordinary keys
 * (Windows-style `dir\file` ones included) print unchanged. The one escaping helper of every
 * printed key, path and message (`ls`, `stat`, `rm`, `check`, `sync -v`, error and warning lines).
 * @example printable('a\u001b[2Jb') // 'a\\u001b[2Jb'
 */
export function printable(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Masks the password of a URL's userinfo (`http://user:pass@host` → `http://user:***@host`),
 * wherever URLs appear in `text`: an endpoint may carry one, and no output may show it.
 * @example maskUrlPassword('http://ak:s3cret@minio:9000') // 'http://ak:***@minio:9000'
 */
export function maskUrlPassword(text: string): string {
  // The password runs to the last `@` of the authority, as URL parsers read `u:p@ss@host`.
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#]*@/gi, '$1:***@');
}

/**
 * Shows a path under `homeDir` as `~/…`, as users write it; other paths unchanged.
 * A home of `''` or `/` abbreviates nothing (every path would start with it).
 * @example displayPath('/home/u/.aws/config', '/home/u') // '~/.aws/config'
 */
export function displayPath(filePath: string, homeDir: string = os.homedir()): string {
  const home = homeDir.endsWith(path.sep) ? homeDir.slice(0, -1) : homeDir;
  if (home === '') return filePath;
  if (filePath === home) return '~';
  return filePath.startsWith(home + path.sep) ? `~${filePath.slice(home.length)}` : filePath;
}

/**
 * Where one setting came from, in words that fit `check …` / `set by …` in errors and hints:
 * `PROFILE1__OSS_ENDPOINT`, `the --max-retry-times flag`,
 * `s3.endpoint_url in [profile p1] of ~/.aws/config`, `the default`,
 * `the AWS SDK's default credential chain`. File paths are shown with {@link displayPath}.
 */
export function describeSource(source: SettingSource, homeDir?: string): string {
  switch (source.kind) {
    case 'env':
      return source.name;
    case 'flag':
      return `the ${source.name.startsWith('-') ? source.name : `--${source.name}`} flag`;
    case 'file':
      return `${source.key} in [${source.section}] of ${displayPath(source.path, homeDir)}`;
    case 'default':
      return 'the default';
    case 'sdk-chain':
      return "the AWS SDK's default credential chain";
  }
}

/** Expands a leading `~` or `~/` against `homeDir` (as shells and botocore do); others unchanged. */
export function expandHome(filePath: string, homeDir: string = os.homedir()): string {
  if (filePath === '~') return homeDir;
  if (filePath.startsWith('~/')) return path.join(homeDir, filePath.slice(2));
  return filePath;
}

/**
 * `n` with its thousands grouped by commas, as `toLocaleString('en-US')` writes it (at most
 * three decimals), without Intl: its first use costs a process 11–23 ms of CPU to load the
 * locale data, which every run paid for its summary line.
 * @example formatCount(1234567) // '1,234,567'
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return n.toLocaleString('en-US');
  const rounded = Math.round(Math.abs(n) * 1000) / 1000;
  const [whole = '0', fraction] = String(rounded).split('.');
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}
