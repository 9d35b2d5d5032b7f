// End to end: an endpoint setting that reaches something other than S3 (a web server's page, an
// empty 200, another XML document, bytes that are not HTTP, a connection closed at once, an HTML
// 403), on the source and, separately, on the destination of sync (with and without --delete),
// check, cp, and as the one side of ls and rm. A user sees exit 3 and one line naming the
// endpoint and the variable that set it; the real side behind a counting proxy receives no write
// and no delete, and its objects are unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli as s3ferry } from '../helpers/cli.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { FOREIGN_ANSWERS, startForeignEndpoint } from '../helpers/foreign-endpoint.ts';
import type { ForeignAnswer, ForeignEndpoint } from '../helpers/foreign-endpoint.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, md5s, objectMd5s, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-foreign-');

const WRITES = ['PUT', 'POST', 'DELETE'];

/** The one error line of a fatal run: names the endpoint and the variable, no stack trace. */
function assertFatalLine(stderr: string, endpoint: string, variable: string): void {
  const lines = stderr.split('\n').filter((line) => line.includes(endpoint));
  assert.equal(lines.length, 1, stderr);
  const line = lines[0] ?? '';
  assert.ok(line.includes(endpoint), `the line names ${endpoint}: ${line}`);
  assert.ok(line.includes(`check ${variable}`), `the line names ${variable}: ${line}`);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

for (const target of testTargets()) {
  describe(`an endpoint that is not S3, on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target));
    const user = target.users[0];
    const objects = { 'a.txt': 'alpha', 'dir/b.txt': 'bravo' };
    let src = '';
    let dst = '';
    let proxy: FaultProxy;
    const foreign = new Map<ForeignAnswer, ForeignEndpoint>();

    before(async () => {
      src = await createBucket(client, 'foreign-src');
      dst = await createBucket(client, 'foreign-dst');
      await seed(client, src, objects);
      await seed(client, dst, { 'old.txt': 'only at the destination' });
      proxy = await FaultProxy.start(target.endpoints[0]);
      for (const answer of FOREIGN_ANSWERS) {
        foreign.set(answer, await startForeignEndpoint(answer));
      }
    });
    after(async () => {
      await proxy.close();
      for (const server of foreign.values()) await server.close();
      await removeBucket(client, src);
      await removeBucket(client, dst);
    });

    /** Profiles `src` and `dst` on the real server (through the proxy); `side`'s endpoint overridden. */
    function env(side: 'SRC' | 'DST', url: string): NodeJS.ProcessEnv {
      const real = { endpoint: proxy.url, user };
      return cliEnv(
        freshDir('home'),
        { src: real, dst: real },
        { [`${side}__AWS_ENDPOINT_URL`]: url, MEGFILE_MAX_RETRY_TIMES: '10' },
      );
    }

    async function assertUnchanged(): Promise<void> {
      assert.deepEqual(await objectMd5s(client, src), md5s(objects));
      assert.deepEqual(
        await objectMd5s(client, dst),
        md5s({ 'old.txt': 'only at the destination' }),
      );
    }

    for (const answer of FOREIGN_ANSWERS) {
      for (const side of ['SRC', 'DST'] as const) {
        for (const command of [['sync'], ['sync', '--delete'], ['check'], ['cp', '-r']]) {
          it(`${command.join(' ')}: ${answer} on the ${side === 'SRC' ? 'source' : 'destination'} → exit 3, one line, nothing written`, async () => {
            const server = foreign.get(answer)!;
            proxy.clearLog();
            const r = await s3ferry(env(side, server.url), [
              ...command,
              `s3+src://${src}/`,
              `s3+dst://${dst}/`,
            ]);
            assert.equal(r.code, 3, r.stderr);
            assertFatalLine(r.stderr, server.url, `${side}__AWS_ENDPOINT_URL`);
            const writes = proxy.requests.filter((q) => WRITES.includes(q.method));
            assert.deepEqual(writes, [], 'no write or delete reached the real server');
            await assertUnchanged();
          });
        }
      }
      for (const [command, path] of [
        [['ls'], () => `${src}/`],
        [['ls', '-r'], () => `${src}/`],
        [['rm', '-r'], () => `${src}/dir/`],
        [['rm'], () => `${src}/a.txt`],
        [['stat'], () => `${src}/a.txt`],
        [['cat'], () => `${src}/a.txt`],
      ] as const) {
        it(`${command.join(' ')}: ${answer} → exit 3, one line, nothing printed or deleted`, async () => {
          const server = foreign.get(answer)!;
          const r = await s3ferry(env('SRC', server.url), [...command, `s3+src://${path()}`]);
          assert.equal(r.code, 3, r.stderr);
          assert.equal(r.stdout, '');
          assertFatalLine(r.stderr, server.url, 'SRC__AWS_ENDPOINT_URL');
          await assertUnchanged();
        });
      }
    }

    it('a connection closed at once is tried 3 times, not once per retry of the budget', async () => {
      const server = foreign.get('close')!;
      const before = server.connections();
      const r = await s3ferry(env('SRC', server.url), ['ls', `s3+src://${src}/`]);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(server.connections() - before, 3);
    });
  });
}
