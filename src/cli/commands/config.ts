// `s3ferry config s3` (write a profile into the credentials file) and `s3ferry config show`
// (print a profile's resolved settings and where each came from, never a secret).
import { Option, type Command } from 'commander';
import { checkProfileName, writeProfile } from '../../config/write-profile.ts';
import { expandHome } from '../../shared/display.ts';
import { displayPath, maskAccessKey, maskUrlPassword } from '../../shared/display.ts';
import type { ProfileSpec, GlobalSettings } from '../../shared/profile.ts';
import type { CliContext } from '../context.ts';
import { formatSource } from '../mask.ts';

/** Registers `config` and its subcommands on `program`. */
export function registerConfigCommand(program: Command, ctx: CliContext): void {
  const config = program
    .command('config')
    .description('write or show S3 configuration (megfile-compatible)');
  registerConfigS3(config, ctx);
  registerConfigShow(config, ctx);
}

type ConfigS3Options = {
  sessionToken?: string;
  endpointUrl?: string;
  addressingStyle?: string;
  profileName: string;
  path?: string;
  cover: boolean;
};

function registerConfigS3(config: Command, ctx: CliContext): void {
  config
    .command('s3')
    .description(
      'save S3 credentials as a profile in the AWS credentials file, merging into an existing ' +
        'profile (its other keys, comments and other sections are kept)',
    )
    .argument('<ACCESS_KEY>', 'access key id')
    .argument('<SECRET_KEY>', 'secret access key (never printed)')
    .addOption(megfileAlias(new Option('--session-token <token>', 'session token'), '-st'))
    .option('-e, --endpoint-url <url>', 'written as s3.endpoint_url')
    .addOption(
      megfileAlias(
        new Option('--addressing-style <style>', 'written as s3.addressing_style').choices([
          'path',
          'virtual',
          'auto',
        ]),
        '-as',
      ),
    )
    .option('-n, --profile-name <name>', 'profile (section) name', 'default')
    .option(
      '-p, --path <file>',
      'credentials file to write (default: $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials)',
    )
    .option('--no-cover', 'fail (exit 2) instead of changing a profile that already exists')
    .addHelpText(
      'after',
      '\nExit codes: 0 saved, 2 bad value or existing profile with --no-cover, 3 file not writable',
    )
    .action((accessKey: string, secretKey: string, opts: ConfigS3Options) => {
      ctx.io.addSecret(secretKey);
      ctx.io.addSecret(opts.sessionToken);
      const target =
        opts.path === undefined
          ? ctx.deps.defaultCredentialsPath()
          : expandHome(opts.path, ctx.deps.homeDir);
      const result = writeProfile({
        path: target,
        profile: opts.profileName,
        accessKeyId: accessKey,
        secretAccessKey: secretKey,
        sessionToken: opts.sessionToken,
        endpointUrl: opts.endpointUrl,
        addressingStyle: opts.addressingStyle,
        noCover: !opts.cover,
      });
      ctx.io.writeOut(`Saved profile ${opts.profileName} to ${result.path}\n`);
    });
}

/** Shows megfile's two-letter short flag in help; argv.ts rewrites it to the long flag. */
function megfileAlias(option: Option, alias: string): Option {
  option.flags = `${alias}, ${option.flags}`;
  return option;
}

type ConfigShowOptions = { profileName?: string; json?: boolean };

function registerConfigShow(config: Command, ctx: CliContext): void {
  config
    .command('show')
    .description(
      "print a profile's resolved settings and where each came from (the access key masked, " +
        'the secret key and session token never printed)',
    )
    .option('-n, --profile-name <name>', 'profile to show (default: $AWS_PROFILE, else "default")')
    .option('--json', 'print one JSON object instead of one line per setting', false)
    .addHelpText('after', '\nExit codes: 0 shown, 2 unknown profile or bad configuration value')
    .action((opts: ConfigShowOptions) => {
      if (opts.profileName !== undefined) checkProfileName(opts.profileName);
      const loaded = ctx.deps.loadConfig(ctx.settingFlags());
      const spec = loaded.profile(opts.profileName);
      ctx.io.addSecret(spec.credentials?.secretAccessKey);
      ctx.io.addSecret(spec.credentials?.sessionToken);
      const global = loaded.global();
      if (opts.json === true) {
        ctx.io.writeOut(`${JSON.stringify(showJson(spec, global), null, 2)}\n`);
      } else {
        ctx.io.writeOut(showText(spec, global, ctx.deps.homeDir));
      }
    });
}

/**
 * The `config show --json` object. The first eleven keys are the documented contract; the rest
 * are extras. Secrets appear only as booleans.
 */
export function showJson(spec: ProfileSpec, global: GlobalSettings): Record<string, unknown> {
  const src = (field: keyof ProfileSpec['sources']): string => formatSource(spec.sources[field]);
  return {
    profile: spec.name,
    endpointUrl: spec.endpointUrl === undefined ? null : maskUrlPassword(spec.endpointUrl),
    endpointSource: src('endpointUrl'),
    region: spec.region,
    addressingStyle: spec.addressingStyle,
    accessKeyId:
      spec.credentials === undefined ? null : maskAccessKey(spec.credentials.accessKeyId),
    credentialsSource: credentialsSource(spec),
    maxRetryTimes: spec.maxRetryTimes,
    verify: spec.verify,
    redirect: spec.redirect,
    clientCacheMode: global.clientCacheMode,
    // Extras, after the contract keys.
    hasSecretAccessKey: spec.credentials !== undefined,
    hasSessionToken: spec.credentials?.sessionToken !== undefined,
    caBundle: spec.caBundle ?? null,
    requestChecksumCalculation: spec.requestChecksumCalculation,
    responseChecksumValidation: spec.responseChecksumValidation,
    credentialsFile: spec.credentialsFile,
    configFile: spec.configFile,
    sources: {
      region: src('region'),
      addressingStyle: src('addressingStyle'),
      maxRetryTimes: src('maxRetryTimes'),
      verify: src('verify'),
      redirect: src('redirect'),
      caBundle: src('caBundle'),
      requestChecksumCalculation: src('requestChecksumCalculation'),
      responseChecksumValidation: src('responseChecksumValidation'),
      clientCacheMode: formatSource(global.sources.clientCacheMode),
    },
  };
}

function credentialsSource(spec: ProfileSpec, homeDir?: string): string {
  const source = spec.sources.credentials;
  if (spec.credentials === undefined && source === undefined) return 'SDK default credential chain';
  return formatSource(source, homeDir);
}

/** The human form: one aligned line per setting, `name  value  (source)`. */
export function showText(spec: ProfileSpec, global: GlobalSettings, homeDir: string): string {
  const src = (field: keyof ProfileSpec['sources']): string =>
    formatSource(spec.sources[field], homeDir);
  // Older resolvers record only where the access key came from; the secret came with it.
  const secretSource = (field: 'secretAccessKey' | 'sessionToken'): string =>
    formatSource(spec.sources[field] ?? spec.sources.credentials, homeDir);
  const creds = spec.credentials;
  const rows: [string, string, string?][] = [
    ['profile', spec.name],
    [
      'endpointUrl',
      spec.endpointUrl === undefined
        ? '(AWS default for the region)'
        : maskUrlPassword(spec.endpointUrl),
      src('endpointUrl'),
    ],
    ['region', spec.region, src('region')],
    ['addressingStyle', spec.addressingStyle, src('addressingStyle')],
    [
      'accessKeyId',
      creds === undefined ? '(none)' : maskAccessKey(creds.accessKeyId),
      credentialsSource(spec, homeDir),
    ],
    // Whether they are set and where from; never their value, not even masked.
    creds === undefined
      ? ['secretAccessKey', 'not set']
      : ['secretAccessKey', 'set', secretSource('secretAccessKey')],
    creds?.sessionToken === undefined
      ? ['sessionToken', 'not set']
      : ['sessionToken', 'set', secretSource('sessionToken')],
    ['maxRetryTimes', String(spec.maxRetryTimes), src('maxRetryTimes')],
    ['verify', String(spec.verify), src('verify')],
    ['redirect', String(spec.redirect), src('redirect')],
    ['caBundle', spec.caBundle ?? '(none)', src('caBundle')],
    [
      'requestChecksumCalculation',
      spec.requestChecksumCalculation,
      src('requestChecksumCalculation'),
    ],
    [
      'responseChecksumValidation',
      spec.responseChecksumValidation,
      src('responseChecksumValidation'),
    ],
    [
      'clientCacheMode',
      global.clientCacheMode,
      formatSource(global.sources.clientCacheMode, homeDir),
    ],
    ['credentialsFile', displayPath(spec.credentialsFile, homeDir)],
    ['configFile', displayPath(spec.configFile, homeDir)],
  ];
  const nameWidth = Math.max(...rows.map(([name]) => name.length)) + 2;
  const valueWidth = Math.max(...rows.map(([, value]) => value.length)) + 2;
  return rows
    .map(([name, value, source]) =>
      source === undefined
        ? `${name.padEnd(nameWidth)}${value}\n`
        : `${name.padEnd(nameWidth)}${value.padEnd(valueWidth)}(${source})\n`,
    )
    .join('');
}
