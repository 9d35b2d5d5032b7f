// Profile naming helpers shared by the resolver and the S3 error classifier: env prefixes, ini
// section labels, `~` display paths and the "check X or [name] in FILE" hints. Pure.
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProfileSpec, SettingSource } from '../shared/profile.ts';
import { OPTIONS, formatAlternatives } from './options.ts';
import type { OptionId } from './options.ts';

/** The env prefix of a named profile: `profile-1.x` → `PROFILE_1_X__` (megfile's, plus `-`/`.`). */
export function envPrefixFor(profileName: string): string {
  return `${profileName.toUpperCase().replace(/[-.]/g, '_')}__`;
}

/** The profile's section header in the credentials file, e.g. `[p1]`. */
export function credentialsSectionLabel(profileName: string): string {
  return `[${profileName}]`;
}

/** The profile's section header in the config file: `[default]` or `[profile p1]`. */
export function configSectionLabel(profileName: string): string {
  return profileName === 'default' ? '[default]' : `[profile ${profileName}]`;
}

/** `path` with the home directory shown as `~` (for messages). */
export function displayPath(filePath: string, homeDir: string): string {
  if (homeDir === '' || homeDir === path.sep) return filePath;
  if (filePath === homeDir) return '~';
  const home = homeDir.endsWith(path.sep) ? homeDir : homeDir + path.sep;
  return filePath.startsWith(home) ? `~${path.sep}${filePath.slice(home.length)}` : filePath;
}

/** A setting source as one short phrase, e.g. `P1__OSS_ENDPOINT` or `[p1] s3.endpoint_url in ~/.aws/credentials`. */
export function describeSource(source: SettingSource, homeDir: string = os.homedir()): string {
  switch (source.kind) {
    case 'flag':
      return source.name;
    case 'env':
      return source.name;
    case 'file':
      return `[${source.section}] ${source.key} in ${displayPath(source.path, homeDir)}`;
    case 'default':
      return 'default';
    case 'sdk-chain':
      return "the SDK's default credential chain";
  }
}

/** Settings a hint can be about; `accessKey` / `secretKey` / `endpoint` are short aliases. */
export type HintField = OptionId | 'accessKey' | 'secretKey' | 'endpoint';

const HINT_ALIASES: Partial<Record<HintField, OptionId>> = {
  accessKey: 'accessKeyId',
  secretKey: 'secretAccessKey',
  endpoint: 'endpointUrl',
};

function isCredentialOption(id: OptionId): boolean {
  return id === 'accessKeyId' || id === 'secretAccessKey' || id === 'sessionToken';
}

/**
 * A hint naming the exact setting to check for `field` of this profile, for S3 error messages:
 * the variable or file the value came from, else where it would be read, e.g.
 * `check PROFILE1__AWS_ACCESS_KEY_ID or [profile1] in ~/.aws/credentials`.
 * Never contains a value.
 */
export function credentialsHint(
  spec: ProfileSpec,
  field: HintField,
  homeDir: string = os.homedir(),
): string {
  const id = HINT_ALIASES[field] ?? (field as OptionId);
  const option = OPTIONS[id];
  const source = id === 'clientCacheMode' ? undefined : spec.sources[id];
  if (source !== undefined && (source.kind === 'env' || source.kind === 'flag')) {
    return `check ${source.name}`;
  }
  if (source?.kind === 'file') {
    return `check ${source.key} of [${source.section}] in ${displayPath(source.path, homeDir)}`;
  }
  if (option.scope === 'global') {
    const names = [...(option.flag === undefined ? [] : [option.flag.name]), ...option.env];
    return `check ${formatAlternatives(names)}`;
  }
  const variable = `${spec.envPrefix}${option.env[0] ?? ''}`;
  const credentials = `${credentialsSectionLabel(spec.name)} in ${displayPath(spec.credentialsFile, homeDir)}`;
  if (isCredentialOption(id) || option.fileKeys.length === 0) {
    return `check ${variable} or ${credentials}`;
  }
  const config = `${configSectionLabel(spec.name)} in ${displayPath(spec.configFile, homeDir)}`;
  return `check ${variable} or ${credentials} or ${config}`;
}
