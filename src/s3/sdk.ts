// The AWS SDK and the smithy packages s3ferry runs, loaded with require(). They are CommonJS
// bundles: an ESM `import` of one first makes Node scan the whole file for its export names
// (cjs-module-lexer) — about 100 ms of CPU for @aws-sdk/client-s3 alone on this machine, paid
// by the main thread and again by every worker thread (docs/benchmarks-tuning.md). require()
// skips that scan. Types still come from `import type` of the packages themselves.
import { createRequire } from 'node:module';
import type * as ClientS3 from '@aws-sdk/client-s3';
import type * as CredentialProviders from '@aws-sdk/credential-providers';
import type * as NodeHttp from '@smithy/node-http-handler';

const require = createRequire(import.meta.url);

export const {
  S3Client,
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} = require('@aws-sdk/client-s3') as typeof ClientS3;
export type S3Client = ClientS3.S3Client;

export const {
  createCredentialChain,
  fromContainerMetadata,
  fromIni,
  fromInstanceMetadata,
  fromNodeProviderChain,
} = require('@aws-sdk/credential-providers') as typeof CredentialProviders;

export const { NodeHttpHandler } = require('@smithy/node-http-handler') as typeof NodeHttp;
