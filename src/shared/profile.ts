// Resolved per-profile S3 settings: plain data, safe to post to worker threads.
// Produced only by src/config; consumed by src/s3 (client factory) and the CLI.

export type AddressingStyle = 'path' | 'virtual' | 'auto';
export type ClientCacheMode = 'thread_local' | 'process_local';
/** Mirrors the SDK's requestChecksumCalculation / responseChecksumValidation settings. */
export type ChecksumPolicy = 'when_supported' | 'when_required';

/** Where a resolved value came from, for `config show` and for error hints. */
export type SettingSource =
  | { kind: 'flag'; name: string }
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string; section: string; key: string }
  | { kind: 'default' }
  | { kind: 'sdk-chain' };

export type StaticCredentials = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
};

/** Everything needed to build an S3 client for one profile, with provenance. */
export type ProfileSpec = {
  /** `default`, or NAME from `s3+NAME://`, or `AWS_PROFILE`'s value for plain `s3://`. */
  name: string;
  /** `''` for un-prefixed variables, else e.g. `PROFILE1__`. */
  envPrefix: string;
  /** Undefined means the AWS default endpoint for the region. */
  endpointUrl: string | undefined;
  region: string;
  addressingStyle: AddressingStyle;
  /** Undefined means: use the SDK's default credential chain for this profile. */
  credentials: StaticCredentials | undefined;
  /** Retries after the first attempt of a request. */
  maxRetryTimes: number;
  /** Longest wait for a connection, in seconds (0 = none). */
  connectTimeout: number;
  /** Longest time without a byte moving on a request, in seconds (0 = none). */
  timeout: number;
  verify: boolean;
  redirect: boolean;
  /** Path of a PEM bundle of extra trusted CAs (`AWS_CA_BUNDLE` / `ca_bundle`). */
  caBundle: string | undefined;
  /** Storage class of objects written to this profile (`s3.storage_class`), else the bucket's. */
  storageClass: string | undefined;
  requestChecksumCalculation: ChecksumPolicy;
  responseChecksumValidation: ChecksumPolicy;
  /** Files consulted, for hints: `check X or [name] in <credentialsFile>`. */
  credentialsFile: string;
  configFile: string;
  /**
   * Provenance of each resolved field. `credentials` is where the access key came from, or
   * `sdk-chain`; `accessKeyId` / `secretAccessKey` / `sessionToken` are set when found.
   */
  sources: Partial<Record<ProfileField, SettingSource>>;
};

export type ProfileField =
  | 'accessKeyId'
  | 'secretAccessKey'
  | 'sessionToken'
  | 'endpointUrl'
  | 'region'
  | 'addressingStyle'
  | 'credentials'
  | 'maxRetryTimes'
  | 'connectTimeout'
  | 'timeout'
  | 'verify'
  | 'redirect'
  | 'caBundle'
  | 'storageClass'
  | 'requestChecksumCalculation'
  | 'responseChecksumValidation';

/** Process-wide settings that are not per profile. */
export type GlobalSettings = {
  clientCacheMode: ClientCacheMode;
  sources: { clientCacheMode: SettingSource };
};
