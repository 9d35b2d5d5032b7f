// The S3 servers the current test run talks to. scripts/run-tests.ts starts them and passes
// their description in S3FERRY_TEST_TARGETS (JSON); tests iterate over testTargets().

export type TestUser = { accessKeyId: string; secretAccessKey: string };

export type TestTarget = {
  /** 'rgw' (local Ceph cluster), 'moto' (moto_server on PATH) or 'external' (S3FERRY_TEST_ENDPOINT). */
  name: string;
  /** Two S3 endpoints. On RGW: two gateways over one cluster (they see the same buckets). */
  endpoints: [string, string];
  /** Two credential sets. */
  users: [TestUser, TestUser];
  /** True when users[1] is refused access to users[0]'s buckets (RGW: yes; moto: no IAM). */
  usersIsolated: boolean;
  /** True when the two endpoints are distinct URLs of the same storage. */
  distinctEndpoints: boolean;
  /** True when the server accepts the SDK's default aws-chunked streamed checksums (RGW 16: no). */
  acceptsStreamingChecksums: boolean;
  region: string;
};

/** The targets of this run; throws with a clear message when the runner did not set them. */
export function testTargets(): TestTarget[] {
  const raw = process.env['S3FERRY_TEST_TARGETS'];
  if (raw === undefined || raw === '') {
    throw new Error(
      'S3FERRY_TEST_TARGETS is not set: run the S3 tests through `npm test` (scripts/run-tests.ts), ' +
        'which starts the local cluster, or set S3FERRY_TEST_ENDPOINT to use another server.',
    );
  }
  return JSON.parse(raw) as TestTarget[];
}

/** A bucket name unique to this process and call: tests never share buckets. */
export function uniqueBucket(prefix = 't'): string {
  counter += 1;
  const rand = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}-${rand}`.slice(0, 63);
}
let counter = 0;
