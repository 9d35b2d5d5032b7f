// The AWS SDK and the smithy packages s3ferry runs, loaded with require() and only when first
// used. They are CommonJS bundles: an ESM `import` of one first makes Node scan the whole file for
// its export names (cjs-module-lexer) — about 100 ms of CPU for @aws-sdk/client-s3 alone on this
// machine, paid by the main thread and again by every worker thread (docs/benchmarks-tuning.md).
// require() skips that scan. Loading @aws-sdk/client-s3 at all still costs ~0.2 s of CPU, and a
// run whose requests all take the lean path (signed-request.ts: listings, small copies, no-ops)
// never needs it: each export below loads its package on its first `new` or call.
// Types still come from `import type` of the packages themselves.
import { createRequire } from 'node:module';
import type * as ClientS3 from '@aws-sdk/client-s3';
import type * as CredentialProviders from '@aws-sdk/credential-providers';
import type * as NodeHttp from '@smithy/node-http-handler';

// Not named `require`: the CLI bundle's banner declares that name (scripts/bundle.ts).
const requireCjs = createRequire(import.meta.url);

let clientS3: typeof ClientS3 | undefined;
let credentialProviders: typeof CredentialProviders | undefined;
let nodeHttp: typeof NodeHttp | undefined;

const loadClientS3 = (): typeof ClientS3 =>
  (clientS3 ??= requireCjs('@aws-sdk/client-s3') as typeof ClientS3);
const loadCredentialProviders = (): typeof CredentialProviders =>
  (credentialProviders ??= requireCjs(
    '@aws-sdk/credential-providers',
  ) as typeof CredentialProviders);
const loadNodeHttp = (): typeof NodeHttp =>
  (nodeHttp ??= requireCjs('@smithy/node-http-handler') as typeof NodeHttp);

/** Whether @aws-sdk/client-s3 has been loaded in this thread (tests of the lean path read it). */
export function isClientS3Loaded(): boolean {
  return clientS3 !== undefined;
}

type Constructor = new (...args: never[]) => object;

/**
 * A stand-in for the class `name` of a package: `new` on it loads the package and returns an
 * instance of the real class (a constructor that returns an object yields that object), so
 * `instanceof` against the package's own class still holds.
 */
function lazyClass<M, K extends keyof M>(load: () => M, name: K): M[K] {
  return function LazyConstructor(...args: unknown[]): object {
    const Real = load()[name] as unknown as new (...a: unknown[]) => object;
    return new Real(...args);
  } as unknown as M[K] & Constructor;
}

/** A stand-in for the function `name` of a package that loads the package on its first call. */
function lazyFunction<M, K extends keyof M>(load: () => M, name: K): M[K] {
  return ((...args: unknown[]) =>
    (load()[name] as unknown as (...a: unknown[]) => unknown)(...args)) as M[K];
}

const s3 = <K extends keyof typeof ClientS3>(name: K) => lazyClass(loadClientS3, name);
const credentials = <K extends keyof typeof CredentialProviders>(name: K) =>
  lazyFunction(loadCredentialProviders, name);

export const S3Client = s3('S3Client');
export type S3Client = ClientS3.S3Client;
/**
 * What s3ferry's code uses of a client: an S3Client, or a client whose SDK half is built on its
 * first send() (createS3Api in client.ts), so requests of the lean path never load the SDK.
 */
export type S3Api = Pick<ClientS3.S3Client, 'send' | 'destroy'>;
export const AbortMultipartUploadCommand = s3('AbortMultipartUploadCommand');
export const CompleteMultipartUploadCommand = s3('CompleteMultipartUploadCommand');
export const CopyObjectCommand = s3('CopyObjectCommand');
export const CreateBucketCommand = s3('CreateBucketCommand');
export const CreateMultipartUploadCommand = s3('CreateMultipartUploadCommand');
export const DeleteObjectCommand = s3('DeleteObjectCommand');
export const DeleteObjectsCommand = s3('DeleteObjectsCommand');
export const GetObjectCommand = s3('GetObjectCommand');
export const GetObjectTaggingCommand = s3('GetObjectTaggingCommand');
export const PutObjectTaggingCommand = s3('PutObjectTaggingCommand');
export const HeadBucketCommand = s3('HeadBucketCommand');
export const HeadObjectCommand = s3('HeadObjectCommand');
export const ListBucketsCommand = s3('ListBucketsCommand');
export const ListMultipartUploadsCommand = s3('ListMultipartUploadsCommand');
export const ListObjectsV2Command = s3('ListObjectsV2Command');
export const ListPartsCommand = s3('ListPartsCommand');
export const PutObjectCommand = s3('PutObjectCommand');
export const UploadPartCommand = s3('UploadPartCommand');
export const UploadPartCopyCommand = s3('UploadPartCopyCommand');

export const createCredentialChain = credentials('createCredentialChain');
export const fromContainerMetadata = credentials('fromContainerMetadata');
export const fromIni = credentials('fromIni');
export const fromInstanceMetadata = credentials('fromInstanceMetadata');
export const fromNodeProviderChain = credentials('fromNodeProviderChain');

export const NodeHttpHandler = lazyClass(loadNodeHttp, 'NodeHttpHandler');
