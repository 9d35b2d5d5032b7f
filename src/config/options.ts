// The option table: every configuration setting declared once (env vars, file keys, CLI flag,
// default, parser, help). Resolution, CLI flag registration and the README table derive from it.
import type { AddressingStyle, ChecksumPolicy, ClientCacheMode } from '../shared/profile.ts';
import { STORAGE_CLASS_NAME } from '../shared/object-settings.ts';

/** The typed value of every option, keyed by option id. */
export type OptionValues = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  endpointUrl: string;
  region: string;
  addressingStyle: AddressingStyle;
  maxRetryTimes: number;
  connectTimeout: number;
  timeout: number;
  verify: boolean;
  redirect: boolean;
  caBundle: string;
  storageClass: string;
  requestChecksumCalculation: ChecksumPolicy;
  responseChecksumValidation: ChecksumPolicy;
  clientCacheMode: ClientCacheMode;
};

/** Identifies an option; also the key of CLI flag values in `ConfigInputs.flags`. */
export type OptionId = keyof OptionValues;

/**
 * How an option is scoped:
 * - `server`: describes one server/account (keys, endpoint, region, TLS). Read per profile; a
 *   named profile reads only its `NAME__` variables, never the un-prefixed ones.
 * - `client`: how s3ferry talks to any server (retries, checksums). Per profile: `NAME__VAR`
 *   first, then the un-prefixed `VAR` applies to every profile; the CLI flag applies to all.
 * - `global`: process-wide, never prefixed.
 */
export type OptionScope = 'server' | 'client' | 'global';

/** Outcome of parsing one raw string; `expected` describes the accepted form for errors. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; expected: string };

/** What a computed default may depend on. */
export type DefaultContext = { endpointUrl: string | undefined };

/** One row of the option table. */
export type OptionSpec<K extends OptionId = OptionId> = {
  readonly id: K;
  /** Short human name for docs and `config show`. */
  readonly title: string;
  readonly scope: OptionScope;
  /** Environment variable names in precedence order (without any `NAME__` prefix). */
  readonly env: readonly string[];
  /** Keys in the profile's ini section, in precedence order; `s3.x` = `x` inside the `s3 =` block. */
  readonly fileKeys: readonly string[];
  /** CLI flag, for `client`/`global` options only (a flag applies to every profile). */
  readonly flag?: { readonly name: string; readonly placeholder: string };
  /** Values that must never be echoed in messages (keys, secrets, tokens). */
  readonly sensitive: boolean;
  /** Undefined: the setting stays unset (e.g. no endpoint = AWS's own). */
  readonly default?: OptionValues[K] | ((context: DefaultContext) => OptionValues[K]);
  /** The default, as the docs and `--help` show it. */
  readonly defaultText: string;
  /** Allowed values, when the option is an enumeration. */
  readonly choices?: readonly string[];
  /**
   * A variable of only blanks is a value (and so an error), not "unset" as for other options:
   * botocore refuses a blank region, and falling back to us-east-1 would hide the mistake.
   * An empty variable is still unset.
   */
  readonly isBlankAValue?: boolean;
  readonly parse: (raw: string) => ParseResult<OptionValues[K]>;
  readonly help: string;
};

const BOOLEAN_WORDS = 'true, false, yes, no, 1 or 0';

function parseText(raw: string): ParseResult<string> {
  return { ok: true, value: raw.trim() };
}

function parseBoolean(raw: string): ParseResult<boolean> {
  const word = raw.trim().toLowerCase();
  if (word === 'true' || word === 'yes' || word === '1') return { ok: true, value: true };
  if (word === 'false' || word === 'no' || word === '0') return { ok: true, value: false };
  // megfile reads every unknown word as false; a typo must not silently disable TLS checks.
  return { ok: false, expected: BOOLEAN_WORDS };
}

/**
 * Retries of one request: each waits up to 20 s (the backoff cap), so 1,000 already keeps one
 * request going for hours; a larger number is a typo. Generous on purpose: the variable is shared
 * with megfile, whose N counts tries of 5 SDK attempts each.
 */
export const MAX_RETRY_TIMES = 1000;

function parseRetryTimes(raw: string): ParseResult<number> {
  const text = raw.trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > MAX_RETRY_TIMES) {
    return { ok: false, expected: `a whole number from 0 to ${MAX_RETRY_TIMES}` };
  }
  return { ok: true, value };
}

/** Longest timeout accepted, in seconds: a day. Anything longer is a typo. */
const MAX_TIMEOUT_SECONDS = 86_400;

const TIMEOUT_UNITS_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * A timeout in seconds (fractions allowed): a number with a unit (`500ms`, `30s`, `2m`,
 * `1m30s`), or a bare number of seconds as the aws CLI's `cli_connect_timeout` and
 * `cli_read_timeout` take it. `0` turns the timeout off.
 */
export function parseTimeout(raw: string): ParseResult<number> {
  const text = raw.trim();
  const expected = 'a duration such as 500ms, 30s, 2m or 1m30s (a bare number is seconds; 0 = off)';
  let seconds: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    seconds = Number(text);
  } else if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) {
    seconds = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
      seconds += Number(amount) * (TIMEOUT_UNITS_SECONDS[unit ?? ''] ?? Number.NaN);
    }
  } else {
    return { ok: false, expected };
  }
  // Whole milliseconds: what the timers take.
  const value = Math.round(seconds * 1000) / 1000;
  if (!Number.isFinite(value) || value > MAX_TIMEOUT_SECONDS) {
    return { ok: false, expected: `${expected}, at most 24h` };
  }
  return { ok: true, value };
}

/**
 * A region name: AWS's (`us-east-1`) or an S3-compatible server's own (Ceph zonegroups such as
 * `default`, MinIO's `us-east-1`): letters, digits, `-`, `_`, `.`. Anything else (spaces, `/`,
 * an empty value) would only fail later, at signing, as an opaque error on every request.
 */
function parseRegion(raw: string): ParseResult<string> {
  const text = raw.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(text)) {
    return {
      ok: false,
      expected: 'a region name (letters, digits, "-", "_" or "."; e.g. us-east-1)',
    };
  }
  return { ok: true, value: text };
}

function parseStorageClass(raw: string): ParseResult<string> {
  const text = raw.trim();
  if (!STORAGE_CLASS_NAME.test(text)) {
    return {
      ok: false,
      expected: 'a storage class name in capitals (e.g. STANDARD_IA, GLACIER_IR)',
    };
  }
  return { ok: true, value: text };
}

function parseHttpUrl(raw: string): ParseResult<string> {
  const text = raw.trim();
  const expected = 'an http:// or https:// URL';
  if (!URL.canParse(text)) return { ok: false, expected };
  const url = new URL(text);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return { ok: false, expected };
  }
  return { ok: true, value: text };
}

/** Joins words as `a, b or c`. */
export function formatAlternatives(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

function choiceParser<T extends string>(choices: readonly T[]): (raw: string) => ParseResult<T> {
  return (raw) => {
    const word = raw.trim().toLowerCase();
    const match = choices.find((choice) => choice === word);
    return match === undefined
      ? { ok: false, expected: formatAlternatives(choices) }
      : { ok: true, value: match };
  };
}

const ADDRESSING_STYLES = ['path', 'virtual', 'auto'] as const satisfies readonly AddressingStyle[];
const CHECKSUM_POLICIES = [
  'when_required',
  'when_supported',
] as const satisfies readonly ChecksumPolicy[];
const CACHE_MODES = ['thread_local', 'process_local'] as const satisfies readonly ClientCacheMode[];

/**
 * The option table. Order is the order of the README table and of `config show`.
 * Flags exist only for settings that are not tied to one server (a flag applies to every
 * profile): endpoint, addressing style, region and TLS differ per server, and credentials on
 * the command line would be visible to other users in `ps`.
 */
export const OPTIONS: { readonly [K in OptionId]: OptionSpec<K> } = {
  accessKeyId: {
    id: 'accessKeyId',
    title: 'Access key',
    scope: 'server',
    env: ['AWS_ACCESS_KEY_ID'],
    fileKeys: ['aws_access_key_id'],
    sensitive: true,
    defaultText: "the SDK's default credential chain",
    parse: parseText,
    help: 'Static access key. With no access key and secret key anywhere, the SDK default chain (instance/container role, SSO, credential_process) is used.',
  },
  secretAccessKey: {
    id: 'secretAccessKey',
    title: 'Secret key',
    scope: 'server',
    env: ['AWS_SECRET_ACCESS_KEY'],
    fileKeys: ['aws_secret_access_key'],
    sensitive: true,
    defaultText: "the SDK's default credential chain",
    parse: parseText,
    help: 'Static secret key; required whenever an access key is given (and vice versa). Never printed.',
  },
  sessionToken: {
    id: 'sessionToken',
    title: 'Session token',
    scope: 'server',
    env: ['AWS_SESSION_TOKEN'],
    fileKeys: ['aws_session_token'],
    sensitive: true,
    defaultText: 'none',
    parse: parseText,
    help: 'Session token for temporary keys; read only from the level (variable or file) that supplied the keys, or a higher one. Never printed.',
  },
  endpointUrl: {
    id: 'endpointUrl',
    title: 'Endpoint URL',
    scope: 'server',
    env: ['OSS_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'],
    fileKeys: ['s3.endpoint_url', 'endpoint_url'],
    sensitive: false,
    defaultText: "AWS's endpoint for the region",
    parse: parseHttpUrl,
    help: 'S3 endpoint (http:// or https:// URL). Variables in the order listed; in the files `s3 = endpoint_url` beats the top-level ("global") `endpoint_url`.',
  },
  region: {
    id: 'region',
    title: 'Region',
    scope: 'server',
    env: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    fileKeys: ['region'],
    sensitive: false,
    default: 'us-east-1',
    defaultText: '`us-east-1`',
    isBlankAValue: true,
    parse: parseRegion,
    help: 'Signing region: 1 to 64 letters, digits, `-`, `_` or `.` (AWS names such as `eu-west-1`, and Ceph/MinIO ones such as `default` or `zonegroup1`); blank is an error.',
  },
  addressingStyle: {
    id: 'addressingStyle',
    title: 'Addressing style',
    scope: 'server',
    env: ['AWS_S3_ADDRESSING_STYLE'],
    fileKeys: ['s3.addressing_style'],
    sensitive: false,
    // S3-compatible servers on an IP or a single host name rarely resolve bucket subdomains;
    // AWS itself prefers virtual-hosted style, which the SDK's `auto` picks.
    default: ({ endpointUrl }) => (endpointUrl === undefined ? 'auto' : 'path'),
    defaultText: '`path` when an endpoint is set, else `auto`',
    choices: ADDRESSING_STYLES,
    parse: choiceParser(ADDRESSING_STYLES),
    help: '`path` (https://host/bucket/key), `virtual` (https://bucket.host/key) or `auto` (virtual when the bucket name allows it).',
  },
  maxRetryTimes: {
    id: 'maxRetryTimes',
    title: 'Max retries',
    scope: 'client',
    env: ['MEGFILE_S3_MAX_RETRY_TIMES', 'MEGFILE_MAX_RETRY_TIMES'],
    fileKeys: [],
    flag: { name: '--max-retry-times', placeholder: 'N' },
    sensitive: false,
    default: 10,
    defaultText: '`10`',
    parse: parseRetryTimes,
    help: 'Retries of a failed request after its first attempt (one budget, not multiplied by SDK retries); 0 to 1000.',
  },
  connectTimeout: {
    id: 'connectTimeout',
    title: 'Connect timeout',
    scope: 'client',
    env: ['S3FERRY_CONNECT_TIMEOUT'],
    fileKeys: ['cli_connect_timeout'],
    flag: { name: '--connect-timeout', placeholder: 'DURATION' },
    sensitive: false,
    // megfile's (botocore's connect_timeout = 5).
    default: 5,
    defaultText: '`5s`',
    parse: parseTimeout,
    help: 'Longest wait for a TCP/TLS connection to the endpoint (`500ms`, `5s`, `1m`; a bare number is seconds, as the aws CLI reads `cli_connect_timeout`; `0` = none). Retried like any network error.',
  },
  timeout: {
    id: 'timeout',
    title: 'Idle timeout',
    scope: 'client',
    env: ['S3FERRY_TIMEOUT'],
    fileKeys: ['cli_read_timeout'],
    flag: { name: '--timeout', placeholder: 'DURATION' },
    sensitive: false,
    // botocore's read_timeout, which megfile keeps.
    default: 60,
    defaultText: '`60s`',
    parse: parseTimeout,
    help: 'Longest time no byte moves on a request: the wait for the first byte of an answer, and any stall in a body sent or received (`30s`, `2m`; a bare number is seconds, as `cli_read_timeout`; `0` = none). A timed-out request is retried; the last failure names the endpoint.',
  },
  verify: {
    id: 'verify',
    title: 'Verify TLS',
    scope: 'server',
    env: ['AWS_S3_VERIFY'],
    fileKeys: ['s3.verify'],
    sensitive: false,
    default: true,
    defaultText: '`true`',
    parse: parseBoolean,
    help: `Verify the server's TLS certificate (${BOOLEAN_WORDS}, any case).`,
  },
  redirect: {
    id: 'redirect',
    title: 'Follow redirects',
    scope: 'server',
    env: ['AWS_S3_REDIRECT'],
    fileKeys: ['s3.redirect'],
    sensitive: false,
    default: false,
    defaultText: '`false`',
    parse: parseBoolean,
    help: `Follow HTTP redirects, for GET requests only (${BOOLEAN_WORDS}, any case).`,
  },
  caBundle: {
    id: 'caBundle',
    title: 'CA bundle',
    scope: 'server',
    env: ['AWS_CA_BUNDLE'],
    fileKeys: ['ca_bundle'],
    sensitive: false,
    defaultText: "Node's built-in CAs",
    parse: parseText,
    help: 'Path of a PEM file of extra trusted certificate authorities.',
  },
  storageClass: {
    id: 'storageClass',
    title: 'Storage class',
    scope: 'server',
    env: ['S3FERRY_STORAGE_CLASS'],
    fileKeys: ['s3.storage_class'],
    sensitive: false,
    defaultText: "the bucket's default",
    parse: parseStorageClass,
    help: 'Storage class of the objects s3ferry writes to this profile, passed as given (providers name their classes: `STANDARD_IA`, `GLACIER_IR`, …); `--storage-class` wins.',
  },
  requestChecksumCalculation: {
    id: 'requestChecksumCalculation',
    title: 'Request checksums',
    scope: 'client',
    env: ['AWS_REQUEST_CHECKSUM_CALCULATION'],
    fileKeys: ['request_checksum_calculation'],
    flag: { name: '--request-checksum-calculation', placeholder: 'WHEN' },
    sensitive: false,
    // Ceph RGW 16 refuses the SDK's default streamed (aws-chunked) checksums with 411;
    // megfile also sends checksums only when required.
    default: 'when_required',
    defaultText: '`when_required`',
    choices: CHECKSUM_POLICIES,
    parse: choiceParser(CHECKSUM_POLICIES),
    help: '`when_required` or `when_supported` (any case): when uploads carry a checksum. `when_supported` breaks on Ceph RGW 16.',
  },
  responseChecksumValidation: {
    id: 'responseChecksumValidation',
    title: 'Response checksums',
    scope: 'client',
    env: ['AWS_RESPONSE_CHECKSUM_VALIDATION'],
    fileKeys: ['response_checksum_validation'],
    flag: { name: '--response-checksum-validation', placeholder: 'WHEN' },
    sensitive: false,
    default: 'when_required',
    defaultText: '`when_required`',
    choices: CHECKSUM_POLICIES,
    parse: choiceParser(CHECKSUM_POLICIES),
    help: '`when_required` or `when_supported` (any case): when downloads validate a returned checksum.',
  },
  clientCacheMode: {
    id: 'clientCacheMode',
    title: 'Client cache mode',
    scope: 'global',
    env: ['MEGFILE_S3_CLIENT_CACHE_MODE'],
    fileKeys: [],
    flag: { name: '--client-cache-mode', placeholder: 'MODE' },
    sensitive: false,
    default: 'thread_local',
    defaultText: '`thread_local`',
    choices: CACHE_MODES,
    parse: choiceParser(CACHE_MODES),
    help: '`thread_local` (one client per worker thread and profile) or `process_local` (one per profile for the whole process). Never prefixed.',
  },
};

/** Every option, in table order. */
export const OPTION_LIST: readonly OptionSpec[] = Object.values(OPTIONS);

/** Options resolved per profile (everything except `global` ones), in table order. */
export const PROFILE_OPTIONS: readonly OptionSpec[] = OPTION_LIST.filter(
  (option) => option.scope !== 'global',
);

/** Variables that choose the profile and the files rather than a setting; read by `load.ts`. */
export const LOCATION_VARIABLES = {
  profile: {
    env: 'AWS_PROFILE',
    defaultText: '`default`',
    help: 'Profile used by plain `s3://` paths. Un-prefixed variables still beat its file sections.',
  },
  credentialsFile: {
    env: 'AWS_SHARED_CREDENTIALS_FILE',
    defaultText: '`~/.aws/credentials`',
    help: 'Credentials file (`[NAME]` sections).',
  },
  configFile: {
    env: 'AWS_CONFIG_FILE',
    defaultText: '`~/.aws/config`',
    help: 'Config file (`[profile NAME]` and `[default]` sections).',
  },
} as const;

/** What the CLI needs to register one config flag. The flag's camelCase form equals `id`. */
export type ConfigFlag = {
  id: OptionId;
  /** e.g. `--max-retry-times` */
  flag: string;
  /** e.g. `N`, for `--max-retry-times <N>` */
  placeholder: string;
  help: string;
  defaultText: string;
  choices: readonly string[] | undefined;
};

/**
 * The config flags, for the CLI to register on every command that resolves profiles. Pass the
 * parsed values back in `ConfigInputs.flags` keyed by `id` (as strings; the table parses them).
 */
export function configFlags(): ConfigFlag[] {
  const out: ConfigFlag[] = [];
  for (const option of OPTION_LIST) {
    if (option.flag === undefined) continue;
    out.push({
      id: option.id,
      flag: option.flag.name,
      placeholder: option.flag.placeholder,
      help: option.help,
      defaultText: option.defaultText.replaceAll('`', ''),
      choices: option.choices,
    });
  }
  return out;
}

function fileKeyText(key: string): string {
  return key.startsWith('s3.') ? `\`${key.slice(3)}\` in \`s3 =\`` : `\`${key}\``;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** Renders rows as a Markdown table padded the way Prettier formats it. */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows].map((row) => row.map(cell));
  const widths = header.map((_, column) =>
    Math.max(3, ...all.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[]): string =>
    `| ${row.map((text, column) => text.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const [head = [], ...body] = all;
  return [line(head), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

/**
 * The README's configuration reference (the text between `<!-- config-table:start -->` and
 * `<!-- config-table:end -->`), rendered from the option table.
 */
export function configReferenceMarkdown(): string {
  const settingRows = OPTION_LIST.map((option) => [
    option.title,
    option.env.map((name) => `\`${name}\``).join(', '),
    option.fileKeys.length === 0 ? '-' : option.fileKeys.map(fileKeyText).join(', '),
    option.flag === undefined ? '-' : `\`${option.flag.name} ${option.flag.placeholder}\``,
    option.defaultText,
    option.scope === 'server'
      ? 'per profile'
      : option.scope === 'client'
        ? 'all profiles'
        : 'process',
    option.help,
  ]);
  const locationRows = Object.values(LOCATION_VARIABLES).map((variable) => [
    `\`${variable.env}\``,
    variable.defaultText,
    variable.help,
  ]);
  return [
    '<!-- Generated from src/config/options.ts by `node --import tsx scripts/gen-config-docs.ts`; do not edit. -->',
    '<!-- prettier-ignore-start -->',
    'Precedence, setting by setting: CLI flag > environment > `~/.aws/credentials` > `~/.aws/config` > default.',
    '',
    markdownTable(
      ['Setting', 'Environment', 'File key', 'Flag', 'Default', 'Scope', 'Description'],
      settingRows,
    ),
    '',
    markdownTable(['Variable', 'Default', 'Description'], locationRows),
    '',
    'Profiles and scope:',
    '',
    '- `s3+NAME://` uses profile NAME: variables `NAME__VAR` (NAME upper-cased, `-` and `.` become `_`), section `[NAME]` in the credentials file and `[profile NAME]` in the config file. "per profile" settings never fall back to the un-prefixed variables; "all profiles" settings read `NAME__VAR`, then `VAR`; "process" settings are never prefixed.',
    '- Plain `s3://` uses the profile named by `AWS_PROFILE`, else `default`, and reads the un-prefixed variables first, then `NAME__VAR`, then the files (so the environment beats `[NAME]`, unlike megfile). `s3+default://` behaves like plain `s3://` without `AWS_PROFILE`.',
    '- A profile with no `NAME__` variable and no section in either file is an error; `default` always exists.',
    '- In the files, each key of the credentials file beats the same key of the config file, and the two `s3 =` blocks merge key by key. Values are taken literally (no quotes or inline comments), as botocore reads them.',
    '- With no access key and secret key found, the SDK default credential chain is used. A session token is read only from the level that supplied the keys or a higher one.',
    '- Booleans accept true/false/yes/no/1/0 in any case; empty variables count as unset (a region of only blanks is an error). A bad value is an error (exit code 2) naming the variable, or the file and line.',
    '<!-- prettier-ignore-end -->',
  ].join('\n');
}
