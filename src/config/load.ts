// Binds the pure resolver to real inputs: the env record, the home directory and the two AWS
// files (read lazily, once). The only module that touches process.env and os.homedir().
import * as os from 'node:os';
import * as path from 'node:path';
import type { GlobalSettings, ProfileSpec } from '../shared/profile.ts';
import { emptyAwsIniFile, readAwsIniFile } from './aws-files.ts';
import type { AwsIniFile } from './aws-files.ts';
import { LOCATION_VARIABLES } from './options.ts';
import {
  checkFlagValues,
  knownProfileNames,
  readEnv,
  resolveGlobal,
  resolveProfile,
} from './profiles.ts';
import type { ResolveInputs } from './profiles.ts';
import { expandHome } from '../shared/display.ts';

/** What configuration is resolved from. */
export type ConfigInputs = {
  env: Readonly<Record<string, string | undefined>>;
  /** For `~/.aws/...` and for showing paths as `~/...`. */
  homeDir: string;
  /** Values given as CLI flags, keyed by option id from the option table (string form, parsed by the table). */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
};

/** Resolves profiles against one set of inputs; files are read on first use and cached. */
export interface ConfigResolver {
  /** Resolve a profile: `undefined` = plain s3:// (AWS_PROFILE if set, else 'default'). Throws S3FerryError kind 'config'. */
  profile(name: string | undefined): ProfileSpec;
  /** Process-wide settings (MEGFILE_S3_CLIENT_CACHE_MODE). */
  global(): GlobalSettings;
  /** Resolved path (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials). */
  readonly credentialsFile: string;
  /** Resolved path (AWS_CONFIG_FILE or ~/.aws/config). */
  readonly configFile: string;
  /** Profile names known from `NAME__` env prefixes and file sections (for config show / hints). */
  knownProfiles(): string[];
}

/** Expands a leading `~` as botocore does and makes the path absolute. */
function resolveFilePath(value: string, homeDir: string): string {
  return path.resolve(expandHome(value, homeDir));
}

/**
 * Creates a resolver for these inputs. Nothing is read until a method needs the files; a
 * malformed or unreadable file then throws a config error (and throws again on every call).
 * A bad flag value throws a usage error here, at once: a local run never resolves a profile.
 */
export function loadConfig(inputs: ConfigInputs): ConfigResolver {
  const { env, homeDir } = inputs;
  checkFlagValues(inputs.flags);
  const fileFrom = (variable: string, fallback: string): string =>
    resolveFilePath(
      readEnv(env, variable)?.trim() ?? path.join(homeDir, '.aws', fallback),
      homeDir,
    );
  const credentialsFile = fileFrom(LOCATION_VARIABLES.credentialsFile.env, 'credentials');
  const configFile = fileFrom(LOCATION_VARIABLES.configFile.env, 'config');

  let files: { credentials: AwsIniFile; config: AwsIniFile } | undefined;
  const resolveInputs = (): ResolveInputs => {
    files ??= {
      credentials: readAwsIniFile(credentialsFile, homeDir),
      config: readAwsIniFile(configFile, homeDir),
    };
    return { env, flags: inputs.flags, ...files };
  };
  const profiles = new Map<string, ProfileSpec>();
  let global: GlobalSettings | undefined;

  return {
    credentialsFile,
    configFile,
    profile(name) {
      const key = name ?? '';
      let spec = profiles.get(key);
      if (spec === undefined) {
        spec = resolveProfile(name, resolveInputs());
        profiles.set(key, spec);
      }
      return spec;
    },
    global() {
      // Needs no file: a malformed ~/.aws file must not break commands that only need this.
      global ??= resolveGlobal({
        env,
        flags: inputs.flags,
        credentials: emptyAwsIniFile(credentialsFile),
        config: emptyAwsIniFile(configFile),
      });
      return global;
    },
    knownProfiles() {
      return knownProfileNames(resolveInputs());
    },
  };
}

/** Convenience for the CLI: loadConfig({ env: process.env, homeDir: os.homedir(), flags }). */
export function loadConfigFromProcess(flags?: ConfigInputs['flags']): ConfigResolver {
  return loadConfig({ env: process.env, homeDir: os.homedir(), flags });
}
