// End to end: a server that is slow to answer, not unreachable. Server-side multipart copies put
// every part of every copy in flight at once on the main thread's client; a part waiting there
// for a socket must not fail as a connect timeout (the SDK starts that timer with the request),
// and the user must read no listener-leak warning. The proxy holds every UploadPartCopy longer
// than --connect-timeout.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import { FaultProxy, faults } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, md5s, objectMd5s, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const MiB = 1024 * 1024;
const { freshDir } = tempRoot('s3ferry-e2e-slow-');

for (const target of testTargets()) {
  describe(`s3ferry sync against a slow server on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    let proxy: FaultProxy;
    let env: NodeJS.ProcessEnv;
    const objects: Record<string, Uint8Array> = {
      'big/one': randomBytes(10 * MiB),
      'big/two': randomBytes(10 * MiB),
      'big/three': randomBytes(10 * MiB),
    };
    let src: string;

    before(async () => {
      proxy = await FaultProxy.start(target.endpoints[0]);
      // 1.5 s at the server for each part copied, against a 1 s --connect-timeout below.
      proxy.failAlways(
        faults.delay(1500),
        (r) =>
          r.method === 'PUT' &&
          r.query.includes('partNumber=') &&
          r.headers['x-amz-copy-source'] !== undefined,
      );
      env = cliEnv(freshDir('home'), { slow: { endpoint: proxy.url, user: target.users[0] } });
      src = await createBucket(client, 'e2e-slow');
      await seed(client, src, objects);
    });
    after(async () => {
      await proxy.close();
      client.destroy();
    });

    it('server-side multipart copies whose parts take longer than --connect-timeout: every part sent once, no warning, bytes whole', async () => {
      const dst = await createBucket(client, 'e2e-slow-dst');
      const report = path.join(freshDir('report'), 'r.json');
      // 3 copies at once × 2 parts each: 6 UploadPartCopy in flight on the main thread's client.
      const result = await runCli(env, [
        'sync',
        `s3+slow://${src}/`,
        `s3+slow://${dst}/`,
        '-q',
        '-w',
        '1',
        '--tasks-per-worker',
        '3',
        '--multipart-threshold',
        '5MiB',
        '--part-size',
        '5MiB',
        '--part-concurrency',
        '2',
        '--connect-timeout',
        '1s',
        '--report',
        report,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /Warning|memory leak/);
      const summary = JSON.parse(fs.readFileSync(report, 'utf8')) as SyncSummary;
      // No part was retried: none waited for a socket until its connect timeout.
      assert.equal(summary.requests['UploadPartCopy'], 6, JSON.stringify(summary.requests));
      assert.deepEqual(await objectMd5s(client, dst), md5s(objects));
    });
  });
}
