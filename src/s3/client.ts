// The one factory that turns a resolved ProfileSpec into an S3Client: endpoint, region, addressing,
// TLS, keep-alive sockets, credentials, the exact retry budget, checksum policy, Content-MD5 on
// DeleteObjects and optional GET redirects. Never prints: warnings are returned as data.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { S3Client } from './sdk.ts';
import type { S3Api } from './sdk.ts';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import {
  createCredentialChain,
  fromContainerMetadata,
  fromIni,
  fromInstanceMetadata,
  fromNodeProviderChain,
} from './sdk.ts';
import { NodeHttpHandler } from './sdk.ts';
import type { AwsCredentialIdentity, Logger } from '@smithy/types';
import { describeSource } from '../shared/display.ts';
import { configError } from '../shared/errors.ts';
import type { ChecksumPolicy, ProfileSpec } from '../shared/profile.ts';
import { answerCheckPlugin } from './answer-middleware.ts';
import { contentMd5Plugin } from './content-md5.ts';
import { endpointKeyOf } from './endpoint-limits.ts';
import type { EndpointLimits } from './endpoint-limits.ts';
import type { SharedRate } from './shared-rate.ts';
import { displayEndpoint } from './hints.ts';
import { FirstByteDeadline, FirstByteHandler } from './first-byte-deadline.ts';
import { LeanHttpHandler } from './lean-http.ts';
import { LimitedHandler } from './limited-handler.ts';
import { PacedHandler } from './paced-handler.ts';
import { RedirectingHandler } from './redirect.ts';
import { BudgetRetryStrategy } from './retry.ts';
import { registerSignedTransport } from './signed-request.ts';
import type { SignedTransport } from './signed-request.ts';
import type { Backoff, RetryStats } from './retry.ts';

/** Options of {@link createS3Client}. */
export type CreateS3ClientOptions = {
  /** Sockets per endpoint: size it for the requests this client runs at once. @default 50 */
  maxSockets?: number;
  /** Backoff between retries; share one object across clients to slow a pool down together. @default fullJitterBackoff() */
  backoff?: Backoff;
  /** Counters the retry strategy updates (requests, attempts, retries). */
  stats?: RetryStats;
  /**
   * Adaptive concurrency per endpoint (shared-backoff.ts `endpointLimitsOf`): every attempt takes
   * a slot of its endpoint's limit, which throttling answers shrink. @default no limit
   */
  limits?: EndpointLimits;
  /**
   * Requests per second of the whole pool (shared-backoff.ts `sharedRates`, `--tpslimit`): every
   * attempt waits for it. @default no limit
   */
  requestRate?: SharedRate;
  /** Overrides the profile's `connectTimeout` (ms). */
  connectionTimeoutMs?: number;
  /** Overrides the profile's `timeout` (ms): idle time before a request fails as a retryable timeout. */
  socketTimeoutMs?: number;
};

/** The SDK logs through console unless given a logger; src/s3 must not print. */
const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Whether requests use path-style URLs (`http://host/bucket/key`).
 * - `path`: always; `virtual`: never (the SDK itself still uses path style for IP endpoints and
 *   bucket names that are not DNS labels).
 * - `auto`: path style when the endpoint host is an IP address, `localhost`/`*.localhost` or a
 *   single-label name (`http://minio:9000`): `bucket.<host>` cannot resolve there. Otherwise virtual,
 *   like botocore's `auto` and the SDK's default.
 */
export function usesPathStyle(spec: Pick<ProfileSpec, 'addressingStyle' | 'endpointUrl'>): boolean {
  if (spec.addressingStyle === 'path') return true;
  if (spec.addressingStyle === 'virtual' || spec.endpointUrl === undefined) return false;
  let host: string;
  try {
    host = new URL(spec.endpointUrl).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return true;
  }
  return (
    isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')
  );
}

/**
 * Warnings the user should see once per profile (the CLI prints them; the factory never does).
 * @example for (const w of profileWarnings(spec)) process.stderr.write(`warning: ${w}\n`)
 */
export function profileWarnings(spec: ProfileSpec): string[] {
  const warnings: string[] = [];
  if (!spec.verify) {
    const source = spec.sources.verify;
    const origin = source === undefined ? '' : ` (set by ${describeSource(source)})`;
    warnings.push(
      `TLS certificate verification is off for profile ${spec.name}${origin}: ` +
        'anyone on the network path can read and change the data',
    );
  }
  return warnings;
}

/** Reads a PEM CA bundle; a missing or non-PEM file is a config error naming it. */
function readCaBundle(spec: ProfileSpec, path: string): string {
  const source = spec.sources.caBundle;
  const origin = source === undefined ? '' : ` (set by ${describeSource(source)})`;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === 'string' ? code : String(error);
    throw configError(
      `cannot read the CA bundle ${path}${origin}: ${reason}`,
      'point it at a readable PEM file of CA certificates',
    );
  }
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  let valid = first !== null;
  if (first !== null) {
    try {
      new X509Certificate(first[0]);
    } catch {
      valid = false;
    }
  }
  if (!valid) {
    throw configError(
      `the CA bundle ${path}${origin} contains no PEM certificate`,
      'it must hold one or more -----BEGIN CERTIFICATE----- blocks',
    );
  }
  return pem;
}

/** A profile's static keys as the SDK's identity (no undefined session token). */
function staticIdentity(
  credentials: NonNullable<ProfileSpec['credentials']>,
): AwsCredentialIdentity {
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return sessionToken === undefined
    ? { accessKeyId, secretAccessKey }
    : { accessKeyId, secretAccessKey, sessionToken };
}

/** What the lean path uses of a client built from `parts` (signed-request.ts). */
function leanTransport(
  spec: ProfileSpec,
  parts: ClientParts,
  credentials: SignedTransport['credentials'],
  clockOffsetMs: () => number,
): SignedTransport {
  return {
    spec,
    pathStyle: parts.pathStyle,
    retryStrategy: parts.retryStrategy,
    handler: parts.leanHandler,
    credentials,
    clockOffsetMs,
  };
}

/**
 * Credentials: static keys when the profile has them; otherwise the SDK's own chain, so roles,
 * SSO and credential_process work without being reimplemented here.
 * A named profile skips the environment provider: un-prefixed AWS_* variables must not leak into it.
 */
function credentialsFor(spec: ProfileSpec): NonNullable<S3ClientConfig['credentials']> {
  if (spec.credentials !== undefined) return staticIdentity(spec.credentials);
  const files = {
    profile: spec.name,
    filepath: spec.credentialsFile,
    configFilepath: spec.configFile,
    logger: silentLogger,
  };
  if (spec.envPrefix === '') return fromNodeProviderChain(files);
  return createCredentialChain(
    fromIni(files),
    fromContainerMetadata({ logger: silentLogger }),
    fromInstanceMetadata({ logger: silentLogger }),
    () =>
      Promise.reject(
        Object.assign(new Error(`no credentials found for profile ${spec.name}`), {
          name: 'CredentialsProviderError',
          tryNextLink: false,
        }),
      ),
  );
}

function sdkChecksumPolicy(policy: ChecksumPolicy): 'WHEN_SUPPORTED' | 'WHEN_REQUIRED' {
  return policy === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
}

type RequestHandler = Pick<
  InstanceType<typeof NodeHttpHandler>,
  'handle' | 'updateHttpClientConfig' | 'httpHandlerConfigs' | 'destroy'
>;

/**
 * The pieces a client is built from: one set of keep-alive sockets, one retry budget and one
 * adaptive limit, shared by the lean path's handler (built at once) and the SDK's (built with
 * the SDK client, if ever).
 */
type ClientParts = {
  /** The lean path's handler: LeanHttpHandler, wrapped like the SDK's. */
  leanHandler: RequestHandler;
  /** Builds the SDK's handler over the same agents, timeouts, redirect rule and limit. */
  sdkHandler: () => RequestHandler;
  retryStrategy: BudgetRetryStrategy;
  pathStyle: boolean;
};

function buildParts(spec: ProfileSpec, options: CreateS3ClientOptions): ClientParts {
  const maxSockets = options.maxSockets ?? 50;
  const ca = spec.caBundle === undefined ? undefined : readCaBundle(spec, spec.caBundle);
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    maxSockets,
    rejectUnauthorized: spec.verify,
    // Extra CAs add to the public roots instead of replacing them.
    ...(ca === undefined ? {} : { ca: [...rootCertificates, ca] }),
  });
  const connectionTimeoutMs = options.connectionTimeoutMs ?? Math.round(spec.connectTimeout * 1000);
  // An idle timeout on the socket: it covers the wait for the first byte of an answer and any
  // stall of a body in either direction, however long the whole transfer takes.
  const socketTimeoutMs = options.socketTimeoutMs ?? Math.round(spec.timeout * 1000);
  const limit = options.limits?.for(endpointKeyOf(spec));
  const retryStrategy = new BudgetRetryStrategy({
    maxRetries: spec.maxRetryTimes,
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    ...(options.stats === undefined ? {} : { stats: options.stats }),
    ...(limit === undefined ? {} : { limit }),
  });
  const { requestRate } = options;
  // One estimate of the endpoint's answer times for both handlers of the client.
  const firstByte = new FirstByteDeadline(socketTimeoutMs);
  const wrap = (handler: RequestHandler): RequestHandler => {
    const timed = new FirstByteHandler(handler, firstByte);
    const inner = requestRate === undefined ? timed : new PacedHandler(timed, requestRate);
    const redirecting = spec.redirect ? new RedirectingHandler(inner, { follow: true }) : inner;
    return limit === undefined ? redirecting : new LimitedHandler(redirecting, limit);
  };
  return {
    leanHandler: wrap(
      new LeanHttpHandler({ httpAgent, httpsAgent, connectionTimeoutMs, socketTimeoutMs }),
    ),
    sdkHandler: () =>
      wrap(
        new NodeHttpHandler({
          httpAgent,
          httpsAgent,
          connectionTimeout: connectionTimeoutMs,
          socketTimeout: socketTimeoutMs,
          // first-byte-deadline.ts sets requestTimeout per request: a fired one is an error.
          throwOnRequestTimeout: true,
          logger: silentLogger,
        }),
      ),
    retryStrategy,
    pathStyle: usesPathStyle(spec),
  };
}

/** The SDK client over `parts`, with s3ferry's Content-MD5 and answer-check middleware. */
function sdkClient(spec: ProfileSpec, parts: ClientParts): S3Client {
  const config: S3ClientConfig = {
    region: spec.region,
    forcePathStyle: parts.pathStyle,
    credentials: credentialsFor(spec),
    requestHandler: parts.sdkHandler(),
    retryStrategy: parts.retryStrategy,
    // Only feeds the amz-sdk-request header; the strategy enforces the budget.
    maxAttempts: spec.maxRetryTimes + 1,
    requestChecksumCalculation: sdkChecksumPolicy(spec.requestChecksumCalculation),
    responseChecksumValidation: sdkChecksumPolicy(spec.responseChecksumValidation),
    // Everything comes from the spec: the SDK must not read AWS_ENDPOINT_URL* or the files itself.
    ignoreConfiguredEndpointUrls: true,
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    followRegionRedirects: false,
    logger: silentLogger,
  };
  if (spec.endpointUrl !== undefined) config.endpoint = spec.endpointUrl;
  const client = new S3Client(config);
  client.middlewareStack.use(contentMd5Plugin());
  client.middlewareStack.use(answerCheckPlugin(displayEndpoint(spec)));
  return client;
}

/**
 * Builds an S3Client for one resolved profile.
 * @throws S3FerryError (kind `config`) when the CA bundle cannot be read.
 * @example
 * const client = createS3Client(spec, { maxSockets: 16 });
 * await client.send(new HeadBucketCommand({ Bucket: 'b' }));
 */
export function createS3Client(spec: ProfileSpec, options: CreateS3ClientOptions = {}): S3Client {
  const parts = buildParts(spec, options);
  const client = sdkClient(spec, parts);
  // The same sockets, budget and credentials for the lean path (signed-request.ts).
  registerSignedTransport(
    client,
    leanTransport(
      spec,
      parts,
      () => client.config.credentials(),
      () => client.config.systemClockOffset,
    ),
  );
  return client;
}

/**
 * A client whose SDK half is built on its first send(). Until then the lean path
 * (signed-request.ts) runs on the same handler and retry budget without loading the SDK.
 */
class DeferredS3Client implements S3Api {
  #client: S3Client | undefined;
  readonly #build: () => S3Client;
  readonly #parts: ClientParts;

  constructor(spec: ProfileSpec, parts: ClientParts) {
    this.#parts = parts;
    this.#build = () => sdkClient(spec, parts);
  }

  readonly send = ((command: never, options?: never) =>
    (this.#client ??= this.#build()).send(command, options)) as S3Client['send'];

  /** The SDK client's clock correction after a skewed answer; 0 until it exists. */
  clockOffsetMs(): number {
    return this.#client?.config.systemClockOffset ?? 0;
  }

  destroy(): void {
    this.#client?.destroy();
    this.#parts.leanHandler.destroy();
  }
}

/**
 * The client s3ferry's own code uses for one profile: with static keys, a client whose SDK
 * half loads only when a request needs it (a run of listings and small copies never does);
 * with a credential chain, an S3Client at once (the chain is the SDK's).
 * @throws S3FerryError (kind `config`) when the CA bundle cannot be read.
 */
export function createS3Api(spec: ProfileSpec, options: CreateS3ClientOptions = {}): S3Api {
  const { credentials } = spec;
  if (credentials === undefined) return createS3Client(spec, options);
  const parts = buildParts(spec, options);
  const client = new DeferredS3Client(spec, parts);
  const identity = staticIdentity(credentials);
  registerSignedTransport(
    client,
    leanTransport(
      spec,
      parts,
      () => Promise.resolve(identity),
      () => client.clockOffsetMs(),
    ),
  );
  return client;
}
