// Turns a ProfileSpec into the words of an error hint: which env var or ini key to check, the
// profile's URL and endpoint, a masked access key. Pure; never emits a secret key or token.
import { describeSource, displayPath, maskAccessKey, maskUrlPassword } from '../shared/display.ts';
import type { ProfileSpec, SettingSource } from '../shared/profile.ts';

/** The part of a ProfileSpec that hints need. */
export type HintSpec = Pick<
  ProfileSpec,
  | 'name'
  | 'envPrefix'
  | 'endpointUrl'
  | 'region'
  | 'credentials'
  | 'credentialsFile'
  | 'configFile'
  | 'sources'
>;

/**
 * Formats `s3://bucket/key` (un-prefixed profile) or `s3+NAME://bucket/key`. A local copy of the
 * src/paths formatter so that error translation does not depend on the path parser.
 */
export function formatS3Url(
  spec: Pick<ProfileSpec, 'name' | 'envPrefix'> | undefined,
  bucket = '',
  key?: string,
): string {
  const scheme = spec === undefined || spec.envPrefix === '' ? 's3' : `s3+${spec.name}`;
  return `${scheme}://${bucket}${key === undefined || key === '' ? '' : `/${key}`}`;
}

/** The endpoint requests go to, for messages: the configured URL or the AWS default of the region. */
export function displayEndpoint(spec: Pick<ProfileSpec, 'endpointUrl' | 'region'>): string {
  let shown = displayed.get(spec);
  if (shown === undefined) {
    shown = maskUrlPassword(spec.endpointUrl ?? `https://s3.${spec.region}.amazonaws.com`);
    displayed.set(spec, shown);
  }
  return shown;
}

/** Every request's error path and tally names its endpoint: worked out once per spec object. */
const displayed = new WeakMap<object, string>();

/** The credentials-file section of a profile (`[name]`). */
function credentialsSection(spec: HintSpec): string {
  return `[${spec.name}]`;
}

/** The config-file section of a profile: `[default]` or `[profile name]`. */
function configSection(spec: HintSpec): string {
  return spec.name === 'default' ? '[default]' : `[profile ${spec.name}]`;
}

/** `check X` naming the exact place a setting came from, or every place it can be set. */
function settingHint(
  spec: HintSpec,
  source: SettingSource | undefined,
  envVars: string[],
  fileKey: string,
): string {
  if (source !== undefined && source.kind !== 'default' && source.kind !== 'sdk-chain') {
    return `check ${describeSource(source)}`;
  }
  const vars = envVars.map((v) => `${spec.envPrefix}${v}`);
  const listed =
    vars.length > 1 ? `${vars.slice(0, -1).join(', ')} or ${vars.at(-1) ?? ''}` : vars[0];
  return `set ${listed ?? ''}, or ${fileKey} in ${credentialsSection(spec)} of ${displayPath(spec.credentialsFile)}`;
}

/** Suffix naming where the rejected key came from, when known. */
function credentialsOrigin(spec: HintSpec, which: 'access' | 'secret' | 'token'): string {
  const field = {
    access: 'accessKeyId',
    secret: 'secretAccessKey',
    token: 'sessionToken',
  } as const;
  const source = spec.sources[field[which]] ?? spec.sources.credentials;
  if (source === undefined || source.kind === 'default' || source.kind === 'sdk-chain') return '';
  if (source.kind === 'file') {
    return ` (the value in use comes from [${source.section}] in ${displayPath(source.path)})`;
  }
  return ` (the value in use comes from ${describeSource(source)})`;
}

/**
 * Hint for a rejected access key, secret key or session token.
 * @example credentialHint(spec, 'secret') // 'check PROFILE1__AWS_SECRET_ACCESS_KEY or [profile1] in ~/.aws/credentials'
 */
export function credentialHint(spec: HintSpec, which: 'access' | 'secret' | 'token'): string {
  if (spec.credentials === undefined) return chainCredentialsHint(spec);
  const variable = {
    access: 'AWS_ACCESS_KEY_ID',
    secret: 'AWS_SECRET_ACCESS_KEY',
    token: 'AWS_SESSION_TOKEN',
  }[which];
  return (
    `check ${spec.envPrefix}${variable} or ${credentialsSection(spec)} in ` +
    `${displayPath(spec.credentialsFile)}${credentialsOrigin(spec, which)}`
  );
}

/** Hint when the SDK's credential chain (role, SSO, process, instance metadata) supplied the keys. */
function chainCredentialsHint(spec: HintSpec): string {
  return (
    `profile ${spec.name} has no static keys, so the AWS SDK's credential chain supplied them ` +
    `(role_arn, sso_*, credential_process or instance metadata): check ${configSection(spec)} in ` +
    `${displayPath(spec.configFile)}, or set ${spec.envPrefix}AWS_ACCESS_KEY_ID and ` +
    `${spec.envPrefix}AWS_SECRET_ACCESS_KEY`
  );
}

/** Hint when no credentials could be found at all. */
export function noCredentialsHint(spec: HintSpec): string {
  return (
    `set ${spec.envPrefix}AWS_ACCESS_KEY_ID and ${spec.envPrefix}AWS_SECRET_ACCESS_KEY, or add ` +
    `aws_access_key_id and aws_secret_access_key to ${credentialsSection(spec)} in ` +
    `${displayPath(spec.credentialsFile)} (e.g. \`s3ferry config s3 KEY SECRET` +
    `${spec.name === 'default' ? '' : ` --profile-name ${spec.name}`}\`), or configure a role, SSO ` +
    `or credential_process in ${configSection(spec)} of ${displayPath(spec.configFile)}`
  );
}

/** Hint for an access key that is valid but lacks permission. */
export function permissionHint(spec: HintSpec, target: string): string {
  const key =
    spec.credentials === undefined
      ? `the credentials of profile ${spec.name}`
      : `access key ${maskAccessKey(spec.credentials.accessKeyId)}`;
  return (
    `${key} has no permission for ${target === '' ? 'this request' : target} at ` +
    `${displayEndpoint(spec)}: check the bucket's ` +
    `policy or ACL, or use a profile whose keys may access it (${credentialHint(spec, 'access')})`
  );
}

/** Hint naming the setting that chose the endpoint. */
export function endpointHint(spec: HintSpec): string {
  return settingHint(
    spec,
    spec.sources.endpointUrl,
    ['OSS_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'],
    's3.endpoint_url',
  );
}

/** Hint for a bucket that does not exist. */
export function noSuchBucketHint(spec: HintSpec, bucket: string): string {
  return (
    `bucket '${bucket}' does not exist at ${displayEndpoint(spec)}: check the bucket name, or ` +
    `the endpoint (${endpointHint(spec)})`
  );
}

/** Hint for servers that refuse the SDK's streamed (aws-chunked) checksums, e.g. Ceph RGW 16. */
export function checksumHint(spec: HintSpec): string {
  const source = spec.sources.requestChecksumCalculation;
  if (source?.kind === 'env') return `set ${source.name}=when_required`;
  if (source?.kind === 'flag') return `pass ${source.name} when_required`;
  if (source?.kind === 'file') {
    return `set ${source.key} = when_required in [${source.section}] of ${displayPath(source.path)}`;
  }
  const perProfile =
    spec.envPrefix === ''
      ? ''
      : ` (or ${spec.envPrefix}AWS_REQUEST_CHECKSUM_CALCULATION for profile ${spec.name} only)`;
  return `set AWS_REQUEST_CHECKSUM_CALCULATION=when_required${perProfile}`;
}

/** Hint for a redirect that was not followed. */
export function redirectHint(spec: HintSpec): string {
  return (
    `the server redirected the request: check the endpoint (${endpointHint(spec)}) and the ` +
    `region (${spec.region}); to follow GET redirects set ${spec.envPrefix}AWS_S3_REDIRECT=true`
  );
}

/** Hint naming the setting that chose the region. */
export function regionHint(spec: HintSpec): string {
  const source = spec.sources.region;
  if (source !== undefined && source.kind !== 'default' && source.kind !== 'sdk-chain') {
    return `check ${describeSource(source)}`;
  }
  return (
    `region ${spec.region} is in use: set ${spec.envPrefix}AWS_REGION, or region in ` +
    `${configSection(spec)} of ${displayPath(spec.configFile)}`
  );
}

/** Hint for a TLS certificate the client could not verify. */
export function tlsHint(spec: HintSpec): string {
  const source = spec.sources.caBundle;
  const bundle =
    source !== undefined && source.kind !== 'default' && source.kind !== 'sdk-chain'
      ? `check the CA bundle set by ${describeSource(source)}`
      : `point ${spec.envPrefix}AWS_CA_BUNDLE (or ca_bundle in ${configSection(spec)}) at the PEM file of the server's CA`;
  return `${bundle}, or, for a test server only, set ${spec.envPrefix}AWS_S3_VERIFY=false`;
}
