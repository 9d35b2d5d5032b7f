// Resolves a profile's settings from flags, env and the parsed AWS files, driven by the option
// table. Pure: takes an env record and parsed files, never reads the disk or process.env.
import { describeSource, maskUrlPassword } from '../shared/display.ts';
import { configError, usageError } from '../shared/errors.ts';
import type { S3FerryError } from '../shared/errors.ts';
import type { GlobalSettings, ProfileSpec, SettingSource } from '../shared/profile.ts';
import type { AwsIniFile, IniSection, IniValue } from './aws-files.ts';
import {
  LOCATION_VARIABLES,
  OPTION_LIST,
  OPTIONS,
  PROFILE_OPTIONS,
  formatAlternatives,
} from './options.ts';
import type { OptionId, OptionSpec, OptionValues } from './options.ts';
import { configSectionLabel, credentialsSectionLabel, envPrefixFor } from './profile-env.ts';
import { PROFILE_NAME_PATTERN } from '../paths/path.ts';

/** Everything resolution reads: plain data, no I/O. */
export type ResolveInputs = {
  env: Readonly<Record<string, string | undefined>>;
  /** CLI flag values keyed by option id; only options with a flag are read. */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
  credentials: AwsIniFile;
  config: AwsIniFile;
};

/** Reads an env var; empty (or blank) values count as unset. */
export function readEnv(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The profile a path selects, and how its env vars are read. */
type ProfileTarget = {
  name: string;
  /** Plain `s3://` (or `s3+default://`): un-prefixed variables apply and come first. */
  implicit: boolean;
  /** Set when the name came from AWS_PROFILE (for messages). */
  fromAwsProfile: boolean;
  prefix: string;
};

function targetFor(name: string | undefined, env: ResolveInputs['env']): ProfileTarget {
  if (name === undefined || name === '') {
    const variable = LOCATION_VARIABLES.profile.env;
    const fromEnv = readEnv(env, variable)?.trim();
    // The name must be one a path could spell: `team a` would read `TEAM A__*` variables and give
    // hints (`--profile-name team a`) that cannot work.
    if (fromEnv !== undefined && !PROFILE_NAME_PATTERN.test(fromEnv)) {
      throw configError(
        `Invalid ${variable}: expected a profile name (letters, digits, "_", "-" or "."), got ${JSON.stringify(fromEnv)}`,
      );
    }
    const profile = fromEnv ?? 'default';
    return {
      name: profile,
      implicit: true,
      fromAwsProfile: fromEnv !== undefined,
      prefix: envPrefixFor(profile),
    };
  }
  // `s3+default://` is plain `s3://` without AWS_PROFILE (documented in the README table).
  return { name, implicit: name === 'default', fromAwsProfile: false, prefix: envPrefixFor(name) };
}

/** The sections a profile reads, in precedence order, each with its file. */
type SectionRef = { file: AwsIniFile; section: IniSection };

function sectionsFor(name: string, inputs: ResolveInputs): SectionRef[] {
  const refs: SectionRef[] = [];
  const add = (file: AwsIniFile, sectionName: string): void => {
    const section = file.sections.get(sectionName);
    if (section !== undefined) refs.push({ file, section });
  };
  add(inputs.credentials, name);
  add(inputs.config, `profile ${name}`);
  // botocore reads both `[default]` and `[profile default]` from the config file.
  if (name === 'default') add(inputs.config, 'default');
  return refs;
}

/** A raw value found for an option, with its source and precedence level (lower wins). */
type Found = { raw: string; source: SettingSource; level: number; where: string; isFlag: boolean };

type Context = {
  target: ProfileTarget;
  inputs: ResolveInputs;
  sections: SectionRef[];
};

function envPrefixesFor(option: OptionSpec, target: ProfileTarget): string[] {
  switch (option.scope) {
    case 'global':
      return [''];
    case 'client':
      return target.implicit ? ['', target.prefix] : [target.prefix, ''];
    case 'server':
      return target.implicit ? ['', target.prefix] : [target.prefix];
  }
}

function fileValue(section: IniSection, key: string): IniValue | undefined {
  const dot = key.indexOf('.');
  if (dot < 0) return section.keys.get(key);
  return section.keys.get(key.slice(0, dot))?.block?.get(key.slice(dot + 1));
}

function blockMisuse(ref: SectionRef, key: string): S3FerryError | undefined {
  const dot = key.indexOf('.');
  if (dot < 0) return undefined;
  const parentKey = key.slice(0, dot);
  const parent = ref.section.keys.get(parentKey);
  if (parent === undefined || parent.value === '') return undefined;
  return configError(
    `${ref.file.displayPath}:${parent.line}: [${ref.section.name}] "${parentKey}" must be an empty "${parentKey} =" line followed by indented "key = value" lines`,
  );
}

/** Every place `option` is read from for this profile, in precedence order, lazily. */
function* candidates(option: OptionSpec, context: Context, maxLevel = Infinity): Generator<Found> {
  const { target, inputs } = context;
  let level = 0;
  if (option.flag !== undefined && option.scope !== 'server') {
    const raw = inputs.flags?.[option.id];
    if (raw !== undefined && raw !== '') {
      const name = option.flag.name;
      yield { raw: String(raw), source: { kind: 'flag', name }, level, where: name, isFlag: true };
    }
  }
  for (const prefix of envPrefixesFor(option, target)) {
    level += 1;
    if (level > maxLevel) return;
    for (const variable of option.env) {
      const name = prefix + variable;
      const raw =
        option.isBlankAValue === true && inputs.env[name] !== ''
          ? inputs.env[name]
          : readEnv(inputs.env, name);
      if (raw !== undefined) {
        yield { raw, source: { kind: 'env', name }, level, where: name, isFlag: false };
      }
    }
  }
  if (option.scope === 'global') return;
  // The files form one merged view (credentials over config, key by key); key order first so
  // that `s3.endpoint_url` in either file beats a top-level `endpoint_url` in either file.
  const fileLevel = level + 1;
  for (const key of option.fileKeys) {
    for (const ref of context.sections) {
      const sectionLevel = fileLevel + (ref.file === inputs.credentials ? 0 : 1);
      if (sectionLevel > maxLevel) continue;
      const misuse = blockMisuse(ref, key);
      if (misuse !== undefined) throw misuse;
      const value = fileValue(ref.section, key);
      if (value === undefined || value.value === '') continue;
      yield {
        raw: value.value,
        source: { kind: 'file', path: ref.file.path, section: ref.section.name, key },
        level: sectionLevel,
        where: `${ref.file.displayPath}:${value.line} [${ref.section.name}] ${key}`,
        isFlag: false,
      };
    }
  }
}

function shownValue(option: OptionSpec, raw: string): string {
  if (option.sensitive) return '(hidden)';
  const masked = maskUrlPassword(raw);
  const text = masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
  return JSON.stringify(text);
}

type Resolved<K extends OptionId> = {
  value: OptionValues[K];
  source: SettingSource;
  level: number;
};

function parseFound<K extends OptionId>(option: OptionSpec<K>, found: Found): Resolved<K> {
  const parsed = option.parse(found.raw);
  if (!parsed.ok) {
    const message = `Invalid ${found.where}: expected ${parsed.expected}, got ${shownValue(option, found.raw)}`;
    throw found.isFlag ? usageError(message) : configError(message);
  }
  return { value: parsed.value, source: found.source, level: found.level };
}

/**
 * Parses every config flag given (`--max-retry-times -1`), whether or not a profile will read it:
 * a run between local paths resolves no profile, and a bad value on the command line must not
 * pass silently. Throws the same usage error as resolution would.
 */
export function checkFlagValues(flags: ResolveInputs['flags']): void {
  for (const option of OPTION_LIST) {
    const raw = option.flag === undefined ? undefined : flags?.[option.id];
    if (option.flag === undefined || raw === undefined || raw === '') continue;
    const name = option.flag.name;
    parseFound(option, {
      raw: String(raw),
      source: { kind: 'flag', name },
      level: 0,
      where: name,
      isFlag: true,
    });
  }
}

/** The highest-precedence value of `option`, parsed; undefined when nothing sets it. */
function lookup<K extends OptionId>(
  option: OptionSpec<K>,
  context: Context,
  maxLevel = Infinity,
): Resolved<K> | undefined {
  for (const found of candidates(option, context, maxLevel)) return parseFound(option, found);
  return undefined;
}

function withDefault<K extends OptionId>(
  option: OptionSpec<K>,
  context: Context,
  endpointUrl: string | undefined,
): { value: OptionValues[K] | undefined; source: SettingSource } {
  const found = lookup(option, context);
  if (found !== undefined) return found;
  const fallback = option.default;
  const value = typeof fallback === 'function' ? fallback({ endpointUrl }) : fallback;
  return { value, source: { kind: 'default' } };
}

/** `P1__X, [p1] x in ~/.aws/credentials or [profile p1] x in ~/.aws/config`: where `option` was looked for. */
function whereLooked(option: OptionSpec, context: Context): string {
  const places = envPrefixesFor(option, context.target).flatMap((prefix) =>
    option.env.map((name) => prefix + name),
  );
  const { name } = context.target;
  const keys = option.fileKeys.join('/');
  const { credentials, config } = context.inputs;
  places.push(`${credentialsSectionLabel(name)} ${keys} in ${credentials.displayPath}`);
  places.push(`${configSectionLabel(name)} ${keys} in ${config.displayPath}`);
  return formatAlternatives(places);
}

function resolveCredentials(
  context: Context,
  sources: ProfileSpec['sources'],
): ProfileSpec['credentials'] {
  const label = `profile "${context.target.name}"`;
  const accessKey = lookup(OPTIONS.accessKeyId, context);
  const secretKey = lookup(OPTIONS.secretAccessKey, context);
  if (accessKey === undefined && secretKey === undefined) {
    const token = lookup(OPTIONS.sessionToken, context);
    if (token !== undefined) {
      throw configError(
        `Incomplete credentials for ${label}: a session token is set (${describe(token.source, context.inputs)}) but no access key and secret key`,
      );
    }
    sources.credentials = { kind: 'sdk-chain' };
    return undefined;
  }
  if (accessKey === undefined || secretKey === undefined) {
    const [have, haveName, missing, missingName] =
      accessKey === undefined
        ? [secretKey, 'a secret key', OPTIONS.accessKeyId, 'no access key']
        : [accessKey, 'an access key', OPTIONS.secretAccessKey, 'no secret key'];
    throw configError(
      `Incomplete credentials for ${label}: ${haveName} is set (${describe(have?.source, context.inputs)}) but ${missingName} in ${whereLooked(missing, context)}`,
    );
  }
  // A token belongs with its keys: never pair keys from one level with a token from a lower one.
  const token = lookup(OPTIONS.sessionToken, context, Math.max(accessKey.level, secretKey.level));
  sources.accessKeyId = accessKey.source;
  sources.secretAccessKey = secretKey.source;
  sources.credentials = accessKey.source;
  if (token === undefined) {
    return { accessKeyId: accessKey.value, secretAccessKey: secretKey.value };
  }
  sources.sessionToken = token.source;
  return {
    accessKeyId: accessKey.value,
    secretAccessKey: secretKey.value,
    sessionToken: token.value,
  };
}

/** A source in the shared phrasing of errors and hints, its file shown as the parsed file names it. */
function describe(source: SettingSource | undefined, inputs: ResolveInputs): string {
  if (source === undefined) return 'unknown';
  if (source.kind !== 'file') return describeSource(source);
  const file = [inputs.credentials, inputs.config].find((f) => f.path === source.path);
  // The path is already shown (`~/…`); home '' abbreviates nothing, so this stays pure.
  return describeSource({ ...source, path: file?.displayPath ?? source.path }, '');
}

/** True when anything in the env or the files mentions this profile. */
function profileExists(
  target: ProfileTarget,
  inputs: ResolveInputs,
  sections: SectionRef[],
): boolean {
  if (target.name === 'default' || sections.length > 0) return true;
  return Object.keys(inputs.env).some(
    (name) => name.startsWith(target.prefix) && readEnv(inputs.env, name) !== undefined,
  );
}

function unknownProfileError(target: ProfileTarget, inputs: ResolveInputs): S3FerryError {
  const { name, prefix } = target;
  const origin = target.fromAwsProfile ? ' (from AWS_PROFILE)' : '';
  let message =
    `Unknown profile "${name}"${origin}: no ${prefix}* environment variable, ` +
    `no ${credentialsSectionLabel(name)} in ${inputs.credentials.displayPath} ` +
    `and no ${configSectionLabel(name)} in ${inputs.config.displayPath}`;
  if (inputs.config.sections.has(name)) {
    message += ` (the config file has [${name}], but names profiles ${configSectionLabel(name)})`;
  }
  return configError(
    message,
    `set ${prefix}AWS_ACCESS_KEY_ID and ${prefix}AWS_SECRET_ACCESS_KEY, or run: s3ferry config s3 ACCESS_KEY SECRET_KEY --profile-name ${name}`,
  );
}

/**
 * Resolves the settings of one profile.
 * `name` undefined means plain `s3://`: the profile named by AWS_PROFILE, else `default`; its
 * un-prefixed variables come first, then `NAME__` ones, then the files. A named profile reads
 * only `NAME__` variables (plus the un-prefixed ones of `client`-scoped options) and its sections.
 * Throws a config error (usage error for a bad flag) with a one-line message.
 */
export function resolveProfile(name: string | undefined, inputs: ResolveInputs): ProfileSpec {
  const target = targetFor(name, inputs.env);
  const sections = sectionsFor(target.name, inputs);
  if (!profileExists(target, inputs, sections)) throw unknownProfileError(target, inputs);
  const context: Context = { target, inputs, sections };

  const sources: ProfileSpec['sources'] = {};
  const credentials = resolveCredentials(context, sources);

  const values: Partial<Record<OptionId, unknown>> = {};
  let endpointUrl: string | undefined;
  for (const option of PROFILE_OPTIONS) {
    if (
      option.id === 'accessKeyId' ||
      option.id === 'secretAccessKey' ||
      option.id === 'sessionToken'
    ) {
      continue;
    }
    // Table order puts endpointUrl before addressingStyle, whose default depends on it.
    const resolved = withDefault(option, context, endpointUrl);
    if (option.id === 'endpointUrl') endpointUrl = resolved.value as string | undefined;
    values[option.id] = resolved.value;
    if (option.id !== 'clientCacheMode') sources[option.id] = resolved.source;
  }
  const optional = <K extends OptionId>(id: K): OptionValues[K] | undefined =>
    values[id] as OptionValues[K] | undefined;
  const value = <K extends OptionId>(id: K): OptionValues[K] => {
    const resolved = optional(id);
    // Every option without a default is read through optional(); this guards the table.
    if (resolved === undefined) throw new Error(`option ${id} has no default`);
    return resolved;
  };

  const spec: ProfileSpec = {
    name: target.name,
    envPrefix: target.implicit ? '' : target.prefix,
    endpointUrl: optional('endpointUrl'),
    region: value('region'),
    addressingStyle: value('addressingStyle'),
    credentials,
    maxRetryTimes: value('maxRetryTimes'),
    connectTimeout: value('connectTimeout'),
    timeout: value('timeout'),
    verify: value('verify'),
    redirect: value('redirect'),
    caBundle: optional('caBundle'),
    storageClass: optional('storageClass'),
    requestChecksumCalculation: value('requestChecksumCalculation'),
    responseChecksumValidation: value('responseChecksumValidation'),
    credentialsFile: inputs.credentials.path,
    configFile: inputs.config.path,
    sources,
  };
  return deepFreeze(spec);
}

/** Resolves the process-wide settings (flag > env > default; never prefixed, no file key). */
export function resolveGlobal(inputs: ResolveInputs): GlobalSettings {
  const context: Context = {
    target: { name: 'default', implicit: true, fromAwsProfile: false, prefix: '' },
    inputs,
    sections: [],
  };
  const mode = withDefault(OPTIONS.clientCacheMode, context, undefined);
  return deepFreeze({
    clientCacheMode: mode.value ?? 'thread_local',
    sources: { clientCacheMode: mode.source },
  });
}

/**
 * Profile names mentioned anywhere: `NAME__VAR` for any variable of the option table (shown
 * lower-case, since the prefix is upper-cased), credentials sections, config `[profile NAME]`
 * sections, and `default`. Sorted.
 */
export function knownProfileNames(inputs: ResolveInputs): string[] {
  const names = new Set<string>(['default']);
  const variables = PROFILE_OPTIONS.flatMap((option) => option.env);
  for (const key of Object.keys(inputs.env)) {
    if (readEnv(inputs.env, key) === undefined) continue;
    for (const variable of variables) {
      const suffix = `__${variable}`;
      if (key.length > suffix.length && key.endsWith(suffix)) {
        names.add(key.slice(0, -suffix.length).toLowerCase());
      }
    }
  }
  for (const name of inputs.credentials.sections.keys()) names.add(name);
  for (const name of inputs.config.sections.keys()) {
    const match = /^profile\s+(.+)$/.exec(name);
    if (match?.[1] !== undefined) names.add(match[1].trim());
  }
  return [...names].sort();
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
