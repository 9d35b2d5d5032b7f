// End to end: the bad-input corpus (issue 12, section 3). One table of wrong command lines,
// settings, files, servers, local paths and source keys, each run against the built CLI and the
// local Ceph RGW. Every row checks what a user checks: the exit code (README "Exit codes"), one
// line on stderr naming the setting, file, flag or key at fault, no stack trace, no secret in any
// output, and nothing written where it should not be (the row's own local tree, its destination
// prefix in S3, and for hostile keys nothing outside the destination directory).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cleanEnv, runCli } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, keysOf, md5, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-bad-input-');

// The real server: the local RGW when the runner started one, else the first target.
const target = testTargets().find((t) => t.name === 'rgw') ?? testTargets()[0]!;
const [user0, user1] = target.users;
const ENDPOINT = target.endpoints[0];

// Distinctive secrets: none of them, nor the cluster's, may appear in any output.
const FAKE_SECRET = 'badInputSecret/Zq8+NeverShown+Xk41Tp0';
const FAKE_TOKEN = 'badInputToken-NeverShown-9Jd2Lm5Pq7Rs1';
const SECRETS = [user0.secretAccessKey, user1.secretAccessKey, FAKE_SECRET, FAKE_TOKEN];

/** `[name]` with the keys of `user` and, nested in `s3 =`, the endpoint; then `extra` lines. */
function section(name: string, user = user0, extra = '', endpoint = ENDPOINT): string {
  return (
    `[${name}]\naws_access_key_id = ${user.accessKeyId}\n` +
    `aws_secret_access_key = ${user.secretAccessKey}\n` +
    `s3 =\n    endpoint_url = ${endpoint}\n    addressing_style = path\n${extra}`
  );
}

/** The credentials file of every row that does not bring its own: profiles `a` and `u1`. */
const GOOD = `${section('a')}\n${section('u1', user1)}`;
/** Profile `a` with its keys but no endpoint, for rows that set the endpoint elsewhere. */
const KEYS_ONLY = `[a]\naws_access_key_id = ${user0.accessKeyId}\naws_secret_access_key = ${user0.secretAccessKey}\n`;

// Files root cannot read either: root bypasses mode bits, so chmod 000 proves nothing here. A
// sysctl file with mode 0200 is refused even to root (procfs checks the mode bits itself), and
// /proc/1/map_files refuses listing without CAP_SYS_ADMIN in the initial user namespace (a
// container's root). Each is checked here; a row that cannot be staged says why it is skipped.
const WRITE_ONLY_FILE = '/proc/sys/vm/compact_memory';
const UNLISTABLE_DIR = '/proc/1/map_files';
const cannotRead = (path: string): boolean => {
  try {
    if (statSync(path).isDirectory()) readdirSync(path);
    else readFileSync(path);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EACCES';
  }
};
const noWriteOnlyFile = cannotRead(WRITE_ONLY_FILE)
  ? undefined
  : `${WRITE_ONLY_FILE} is readable (or absent) here: no file that root cannot read`;
const noUnlistableDir = cannotRead(UNLISTABLE_DIR)
  ? undefined
  : `${UNLISTABLE_DIR} is listable here: no directory that root cannot list`;

/** What a row's command line and files refer to (fresh for every row). */
type World = {
  home: string;
  /** A local source directory: a.txt, sub/b.txt. */
  src: string;
  /** A local destination directory three levels down in the row's tree, holding keep.txt. */
  dst: string;
  /** The seeded source bucket (src/a.txt, src/sub/b.txt; hostile keys under hostile/<row>/). */
  bucket: string;
  /** `s3+a://<bucket>/hostile/<row>/`: where this row's hostile key is. */
  hostile: string;
  /** `s3+a://<destination bucket>/row-<n>/`: this row's S3 destination, empty before and after. */
  dstS3: string;
  /** `http://127.0.0.1:<port>`: a port nothing listens on (connections are refused). */
  closed: string;
  /** `http://127.0.0.1:<port>`: a server that accepts connections and never answers. */
  silent: string;
};

/** One bad input. */
type Row = {
  /** What is wrong, as the test's name. */
  what: string;
  argv: (w: World) => string[];
  /** Variables added to the clean environment (HOME is the row's). */
  env?: (w: World) => Record<string, string>;
  /** ~/.aws/credentials of the row (default: {@link GOOD}); with `viaEnv`, a file elsewhere. */
  credentials?: string | Buffer;
  /** ~/.aws/config of the row (default: none). */
  config?: string | Buffer;
  /** The files are at `<home>/elsewhere/*.ini`, named by AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE. */
  viaEnv?: boolean;
  /** A hostile key, put under the row's prefix of the source bucket before the run. */
  key?: string;
  /** Extra local setup (FIFOs, links, a file's place taken), after the files are written. */
  setup?: (w: World) => void;
  /** What the run rightly writes into the local destination (tree entries relative to it). */
  leaves?: Record<string, string>;
  /** What the run rightly writes at the S3 destination (keys relative to it). */
  leavesS3?: string[];
  code: ExitCode;
  /** The one stderr line must match (it names what is at fault). */
  line: RegExp;
  /** Why the row cannot run here. */
  skip?: string | undefined;
};

const sync = (...args: string[]): string[] => ['sync', '-q', ...args];
const viaEnvFiles = (w: World): Record<string, string> => ({
  AWS_SHARED_CREDENTIALS_FILE: join(w.home, 'elsewhere', 'credentials.ini'),
  AWS_CONFIG_FILE: join(w.home, 'elsewhere', 'config.ini'),
});
const LONG = 'x'.repeat(256);
const LONG_UTF8 = 'ü'.repeat(128); // 256 bytes

// prettier-ignore
const ROWS: Row[] = [
  // --- Malformed URLs and bucket names (usage, 2) ---
  { what: 'a bucket name of two characters', argv: () => ['ls', 's3+a://ab/'], code: ExitCode.Usage, line: /^s3ferry: invalid bucket name 'ab' in 's3\+a:\/\/ab\/': it must be 3 to 255 characters long$/ },
  { what: 'a bucket name of 256 characters', argv: () => ['ls', `s3+a://${'b'.repeat(256)}/`], code: ExitCode.Usage, line: /^s3ferry: invalid bucket name 'b{256}' .*3 to 255 characters/ },
  { what: 'a bucket name with a space', argv: () => ['ls', 's3+a://my bucket/'], code: ExitCode.Usage, line: /^s3ferry: invalid bucket name 'my bucket' .*only letters, digits/ },
  { what: 'a bucket name starting with -', argv: () => ['ls', 's3+a://-bucket/'], code: ExitCode.Usage, line: /^s3ferry: invalid bucket name '-bucket' .*start and end with a letter or digit$/ },
  { what: "a bucket name with '..'", argv: (w) => ['cp', 's3+a://abc..def/k', join(w.dst, 'k')], code: ExitCode.Usage, line: /^s3ferry: invalid bucket name 'abc\.\.def' .*must not contain '\.\.'$/ },
  { what: 'a URL with a key but no bucket', argv: () => ['ls', 's3+a:///key'], code: ExitCode.Usage, line: /^s3ferry: invalid path 's3\+a:\/\/\/key': missing bucket name before the key$/ },
  { what: 's3:/ with one slash', argv: (w) => sync('s3:/bucket/x', w.dst), code: ExitCode.Usage, line: /^s3ferry: invalid S3 URL 's3:\/bucket\/x'\. Hint: use s3:\/\/bucket\/key/ },
  { what: 'a profile name with a space in the URL', argv: () => ['ls', 's3+my profile://bucket/'], code: ExitCode.Usage, line: /^s3ferry: invalid path 's3\+my profile:\/\/bucket\/': profile name 'my profile' may contain only/ },
  { what: 'an https:// URL as a path', argv: () => ['ls', 'https://bucket.example.com/x'], code: ExitCode.Usage, line: /^s3ferry: unsupported path 'https:\/\/bucket\.example\.com\/x': scheme 'https:\/\/' is not supported/ },
  { what: 'an ftp:// URL as SRC', argv: (w) => sync('ftp://host/x', w.dst), code: ExitCode.Usage, line: /^s3ferry: unsupported path 'ftp:\/\/host\/x': scheme 'ftp:\/\/'/ },
  { what: 'an empty path', argv: () => ['ls', ''], code: ExitCode.Usage, line: /^s3ferry: empty path$/ },
  { what: 'file:// with no path', argv: (w) => sync('file://', w.dst), code: ExitCode.Usage, line: /^s3ferry: invalid path 'file:\/\/': file:\/\/ needs a path after it$/ },
  { what: 'cp from the bucket list s3+a://', argv: (w) => ['cp', 's3+a://', w.dst], code: ExitCode.Usage, line: /^s3ferry: cp needs a bucket: s3\+a:\/\/\. Hint: give s3:\/\/bucket\/key$/ },
  { what: 'rm -r of a whole bucket', argv: (w) => ['rm', '-r', `s3+a://${w.bucket}/`], code: ExitCode.Usage, line: /^s3ferry: refusing to remove the bucket root s3\+a:\/\/[^ ]+\/\. Hint: / },

  // --- Unknown and invalid profiles ---
  { what: 'an unknown profile in the URL', argv: () => ['ls', 's3+ghost://bucket/'], code: ExitCode.Usage, line: /^s3ferry: Unknown profile "ghost": no GHOST__\* environment variable, no \[ghost\] in ~\/\.aws\/credentials and no \[profile ghost\] in ~\/\.aws\/config\. Hint: / },
  { what: 'an unknown profile in AWS_PROFILE', argv: (w) => sync('s3://bucket/x/', w.dst), env: () => ({ AWS_PROFILE: 'ghost' }), code: ExitCode.Usage, line: /^s3ferry: Unknown profile "ghost" \(from AWS_PROFILE\)/ },
  { what: 'AWS_PROFILE that is no profile name', argv: () => ['ls', 's3://bucket/'], env: () => ({ AWS_PROFILE: 'team a' }), code: ExitCode.Usage, line: /^s3ferry: Invalid AWS_PROFILE: expected a profile name \(letters, digits, "_", "-" or "\."\), got "team a"$/ },
  { what: 'a profile written [ghost] in the config file (botocore wants [profile ghost])', argv: () => ['ls', 's3+ghost://bucket/'], config: '[ghost]\nregion = us-east-1\n', code: ExitCode.Usage, line: /^s3ferry: Unknown profile "ghost": .*\(the config file has \[ghost\], but names profiles \[profile ghost\]\)/ },
  { what: 'config show of an unknown profile', argv: () => ['config', 'show', '-n', 'ghost'], code: ExitCode.Usage, line: /^s3ferry: Unknown profile "ghost"/ },

  // --- Every setting with a bad value in the environment ---
  { what: 'a region with a space (NAME__AWS_REGION)', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ A__AWS_REGION: 'us east 1' }), code: ExitCode.Usage, line: /^s3ferry: Invalid A__AWS_REGION: expected a region name .*got "us east 1"$/ },
  { what: 'a region that is a path (NAME__AWS_DEFAULT_REGION)', argv: (w) => sync(w.src, w.dstS3), env: () => ({ A__AWS_DEFAULT_REGION: '../x' }), code: ExitCode.Usage, line: /^s3ferry: Invalid A__AWS_DEFAULT_REGION: expected a region name .*got "\.\.\/x"$/ },
  { what: 'a region of only blanks (AWS_REGION)', argv: () => ['ls', 's3://bucket/'], env: () => ({ AWS_REGION: '   ' }), code: ExitCode.Usage, line: /^s3ferry: Invalid AWS_REGION: expected a region name .*got " {3}"$/ },
  { what: 'verify = maybe (AWS_S3_VERIFY)', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ A__AWS_S3_VERIFY: 'maybe' }), code: ExitCode.Usage, line: /^s3ferry: Invalid A__AWS_S3_VERIFY: expected true, false, yes, no, 1 or 0, got "maybe"$/ },
  { what: 'a CA-bundle path in AWS_S3_VERIFY', argv: () => ['ls', 's3://bucket/'], env: () => ({ AWS_S3_VERIFY: '/etc/ssl/certs/ca.pem' }), code: ExitCode.Usage, line: /^s3ferry: Invalid AWS_S3_VERIFY: expected true, false, yes, no, 1 or 0, got "\/etc\/ssl\/certs\/ca\.pem"$/ },
  { what: 'redirect = 2 (AWS_S3_REDIRECT)', argv: () => ['stat', 's3+a://bucket/k'], env: () => ({ A__AWS_S3_REDIRECT: '2' }), code: ExitCode.Usage, line: /^s3ferry: Invalid A__AWS_S3_REDIRECT: expected true, false, yes, no, 1 or 0, got "2"$/ },
  { what: 'an unknown addressing style (AWS_S3_ADDRESSING_STYLE)', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ A__AWS_S3_ADDRESSING_STYLE: 'sideways' }), code: ExitCode.Usage, line: /^s3ferry: Invalid A__AWS_S3_ADDRESSING_STYLE: expected path, virtual or auto, got "sideways"$/ },
  { what: 'an ftp:// endpoint (OSS_ENDPOINT)', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ A__OSS_ENDPOINT: 'ftp://127.0.0.1:21' }), code: ExitCode.Usage, line: /^s3ferry: Invalid A__OSS_ENDPOINT: expected an http:\/\/ or https:\/\/ URL, got "ftp:\/\/127\.0\.0\.1:21"$/ },
  { what: 'an endpoint without a scheme (AWS_ENDPOINT_URL_S3)', argv: (w) => sync(w.src, w.dstS3), env: () => ({ A__AWS_ENDPOINT_URL_S3: '127.0.0.1:7480' }), code: ExitCode.Usage, line: /^s3ferry: Invalid A__AWS_ENDPOINT_URL_S3: expected an http:\/\/ or https:\/\/ URL, got "127\.0\.0\.1:7480"$/ },
  { what: 'an endpoint with no host (AWS_ENDPOINT_URL)', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ A__AWS_ENDPOINT_URL: 'http://' }), code: ExitCode.Usage, line: /^s3ferry: Invalid A__AWS_ENDPOINT_URL: expected an http:\/\/ or https:\/\/ URL, got "http:\/\/"$/ },
  { what: 'a CA bundle that does not exist (AWS_CA_BUNDLE)', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ A__AWS_CA_BUNDLE: '/nonexistent/ca.pem' }), code: ExitCode.Usage, line: /^s3ferry: cannot read the CA bundle \/nonexistent\/ca\.pem \(set by A__AWS_CA_BUNDLE\): ENOENT\. Hint: / },
  { what: 'a CA bundle that holds no certificate (AWS_CA_BUNDLE)', argv: () => ['ls', 's3+a://bucket/'], env: (w) => ({ A__AWS_CA_BUNDLE: join(w.src, 'a.txt') }), code: ExitCode.Usage, line: /^s3ferry: the CA bundle \S+\/a\.txt \(set by A__AWS_CA_BUNDLE\) contains no PEM certificate\. Hint: / },
  { what: 'retries that are no number (MEGFILE_S3_MAX_RETRY_TIMES)', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ MEGFILE_S3_MAX_RETRY_TIMES: 'many' }), code: ExitCode.Usage, line: /^s3ferry: Invalid MEGFILE_S3_MAX_RETRY_TIMES: expected a whole number from 0 to 1000, got "many"$/ },
  { what: 'negative retries (MEGFILE_MAX_RETRY_TIMES)', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ MEGFILE_MAX_RETRY_TIMES: '-2' }), code: ExitCode.Usage, line: /^s3ferry: Invalid MEGFILE_MAX_RETRY_TIMES: expected a whole number from 0 to 1000, got "-2"$/ },
  { what: 'too many retries for one profile (NAME__MEGFILE_S3_MAX_RETRY_TIMES)', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ A__MEGFILE_S3_MAX_RETRY_TIMES: '1001' }), code: ExitCode.Usage, line: /^s3ferry: Invalid A__MEGFILE_S3_MAX_RETRY_TIMES: expected a whole number from 0 to 1000, got "1001"$/ },
  { what: 'an unknown request checksum policy (AWS_REQUEST_CHECKSUM_CALCULATION)', argv: (w) => sync(w.src, w.dstS3), env: () => ({ AWS_REQUEST_CHECKSUM_CALCULATION: 'never' }), code: ExitCode.Usage, line: /^s3ferry: Invalid AWS_REQUEST_CHECKSUM_CALCULATION: expected when_required or when_supported, got "never"$/ },
  { what: 'an unknown response checksum policy (NAME__AWS_RESPONSE_CHECKSUM_VALIDATION)', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ A__AWS_RESPONSE_CHECKSUM_VALIDATION: 'nope' }), code: ExitCode.Usage, line: /^s3ferry: Invalid A__AWS_RESPONSE_CHECKSUM_VALIDATION: expected when_required or when_supported, got "nope"$/ },
  { what: 'an unknown client cache mode (MEGFILE_S3_CLIENT_CACHE_MODE)', argv: (w) => sync(w.src, w.dstS3), env: () => ({ MEGFILE_S3_CLIENT_CACHE_MODE: 'global' }), code: ExitCode.Usage, line: /^s3ferry: Invalid MEGFILE_S3_CLIENT_CACHE_MODE: expected thread_local or process_local, got "global"$/ },
  { what: '~/.aws/credentials that is a directory', argv: () => ['ls', 's3+a://bucket/'], setup: (w) => { rmSync(join(w.home, '.aws', 'credentials')); mkdirSync(join(w.home, '.aws', 'credentials')); }, code: ExitCode.Usage, line: /^s3ferry: Cannot read ~\/\.aws\/credentials: it is a directory \(EISDIR\)$/ },
  { what: 'AWS_CONFIG_FILE naming a directory', argv: () => ['ls', 's3+a://bucket/'], env: (w) => ({ AWS_CONFIG_FILE: w.home }), code: ExitCode.Usage, line: /^s3ferry: Cannot read ~: it is a directory \(EISDIR\)$/ },
  { what: 'AWS_CONFIG_FILE naming a file root cannot read', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ AWS_CONFIG_FILE: WRITE_ONLY_FILE }), code: ExitCode.Usage, line: /^s3ferry: Cannot read \/proc\/sys\/vm\/compact_memory: permission denied \(EACCES\)$/, skip: noWriteOnlyFile },

  // --- Half credentials in the environment ---
  { what: 'an access key id without a secret (env)', argv: () => ['ls', 's3+b://bucket/'], env: () => ({ B__AWS_ACCESS_KEY_ID: 'AKIAHALFEXAMPLE00001', B__AWS_ENDPOINT_URL: ENDPOINT }), code: ExitCode.Usage, line: /^s3ferry: Incomplete credentials for profile "b": an access key is set \(B__AWS_ACCESS_KEY_ID\) but no secret key in B__AWS_SECRET_ACCESS_KEY, / },
  { what: 'a secret without an access key id (env)', argv: (w) => sync('s3+b://bucket/x/', w.dst), env: () => ({ B__AWS_SECRET_ACCESS_KEY: FAKE_SECRET }), code: ExitCode.Usage, line: /^s3ferry: Incomplete credentials for profile "b": a secret key is set \(B__AWS_SECRET_ACCESS_KEY\) but no access key in B__AWS_ACCESS_KEY_ID, / },
  { what: 'a session token without keys (env)', argv: () => ['ls', 's3+b://bucket/'], env: () => ({ B__AWS_SESSION_TOKEN: FAKE_TOKEN }), code: ExitCode.Usage, line: /^s3ferry: Incomplete credentials for profile "b": a session token is set \(B__AWS_SESSION_TOKEN\) but no access key and secret key$/ },
  { what: 'AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY for plain s3://', argv: () => ['ls', 's3://bucket/'], env: () => ({ AWS_ACCESS_KEY_ID: 'AKIAHALFEXAMPLE00002' }), code: ExitCode.Usage, line: /^s3ferry: Incomplete credentials for profile "default": an access key is set \(AWS_ACCESS_KEY_ID\) but no secret key in AWS_SECRET_ACCESS_KEY/ },

  // --- Every setting with a bad value in the files (nested `s3 =` block) ---
  { what: 's3 = verify = maybe in the credentials file', argv: () => ['ls', 's3+a://bucket/'], credentials: section('a', user0, '    verify = maybe\n'), code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/credentials:7 \[a\] s3\.verify: expected true, false, yes, no, 1 or 0, got "maybe"$/ },
  { what: 's3 = redirect = perhaps in the credentials file', argv: () => ['ls', 's3+a://bucket/'], credentials: section('a', user0, '    redirect = perhaps\n'), code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/credentials:7 \[a\] s3\.redirect: expected true, false, yes, no, 1 or 0, got "perhaps"$/ },
  { what: 's3 = addressing_style = diagonal in the credentials file', argv: (w) => sync(w.src, w.dstS3), credentials: `${KEYS_ONLY}s3 =\n    endpoint_url = ${ENDPOINT}\n    addressing_style = diagonal\n`, code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/credentials:6 \[a\] s3\.addressing_style: expected path, virtual or auto, got "diagonal"$/ },
  { what: 's3 = endpoint_url = ftp:// in the credentials file', argv: () => ['ls', 's3+a://bucket/'], credentials: `${KEYS_ONLY}s3 =\n    endpoint_url = ftp://127.0.0.1:21\n`, code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/credentials:5 \[a\] s3\.endpoint_url: expected an http:\/\/ or https:\/\/ URL, got "ftp:\/\/127\.0\.0\.1:21"$/ },
  { what: 'a global endpoint_url without a scheme in the credentials file', argv: () => ['ls', 's3+a://bucket/'], credentials: `${KEYS_ONLY}endpoint_url = 127.0.0.1:7480\n`, code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/credentials:4 \[a\] endpoint_url: expected an http:\/\/ or https:\/\/ URL, got "127\.0\.0\.1:7480"$/ },
  { what: 'region = us east 1 in the credentials file', argv: () => ['ls', 's3+a://bucket/'], credentials: `${KEYS_ONLY}region = us east 1\n`, code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/credentials:4 \[a\] region: expected a region name .*got "us east 1"$/ },
  { what: 's3 = with a value on its own line (not a block)', argv: () => ['ls', 's3+a://bucket/'], credentials: `${KEYS_ONLY}s3 = endpoint_url=${ENDPOINT}\n`, code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/credentials:4: \[a\] "s3" must be an empty "s3 =" line followed by indented "key = value" lines$/ },
  { what: 'ca_bundle = a missing file in the credentials file', argv: () => ['ls', 's3+a://bucket/'], credentials: section('a', user0, 'ca_bundle = /nonexistent/ca.pem\n'), code: ExitCode.Usage, line: /^s3ferry: cannot read the CA bundle \/nonexistent\/ca\.pem \(set by ca_bundle in \[a\] of ~\/\.aws\/credentials\): ENOENT/ },
  { what: 'request_checksum_calculation = always in the credentials file', argv: () => ['ls', 's3+a://bucket/'], credentials: section('a', user0, 'request_checksum_calculation = always\n'), code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/credentials:7 \[a\] request_checksum_calculation: expected when_required or when_supported, got "always"$/ },
  { what: 'response_checksum_validation = always in the credentials file', argv: () => ['ls', 's3+a://bucket/'], credentials: section('a', user0, 'response_checksum_validation = always\n'), code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/credentials:7 \[a\] response_checksum_validation: expected when_required or when_supported, got "always"$/ },
  { what: 'region = ../x in [profile a] of the config file', argv: () => ['ls', 's3+a://bucket/'], config: '[profile a]\nregion = ../x\n', code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/config:2 \[profile a\] region: expected a region name .*got "\.\.\/x"$/ },
  { what: 's3 = verify = nah in the config file', argv: () => ['ls', 's3+a://bucket/'], config: '[profile a]\ns3 =\n    verify = nah\n', code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/config:3 \[profile a\] s3\.verify: expected true, false, yes, no, 1 or 0, got "nah"$/ },
  { what: 's3 = endpoint_url without a scheme in the config file', argv: () => ['ls', 's3+a://bucket/'], credentials: KEYS_ONLY, config: '[profile a]\ns3 =\n    endpoint_url = ceph.example.com\n', code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/config:3 \[profile a\] s3\.endpoint_url: expected an http:\/\/ or https:\/\/ URL, got "ceph\.example\.com"$/ },
  { what: 'addressing_style in the config file via AWS_CONFIG_FILE', argv: () => ['ls', 's3+a://bucket/'], viaEnv: true, credentials: KEYS_ONLY, config: `[profile a]\ns3 =\n    endpoint_url = ${ENDPOINT}\n    addressing_style = vhost\n`, code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/elsewhere\/config\.ini:4 \[profile a\] s3\.addressing_style: expected path, virtual or auto, got "vhost"$/ },
  { what: 'response_checksum_validation in [default] of the config file', argv: () => ['ls', 's3://bucket/'], config: '[default]\nresponse_checksum_validation = sometimes\n', code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/config:2 \[default\] response_checksum_validation: expected when_required or when_supported, got "sometimes"$/ },
  { what: 'a bad verify via AWS_SHARED_CREDENTIALS_FILE', argv: () => ['ls', 's3+a://bucket/'], viaEnv: true, credentials: section('a', user0, '    verify = sure\n'), code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/elsewhere\/credentials\.ini:7 \[a\] s3\.verify: .*got "sure"$/ },

  // --- Half credentials in the files ---
  { what: 'a key id without a secret in the credentials file', argv: () => ['ls', 's3+a://bucket/'], credentials: '[a]\naws_access_key_id = AKIAHALFEXAMPLE00003\n', code: ExitCode.Usage, line: /^s3ferry: Incomplete credentials for profile "a": an access key is set \(aws_access_key_id in \[a\] of ~\/\.aws\/credentials\) but no secret key in / },
  { what: 'a secret without a key id in the config file', argv: () => ['ls', 's3+c://bucket/'], config: `[profile c]\naws_secret_access_key = ${FAKE_SECRET}\n`, code: ExitCode.Usage, line: /^s3ferry: Incomplete credentials for profile "c": a secret key is set \(aws_secret_access_key in \[profile c\] of ~\/\.aws\/config\) but no access key in / },
  { what: 'a session token without keys in the credentials file', argv: () => ['ls', 's3+a://bucket/'], credentials: `[a]\naws_session_token = ${FAKE_TOKEN}\n`, code: ExitCode.Usage, line: /^s3ferry: Incomplete credentials for profile "a": a session token is set \(aws_session_token in \[a\] of ~\/\.aws\/credentials\) but no access key and secret key$/ },

  // --- Malformed and binary ini files ---
  { what: 'an unterminated section header', argv: () => ['ls', 's3+a://bucket/'], credentials: '[a\naws_access_key_id = x\n', code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/credentials:1: unterminated section header \(missing "\]"\)$/ },
  { what: 'text after a section header', argv: () => ['ls', 's3+a://bucket/'], credentials: '[a] extra\n', code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/credentials:1: unexpected text after the section header$/ },
  { what: 'an empty section name', argv: () => ['ls', 's3+a://bucket/'], credentials: `${GOOD}\n[]\n`, code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/credentials:\d+: empty section name "\[\]"$/ },
  { what: 'a key before any section', argv: () => ['ls', 's3+a://bucket/'], credentials: `region = us-east-1\n${GOOD}`, code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/credentials:1: "region" comes before any \[section\] header$/ },
  { what: 'a line that is no key = value', argv: () => ['ls', 's3+a://bucket/'], config: '[profile a]\nthis is not ini\n', code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/config:2: expected "\[section\]", "key = value" or a comment$/ },
  { what: 'a key name with spaces', argv: () => ['ls', 's3+a://bucket/'], credentials: `${GOOD}aws secret = x\n`, code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/credentials:\d+: invalid key name/ },
  { what: 'a repeated section', argv: () => ['ls', 's3+a://bucket/'], credentials: `${GOOD}\n[a]\nregion = us-east-1\n`, code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/credentials:\d+: the section \[a\] repeats the one at line 1: merge them into one$/ },
  { what: 'an indented line under a key that has a value', argv: () => ['ls', 's3+a://bucket/'], credentials: `${KEYS_ONLY}region = us-east-1\n    endpoint_url = ${ENDPOINT}\n`, code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/credentials:5: indented line continues "region", which already has a value/ },
  { what: 'a binary credentials file (an ELF header)', argv: () => ['ls', 's3+a://bucket/'], credentials: Buffer.from('7f454c46020101000000000000000000030003e001000000', 'hex'), code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/credentials is not a text file \(it holds NUL bytes\)/ },
  { what: 'a binary config file (gzip)', argv: () => ['ls', 's3+a://bucket/'], config: Buffer.from('1f8b0808a1b2c3d40003726561646d652e6d6400f3c8e4020000', 'hex'), code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/config is not a text file \(it holds NUL bytes\)/ },
  { what: 'a credentials file that is not UTF-8 (Latin-1 bytes)', argv: () => ['ls', 's3+a://bucket/'], credentials: Buffer.from('[a]\nregion = caf\xe9\xff\xfe\n', 'latin1'), code: ExitCode.Usage, line: /^s3ferry: ~\/\.aws\/credentials is not a text file \(it is not UTF-8\)/ },

  // --- Servers: non-http endpoints, refused connections, wrong and unknown keys ---
  { what: 'a refused connection (ls)', argv: () => ['ls', 's3+a://bucket/'], env: (w) => ({ A__AWS_ENDPOINT_URL: w.closed, MEGFILE_S3_MAX_RETRY_TIMES: '1' }), code: ExitCode.Fatal, line: /^s3ferry: .*ECONNREFUSED 127\.0\.0\.1:\d+.*\. Hint: cannot reach http:\/\/127\.0\.0\.1:\d+: check A__AWS_ENDPOINT_URL$/ },
  { what: 'a refused connection (sync from S3)', argv: (w) => sync('s3+a://bucket/x/', w.dst), env: (w) => ({ A__AWS_ENDPOINT_URL: w.closed, MEGFILE_S3_MAX_RETRY_TIMES: '1' }), code: ExitCode.Fatal, line: /^s3ferry: cannot list s3\+a:\/\/bucket\/x\/: connect ECONNREFUSED .*check A__AWS_ENDPOINT_URL$/ },
  { what: 'a refused connection (sync to S3), endpoint from the file', argv: (w) => sync(w.src, 's3+z://bucket/x/'), credentials: section('z', user0, '', 'http://127.0.0.1:9'), env: () => ({ MEGFILE_S3_MAX_RETRY_TIMES: '0' }), code: ExitCode.Fatal, line: /^s3ferry: cannot list s3\+z:\/\/bucket\/x\/: connect ECONNREFUSED 127\.0\.0\.1:9.*check s3\.endpoint_url in \[z\] of ~\/\.aws\/credentials\)?$/ },
  { what: 'a server that accepts connections and never answers (ls, --timeout 1s)', argv: () => ['ls', '--timeout', '1s', 's3+a://bucket/'], env: (w) => ({ A__AWS_ENDPOINT_URL: w.silent, MEGFILE_S3_MAX_RETRY_TIMES: '1' }), code: ExitCode.Fatal, line: /^s3ferry: cannot list s3\+a:\/\/bucket\/: no byte moved for 1 s \(--timeout\) \(after 2 attempts\)\. Hint: http:\/\/127\.0\.0\.1:\d+ gave no S3 answer .*check A__AWS_ENDPOINT_URL$/ },
  { what: 'a server that never answers (sync from S3, S3FERRY_TIMEOUT=1)', argv: (w) => sync('s3+a://bucket/x/', w.dst), env: (w) => ({ A__AWS_ENDPOINT_URL: w.silent, MEGFILE_S3_MAX_RETRY_TIMES: '1', S3FERRY_TIMEOUT: '1' }), code: ExitCode.Fatal, line: /^s3ferry: cannot list s3\+a:\/\/bucket\/x\/: no byte moved for 1 s \(--timeout\) \(after 2 attempts\).*check A__AWS_ENDPOINT_URL$/ },
  { what: 'a host name that does not resolve', argv: () => ['stat', 's3+a://bucket/k'], env: () => ({ A__AWS_ENDPOINT_URL: 'http://s3.nonexistent.invalid', MEGFILE_S3_MAX_RETRY_TIMES: '0' }), code: ExitCode.Fatal, line: /ENOTFOUND s3\.nonexistent\.invalid.*check A__AWS_ENDPOINT_URL$/ },
  { what: 'a wrong secret key (env) against RGW', argv: (w) => ['ls', `s3+a://${w.bucket}/`], env: () => ({ A__AWS_SECRET_ACCESS_KEY: FAKE_SECRET }), code: ExitCode.Fatal, line: /^s3ferry: cannot list s3\+a:\/\/[^ ]+\/: SignatureDoesNotMatch \(HTTP 403\)\. Hint: check A__AWS_SECRET_ACCESS_KEY / },
  { what: 'a wrong secret key (file) against RGW', argv: (w) => sync(`s3+a://${w.bucket}/src/`, w.dst), credentials: section('a', { accessKeyId: user0.accessKeyId, secretAccessKey: FAKE_SECRET }), code: ExitCode.Fatal, line: /^s3ferry: cannot list s3\+a:\/\/[^ ]+\/src\/: SignatureDoesNotMatch\. Hint: check A__AWS_SECRET_ACCESS_KEY or \[a\] in ~\/\.aws\/credentials/ },
  { what: 'an unknown access key against RGW', argv: (w) => sync(w.src, w.dstS3), env: () => ({ A__AWS_ACCESS_KEY_ID: 'AKIANOSUCHKEY0000001', A__AWS_SECRET_ACCESS_KEY: FAKE_SECRET }), code: ExitCode.Fatal, line: /^s3ferry: cannot list s3\+a:\/\/[^ ]+: InvalidAccessKeyId\. Hint: check A__AWS_ACCESS_KEY_ID / },
  { what: 'an unknown access key, stat', argv: (w) => ['stat', `s3+a://${w.bucket}/src/a.txt`], env: () => ({ A__AWS_ACCESS_KEY_ID: 'AKIANOSUCHKEY0000002', A__AWS_SECRET_ACCESS_KEY: FAKE_SECRET }), code: ExitCode.Fatal, line: /InvalidAccessKeyId.*Hint: check A__AWS_ACCESS_KEY_ID / },
  { what: "another user's keys on the bucket (ls)", argv: (w) => ['ls', `s3+u1://${w.bucket}/src/`], code: ExitCode.Fatal, line: /^s3ferry: cannot list s3\+u1:\/\/[^ ]+\/src\/: AccessDenied\b.*Hint: access key S3FE…\w+ has no permission .*\[u1\] in ~\/\.aws\/credentials/ },
  { what: "another user's keys on the bucket (sync)", argv: (w) => sync(`s3+u1://${w.bucket}/src/`, w.dst), code: ExitCode.Fatal, line: /^s3ferry: cannot list s3\+u1:\/\/[^ ]+\/src\/: AccessDenied\. Hint: access key S3FE…\w+ has no permission/ },
  { what: 'a missing bucket (sync)', argv: (w) => sync('s3+a://s3ferry-no-such-bucket-xyz/', w.dst), code: ExitCode.Fatal, line: /^s3ferry: cannot list s3\+a:\/\/s3ferry-no-such-bucket-xyz\/: NoSuchBucket\. Hint: bucket 's3ferry-no-such-bucket-xyz' does not exist/ },

  // --- Bad flag values ---
  { what: '--workers 0', argv: (w) => sync('--workers', '0', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: workers \(--workers\) must be a whole number from 1 to \d+ .*got 0$/ },
  { what: '--workers many', argv: (w) => sync('-w', 'many', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: workers \(--workers\) must be a whole number .*got 'many'$/ },
  { what: '--tasks-per-worker 257', argv: (w) => sync('--tasks-per-worker', '257', w.src, w.dst), code: ExitCode.Usage, line: /\(--tasks-per-worker\) must be a whole number from 1 to 256, got 257$/ },
  { what: '--part-size with an unknown unit', argv: (w) => sync('--part-size', '12XB', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --part-size: invalid size '12XB'\. Hint: / },
  { what: '--part-size below 5 MiB', argv: (w) => sync('--part-size', '1MiB', w.src, w.dstS3), code: ExitCode.Usage, line: /^s3ferry: the part size \(--part-size\) must be at least 5 MiB/ },
  { what: '--multipart-threshold negative', argv: (w) => sync('--multipart-threshold=-5', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --multipart-threshold: invalid size '-5'/ },
  { what: '--part-concurrency 0', argv: (w) => sync('--part-concurrency', '0', w.src, w.dst), code: ExitCode.Usage, line: /\(--part-concurrency\) must be a whole number from 1 to 64, got 0$/ },
  { what: '--list-concurrency x', argv: (w) => sync('--list-concurrency', 'x', w.src, w.dst), code: ExitCode.Usage, line: /\(--list-concurrency\) must be a whole number from 1 to 64, got 'x'$/ },
  { what: '--checkers 0', argv: (w) => sync('--checksum', '--checkers', '0', w.src, w.dst), code: ExitCode.Usage, line: /\(--checkers\) must be a whole number from 1 to 256, got 0$/ },
  { what: '--max-delete -1', argv: (w) => sync('--delete', '--max-delete', '-1', w.src, w.dst), code: ExitCode.Usage, line: /--max-delete.*got '-1'$/ },
  { what: '--bwlimit fast', argv: (w) => sync('--bwlimit', 'fast', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --bwlimit: invalid rate 'fast'\. Hint: use bytes per second/ },
  { what: '--bwlimit with a time of 25:00', argv: (w) => sync('--bwlimit', '08:00,1MiB 25:00,off', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --bwlimit: invalid timetable entry '25:00,off'\. Hint: / },
  { what: '--tpslimit 1.5', argv: (w) => sync('--tpslimit', '1.5', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --tpslimit: invalid number '1\.5'\. Hint: use a whole number of requests per second/ },
  { what: '--tpslimit-burst without --tpslimit', argv: (w) => sync('--tpslimit-burst', '5', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --tpslimit-burst shapes --tpslimit, which was not given\. Hint: add --tpslimit N$/ },
  { what: '--storage-class standard-ia', argv: (w) => sync('--storage-class', 'standard-ia', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --storage-class: 'standard-ia' is not a storage class name\. Hint: use the provider's name in capitals/ },
  { what: '--sse AES', argv: (w) => sync('--sse', 'AES', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --sse: 'AES' is not one of AES256, aws:kms$/ },
  { what: '--sse-kms-key-id without --sse aws:kms', argv: (w) => sync('--sse-kms-key-id', 'k1', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --sse-kms-key-id needs --sse aws:kms$/ },
  { what: '--acl public', argv: (w) => sync('--acl', 'public', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --acl: 'public' is not a canned ACL\. Hint: use one of private, public-read/ },
  { what: '--metadata without =', argv: (w) => sync('--metadata', 'team', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --metadata: 'team' is not KEY=VALUE$/ },
  { what: '--content-type with a newline', argv: (w) => sync('--content-type', 'text/plain\nX-Evil: 1', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --content-type: "text\/plain\\nX-Evil: 1" has characters an HTTP header cannot carry$/ },
  { what: '--metrics-push without http://', argv: (w) => sync('--metrics-push', 'pushgateway:9091', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --metrics-push: invalid URL 'pushgateway:9091'\. Hint: give the Pushgateway as http:\/\/HOST:PORT/ },
  { what: '--metrics-push-interval 30 (no unit)', argv: (w) => sync('--metrics-textfile', join(w.home, 'm.prom'), '--metrics-push-interval', '30', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --metrics-push-interval: invalid duration '30'\. Hint: use a number with a unit/ },
  { what: '--metrics-textfile not ending in .prom', argv: (w) => sync('--metrics-textfile', join(w.home, 'm.txt'), w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --metrics-textfile: '.*m\.txt' does not end in \.prom\. Hint: node_exporter's textfile collector reads only \*\.prom files$/ },
  { what: '--metrics-textfile in a missing directory', argv: (w) => sync('--metrics-textfile', join(w.home, 'missing', 'm.prom'), w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --metrics-textfile: cannot write .*missing\/m\.prom: ENOENT$/ },
  { what: '--metrics-addr 9464 (no host)', argv: (w) => ['cp', '-r', '-q', '--metrics-addr', '9464', w.src, w.dst], code: ExitCode.Usage, line: /^s3ferry: --metrics-addr: invalid address '9464'\. Hint: use HOST:PORT/ },
  { what: '--metrics-addr on a port another server holds', argv: (w) => sync('--metrics-addr', w.silent.replace('http://', ''), w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --metrics-addr: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE$/ },
  { what: '--metrics-job without a metrics output', argv: (w) => ['mv', '-r', '-q', '--metrics-job', 'nightly', w.src, w.dst], code: ExitCode.Usage, line: /^s3ferry: --metrics-job shape metrics output, but none was asked for\. Hint: add --metrics-push URL/ },
  { what: '--min-age yesterday-ish', argv: (w) => sync('--min-age', 'yesterday-ish', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --min-age: invalid age 'yesterday-ish'\. Hint: use a duration \(30m, 36h, 7d\) or an ISO date/ },
  { what: '--max-size lots', argv: (w) => sync('--max-size', 'lots', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --max-size: invalid size 'lots'\. Hint: / },
  { what: '--min-size above --max-size', argv: (w) => ['check', '--min-size', '2MiB', '--max-size', '1MiB', w.src, w.dst], code: ExitCode.Usage, line: /^s3ferry: --min-size is larger than --max-size: nothing would be selected$/ },
  { what: '--files-from a file that does not exist', argv: (w) => sync('--files-from', join(w.home, 'no-list.txt'), w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --files-from: cannot read .*no-list\.txt: ENOENT$/ },
  { what: '--exclude-from a file with an unclosed [', argv: (w) => ['cp', '-r', '--exclude-from', join(w.home, 'patterns.txt'), w.src, w.dst], setup: (w) => { writeFileSync(join(w.home, 'patterns.txt'), '*.tmp\nlogs/[0-9\n'); }, code: ExitCode.Usage, line: /^s3ferry: --exclude-from .*patterns\.txt line 2: filter pattern 'logs\/\[0-9': the '\[' is never closed\. Hint: close it with '\]'/ },
  { what: '--files-from with --queue', argv: (w) => sync('--files-from', join(w.home, 'list.txt'), '--queue', 'redis://127.0.0.1:1', w.src, w.dstS3), setup: (w) => { writeFileSync(join(w.home, 'list.txt'), 'a.txt\n'); }, code: ExitCode.Usage, line: /^s3ferry: --files-from is for a local run: .*Hint: drop --queue/ },
  { what: 'ls --min-size without -r', argv: (w) => ['ls', '--min-size', '1KiB', w.src], code: ExitCode.Usage, line: /^s3ferry: filters select objects of a recursive listing; this one lists one level\. Hint: add -r$/ },
  { what: '--timeout fast', argv: () => ['ls', '--timeout', 'fast', 's3+a://bucket/'], code: ExitCode.Usage, line: /^s3ferry: Invalid --timeout: expected a duration such as 500ms, 30s, 2m or 1m30s .*got "fast"$/ },
  { what: '--connect-timeout 1d on a local sync (more than a day)', argv: (w) => sync('--connect-timeout', '1d', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: Invalid --connect-timeout: expected a duration .*got "1d"$/ },
  { what: 'S3FERRY_CONNECT_TIMEOUT=-1s', argv: () => ['ls', 's3+a://bucket/'], env: () => ({ S3FERRY_CONNECT_TIMEOUT: '-1s' }), code: ExitCode.Usage, line: /^s3ferry: Invalid S3FERRY_CONNECT_TIMEOUT: expected a duration .*got "-1s"$/ },
  { what: 'cli_read_timeout = 2d in [profile a] of the config file', argv: () => ['ls', 's3+a://bucket/'], config: '[profile a]\ncli_read_timeout = 2d\n', code: ExitCode.Usage, line: /^s3ferry: Invalid ~\/\.aws\/config:2 \[profile a\] cli_read_timeout: expected a duration .*got "2d"$/ },
  { what: '--max-retry-times -1 on a local sync', argv: (w) => sync('--max-retry-times', '-1', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: Invalid --max-retry-times: expected a whole number from 0 to 1000, got "-1"$/ },
  { what: '--max-retry-times 1001 on an S3 sync', argv: (w) => sync('--max-retry-times', '1001', w.src, w.dstS3), code: ExitCode.Usage, line: /^s3ferry: Invalid --max-retry-times: expected a whole number from 0 to 1000, got "1001"$/ },
  { what: '--request-checksum-calculation x on a local sync', argv: (w) => sync('--request-checksum-calculation', 'x', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: Invalid --request-checksum-calculation: expected when_required or when_supported, got "x"$/ },
  { what: '--response-checksum-validation x on cat', argv: (w) => ['cat', '--response-checksum-validation', 'x', `s3+a://${w.bucket}/src/a.txt`], code: ExitCode.Usage, line: /^s3ferry: Invalid --response-checksum-validation: expected when_required or when_supported, got "x"$/ },
  { what: '--client-cache-mode foo', argv: (w) => sync('--client-cache-mode', 'foo', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: Invalid --client-cache-mode: expected thread_local or process_local, got "foo"$/ },
  { what: '--older-than without a unit', argv: (w) => ['uploads', '--abort', '--older-than', '5', `s3+a://${w.bucket}/src/`], code: ExitCode.Usage, line: /^s3ferry: --older-than: invalid duration '5'\. Hint: / },
  { what: '--older-than in weeks', argv: (w) => ['uploads', '--older-than', '1w', `s3+a://${w.bucket}/src/`], code: ExitCode.Usage, line: /^s3ferry: --older-than: invalid duration '1w'/ },
  { what: '--shard out of range', argv: (w) => sync('--plan', join(w.home, 'plan.json'), '--shard', '3/2', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --shard must be I\/N with 0 ≤ I < N .*got 3\/2$/ },
  { what: '--queue with an http:// URL', argv: (w) => sync('--queue', 'http://127.0.0.1:6379', w.src, w.dstS3), code: ExitCode.Usage, line: /^s3ferry: --queue must be a redis:\/\/ or rediss:\/\/ URL, not http:\/\// },
  { what: '--job without --queue', argv: (w) => sync('--job', 'j1', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --job names a job in Redis, but no --queue was given\. Hint: / },
  { what: '--force and --checksum together', argv: (w) => sync('--force', '--checksum', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: --force and --checksum cannot be combined: choose one$/ },
  { what: 'an unclosed [ in --include', argv: (w) => sync('--include', '[abc', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: filter pattern '\[abc': the '\[' is never closed/ },
  { what: 'config s3 -as diagonal', argv: () => ['config', 's3', 'AKIAEXAMPLE', FAKE_SECRET, '-as', 'diagonal'], code: ExitCode.Usage, line: /^s3ferry: option '-as, --addressing-style <style>' argument 'diagonal' is invalid\. Allowed choices are path, virtual, auto\. \(see --help\)$/ },
  { what: 'config s3 -e ftp://', argv: () => ['config', 's3', 'AKIAEXAMPLE', FAKE_SECRET, '-e', 'ftp://files.example.com'], code: ExitCode.Usage, line: /^s3ferry: Expected the endpoint URL to be an http:\/\/ or https:\/\/ URL, got 'ftp:\/\/files\.example\.com'$/ },
  { what: 'config s3 -n with a space', argv: () => ['config', 's3', 'AKIAEXAMPLE', FAKE_SECRET, '-n', 'team a'], code: ExitCode.Usage, line: /^s3ferry: Expected the profile name to use only letters, digits, '_', '-' and '\.', got 'team a'$/ },

  // --- Unknown flags and commands, missing arguments ---
  { what: 'an unknown long flag', argv: (w) => sync('--bogus', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: unknown option '--bogus' \(see --help\)$/ },
  { what: 'an unknown short flag', argv: () => ['ls', '-Z', 's3+a://bucket/'], code: ExitCode.Usage, line: /^s3ferry: unknown option '-Z' \(see --help\)$/ },
  { what: 'a misspelt flag (suggestion on the same line)', argv: (w) => sync('--dryrun', w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: unknown option '--dryrun' .*--dry-run.*\(see --help\)$/ },
  { what: 'an unknown command', argv: () => ['frobnicate'], code: ExitCode.Usage, line: /^s3ferry: unknown command 'frobnicate' \(see --help\)$/ },
  { what: 'a flag missing its value', argv: (w) => sync(w.src, w.dst, '--workers'), code: ExitCode.Usage, line: /^s3ferry: option '-w, --workers <N>' argument missing \(see --help\)$/ },
  { what: 'sync without DST', argv: (w) => sync(w.src), code: ExitCode.Usage, line: /^s3ferry: missing required argument 'DST' \(see --help\)$/ },
  { what: 'sync without arguments', argv: () => sync(), code: ExitCode.Usage, line: /^s3ferry: missing required argument 'SRC' \(see --help\)$/ },
  { what: 'ls without PATH', argv: () => ['ls'], code: ExitCode.Usage, line: /^s3ferry: missing required argument 'PATH' \(see --help\)$/ },
  { what: 'config s3 without the secret key', argv: () => ['config', 's3', 'AKIAEXAMPLE'], code: ExitCode.Usage, line: /^s3ferry: missing required argument 'SECRET_KEY' \(see --help\)$/ },
  { what: 'sync with a third argument', argv: (w) => sync(w.src, w.dst, w.dst), code: ExitCode.Usage, line: /^s3ferry: too many arguments for 'sync'\. Expected 2 arguments but got 3\. \(see --help\)$/ },

  // --- Local and S3 paths that cannot work ---
  { what: 'SRC equal to DST (local)', argv: (w) => sync(w.src, w.src), code: ExitCode.Usage, line: /^s3ferry: the source \S+ and the destination \S+ are the same place \(same directory tree\)/ },
  { what: 'DST inside SRC (local)', argv: (w) => sync(w.src, join(w.src, 'sub', 'out')), code: ExitCode.Usage, line: /^s3ferry: the destination \S+\/sub\/out is inside the source \S+ \(same directory tree\)/ },
  { what: 'SRC equal to DST (S3)', argv: (w) => sync(`s3+a://${w.bucket}/src/`, `s3+a://${w.bucket}/src/`), code: ExitCode.Usage, line: /are the same place \(same endpoint and bucket\)/ },
  { what: 'DST inside SRC (S3)', argv: (w) => sync(`s3+a://${w.bucket}/src/`, `s3+a://${w.bucket}/src/sub/out/`), code: ExitCode.Usage, line: /^s3ferry: the destination s3\+a:\/\/\S+\/src\/sub\/out\/ is inside the source/ },
  { what: 'a file onto a directory', argv: (w) => sync(join(w.src, 'a.txt'), w.dst), code: ExitCode.Usage, line: /^s3ferry: the source \S+\/a\.txt is one file or object, which syncs to exactly the destination, but \S+ is a directory\. Hint: / },
  { what: 'an object onto a local directory', argv: (w) => sync(`s3+a://${w.bucket}/src/a.txt`, w.dst), code: ExitCode.Usage, line: /^s3ferry: the source s3\+a:\/\/\S+\/src\/a\.txt is one file or object, .* but \S+ is a directory/ },
  { what: 'a directory onto a file', argv: (w) => sync(w.src, join(w.dst, 'keep.txt')), code: ExitCode.Usage, line: /^s3ferry: the source \S+\/src is a directory or prefix, but the destination \S+\/keep\.txt is a file, not a directory\. Hint: give a directory as the destination$/ },
  { what: 'a missing source directory', argv: (w) => sync(join(w.src, 'missing'), w.dst), code: ExitCode.Fatal, line: /^s3ferry: the source \S+\/missing does not exist or cannot be read: ENOENT$/ },
  { what: 'rm of a directory without -r', argv: (w) => ['rm', w.src], code: ExitCode.Usage, line: /^s3ferry: \S+ is a directory\. Hint: remove it with rm -r$/ },
  { what: 'cp of a directory without -r', argv: (w) => ['cp', w.src, w.dst], code: ExitCode.Usage, line: /is a directory \(prefix\); cp without -r copies one object or file\. Hint: / },
  { what: '--report naming a directory', argv: (w) => sync('--report', w.home, w.src, w.dst), code: ExitCode.Usage, line: /^s3ferry: cannot write the report \S+: EISDIR$/ },

  // --- Files and directories that cannot be read (even by root) ---
  { what: 'a source file root cannot read (mode 0200 sysctl)', argv: (w) => sync(w.src, w.dst), setup: (w) => { symlinkSync(WRITE_ONLY_FILE, join(w.src, 'secret.txt')); }, leaves: { 'a.txt': md5('alpha'), 'sub/': 'dir', 'sub/b.txt': md5('bravo') }, code: ExitCode.Partial, line: /^s3ferry: failed: \S+\/secret\.txt: EACCES: cannot read / , skip: noWriteOnlyFile },
  { what: 'a source directory root cannot list', argv: (w) => sync(w.src, w.dstS3), setup: (w) => { symlinkSync(UNLISTABLE_DIR, join(w.src, 'locked')); }, leavesS3: ['a.txt', 'sub/b.txt'], code: ExitCode.Partial, line: /^s3ferry: failed: \S+\/locked: EACCES: cannot list .*Hint: check the permissions of the directory$/, skip: noUnlistableDir },
  { what: 'a single source file root cannot read', argv: (w) => sync(WRITE_ONLY_FILE, join(w.dst, 'copy.txt')), code: ExitCode.Partial, line: /^s3ferry: failed: \/proc\/sys\/vm\/compact_memory: EACCES: cannot read /, skip: noWriteOnlyFile },
  { what: 'ls of a directory root cannot list', argv: () => ['ls', UNLISTABLE_DIR], code: ExitCode.Partial, line: /^s3ferry: cannot read the directory \/proc\/1\/map_files: EACCES\. Hint: /, skip: noUnlistableDir },
  { what: 'cat of a file root cannot read', argv: () => ['cat', WRITE_ONLY_FILE], code: ExitCode.Partial, line: /^s3ferry: cannot read \/proc\/sys\/vm\/compact_memory: EACCES\. Hint: /, skip: noWriteOnlyFile },
  { what: 'a FIFO in the source directory (never opened: it would block)', argv: (w) => sync(w.src, w.dst), setup: (w) => { mkfifo(join(w.src, 'pipe')); }, leaves: { 'a.txt': md5('alpha'), 'sub/': 'dir', 'sub/b.txt': md5('bravo') }, code: ExitCode.Partial, line: /^s3ferry: failed: \S+\/pipe: NotARegularFile: \S+ is not a regular file or directory \(FIFO, socket or device\); not synced$/ },
  { what: 'a FIFO as the source', argv: (w) => sync(join(w.src, 'pipe'), join(w.dst, 'copy')), setup: (w) => { mkfifo(join(w.src, 'pipe')); }, code: ExitCode.Fatal, line: /^s3ferry: cannot list \S+\/pipe: \S+\/pipe is not a regular file or directory$/ },

  // --- Hostile keys in a source bucket, copied into a local directory (exit 1, one line each) ---
  { what: "a key '../x' (parent of the destination)", key: '../escape.txt', argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /^s3ferry: failed: \S+\/\.\.\/escape\.txt: UnsafeKey: the key "\.\.\/escape\.txt" cannot be written under \S+: it has a '\.\.' segment\. Hint: / },
  { what: "a key climbing three levels 'a/../../../x'", key: 'a/../../../escape.txt', argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /UnsafeKey: the key "a\/\.\.\/\.\.\/\.\.\/escape\.txt" cannot be written under \S+: it has a '\.\.' segment/ },
  { what: "a key '..'", key: '..', argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /UnsafeKey: the key "\.\." cannot be written under \S+: it has a '\.\.' segment/ },
  { what: "a key 'dir/..'", key: 'dir/..', argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /UnsafeKey: the key "dir\/\.\." cannot be written/ },
  { what: 'an absolute key', key: `/tmp/s3ferry-bad-input-${process.pid}-abs.txt`, argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /UnsafeKey: the key "\/tmp\/s3ferry-bad-input-\d+-abs\.txt" cannot be written under \S+: it is absolute \(starts with \/\)/ },
  { what: "a key './x'", key: './dot.txt', argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /UnsafeKey: the key "\.\/dot\.txt" cannot be written under \S+: it has a '\.' segment/ },
  { what: "a key 'a/./b'", key: 'a/./b.txt', argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /UnsafeKey: the key "a\/\.\/b\.txt" .*'\.' segment/ },
  { what: "a key '.'", key: '.', argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /UnsafeKey: the key "\." .*'\.' segment/ },
  { what: "a key with an empty segment 'a//b'", key: 'a//b.txt', argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /UnsafeKey: the key "a\/\/b\.txt" .*empty segment/ },
  { what: 'a key of 256 bytes (over NAME_MAX)', key: LONG, argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /^s3ferry: failed: \S+\/x{256}: ENAMETOOLONG: / },
  // The download makes the key's directories before the name fails: an empty dir/ stays behind, inside the destination.
  { what: 'a key with a 300-byte directory name', key: `dir/${'y'.repeat(300)}/z.txt`, leaves: { 'dir/': 'dir' }, argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /^s3ferry: failed: \S+\/y{300}\/z\.txt: ENAMETOOLONG: / },
  { what: 'a UTF-8 key of 256 bytes (128 characters)', key: LONG_UTF8, argv: (w) => sync(w.hostile, w.dst), code: ExitCode.Partial, line: /^s3ferry: failed: \S+\/(ü){128}: ENAMETOOLONG: / },
  { what: "cp -r of a '../' key", key: '../cp-escape.txt', argv: (w) => ['cp', '-r', '-q', w.hostile, w.dst], code: ExitCode.Partial, line: /UnsafeKey: the key "\.\.\/cp-escape\.txt" cannot be written/ },
];

function mkfifo(path: string): void {
  const made = spawnSync('mkfifo', [path]);
  assert.equal(made.status, 0, `mkfifo ${path}: ${String(made.stderr)}`);
}

/** Every entry under `dir`: directories as `name/`, links as `-> target`, files with their MD5. */
function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name);
    const rel = relative(dir, full).split(sep).join('/');
    if (entry.isDirectory()) out[`${rel}/`] = 'dir';
    else if (entry.isSymbolicLink()) out[rel] = `-> ${readlinkSync(full)}`;
    else if (entry.isFile()) out[rel] = md5(readFileSync(full));
    else out[rel] = 'special';
  }
  return out;
}

/** A port on 127.0.0.1 that nothing listens on: taken from the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}

describe(
  `bad inputs to the CLI, one line each (${ROWS.length} rows, on ${target.name})`,
  { concurrency: 4 },
  () => {
    const client = createS3Client(targetSpec(target));
    let bucket = '';
    let dstBucket = '';
    let closed = '';
    let silent = '';
    // Accepts connections and never answers (nor closes them): a hung endpoint.
    const silentServer = createServer(() => undefined);
    const seeded: Record<string, string> = { 'src/a.txt': 'alpha', 'src/sub/b.txt': 'bravo' };
    const refusedKeys: string[] = [];

    before(async () => {
      bucket = await createBucket(client, 'bad-input');
      dstBucket = await createBucket(client, 'bad-input-dst');
      closed = `http://127.0.0.1:${await closedPort()}`;
      await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
      silent = `http://127.0.0.1:${(silentServer.address() as { port: number }).port}`;
      await seed(client, bucket, seeded);
      for (const [index, row] of ROWS.entries()) {
        if (row.key === undefined) continue;
        const key = `hostile/${index}/${row.key}`;
        try {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'evil' }));
          seeded[key] = 'evil';
        } catch {
          refusedKeys.push(row.key);
        }
      }
    });

    after(async () => {
      silentServer.close();
      // Nothing changed in the source bucket, whatever the rows did.
      assert.deepEqual((await keysOf(client, bucket)).sort(), Object.keys(seeded).sort());
      await removeBucket(client, bucket);
      await removeBucket(client, dstBucket);
    });

    for (const [index, row] of ROWS.entries()) {
      it(row.what, { skip: row.skip ?? false, timeout: 60_000 }, async () => {
        assert.ok(
          row.key === undefined || !refusedKeys.includes(row.key),
          `RGW refused the key ${JSON.stringify(row.key)}`,
        );
        const rowDir = freshDir(`row-${index}`);
        const home = join(rowDir, 'home');
        const tree = join(rowDir, 'tree');
        const w: World = {
          home,
          src: join(tree, 'src'),
          dst: join(tree, 'out', 'nest', 'dst'),
          bucket,
          hostile: `s3+a://${bucket}/hostile/${index}/`,
          dstS3: `s3+a://${dstBucket}/row-${index}/`,
          closed,
          silent,
        };
        mkdirSync(join(w.src, 'sub'), { recursive: true });
        mkdirSync(w.dst, { recursive: true });
        writeFileSync(join(w.src, 'a.txt'), 'alpha');
        writeFileSync(join(w.src, 'sub', 'b.txt'), 'bravo');
        writeFileSync(join(w.dst, 'keep.txt'), 'keep');

        const filesDir = row.viaEnv === true ? join(home, 'elsewhere') : join(home, '.aws');
        mkdirSync(filesDir, { recursive: true });
        const filesEnv = row.viaEnv === true ? viaEnvFiles(w) : {};
        writeFileSync(
          join(filesDir, row.viaEnv === true ? 'credentials.ini' : 'credentials'),
          row.credentials ?? GOOD,
          { mode: 0o600 },
        );
        if (row.config !== undefined)
          writeFileSync(join(filesDir, row.viaEnv === true ? 'config.ini' : 'config'), row.config);
        row.setup?.(w);

        const before = treeOf(tree);
        const expected = { ...before };
        for (const [entry, value] of Object.entries(row.leaves ?? {}))
          expected[`out/nest/dst/${entry}`] = value;
        const args = row.argv(w);
        const env = cleanEnv({ HOME: home, ...filesEnv, ...row.env?.(w) });
        const r = await runCli(env, args, { secrets: SECRETS });
        const shown = `s3ferry ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

        assert.equal(r.code, row.code, `exit code\n${shown}`);
        assert.doesNotMatch(r.stderr, /^\s+at /m, `a stack trace\n${shown}`);
        assert.match(r.stderr, /^[^\n]+\n$/, `exactly one line on stderr\n${shown}`);
        assert.match(r.stderr.trimEnd(), row.line, shown);
        assert.equal(r.stdout, '', `nothing on stdout\n${shown}`);
        for (const secret of SECRETS) {
          assert.ok(
            !r.stdout.includes(secret) && !r.stderr.includes(secret),
            `a secret in the output\n${shown}`,
          );
        }
        // Nothing written: not in the row's local tree (source, destination and around it), not
        // at its S3 destination, and no absolute key landed where it points.
        assert.deepEqual(treeOf(tree), expected, `the local tree changed\n${shown}`);
        assert.deepEqual(
          (await keysOf(client, dstBucket, `row-${index}/`)).sort(),
          (row.leavesS3 ?? []).map((key) => `row-${index}/${key}`),
          `the S3 destination changed\n${shown}`,
        );
        if (row.key?.startsWith('/') === true)
          assert.ok(!existsSync(row.key), `${row.key} was written`);
      });
    }
  },
);
