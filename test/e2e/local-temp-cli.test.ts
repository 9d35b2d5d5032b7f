// Temp files a killed download leaves in a local destination, through the built CLI: a sync of a
// few multi-MiB objects is killed with a real SIGKILL while its temp files exist (a fault proxy
// holds every ranged GET after the first range of each object, so the first 5 MiB are written
// and the rest waits); then `check` reports the temp files without touching them, a dry run
// counts them without removing them, and a re-run removes them — but not a temp file of a live
// process — exits 0, and leaves the destination equal to the source by MD5.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckSummary } from '../../src/engine/check.ts';
import type { SyncSummary } from '../../src/engine/events.ts';
import { hostTagOf, isTempName, tempPathFor } from '../../src/local/temp-name.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli, startCli } from '../helpers/cli.ts';
import { FaultProxy, faults } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, md5, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-local-temp-');
const MiB = 1024 * 1024;
/** How long the proxy holds a held GET: far longer than the test waits for the kill. */
const HOLD_MS = 120_000;

/** The temp files directly in `dir`, with their sizes. */
function tempFilesIn(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const name of readdirSync(dir)) {
    if (isTempName(name)) found.set(join(dir, name), statSync(join(dir, name)).size);
  }
  return found;
}

for (const target of testTargets().slice(0, 1)) {
  describe(`temp files of a killed download, built CLI, on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    const objects: Record<string, Uint8Array> = {
      'big-1.bin': randomBytes(12 * MiB),
      'big-2.bin': randomBytes(12 * MiB),
      'big-3.bin': randomBytes(11 * MiB),
      'small.txt': randomBytes(3000),
    };
    let bucket = '';
    let proxy: FaultProxy;
    let env: NodeJS.ProcessEnv = {};

    before(async () => {
      bucket = await createBucket(client, 'e2e-ltmp');
      await seed(client, bucket, objects);
      proxy = await FaultProxy.start(target.endpoints[0]);
      // `slow` reaches the gateway through the proxy, `a` directly (same user, same buckets).
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
        slow: { endpoint: proxy.url, user: target.users[0] },
      });
    });

    after(async () => {
      await proxy.close();
      await removeBucket(client, bucket);
      client.destroy();
    });

    const copyArgs = ['--multipart-threshold', '8MiB', '--part-size', '5MiB', '-w', '2'];

    it('a SIGKILLed run leaves temp files; check reports them, the next run removes them', async () => {
      const dst = freshDir('dst');
      // Every ranged GET but the first range of each object waits in the proxy.
      const hold = proxy.failAlways(
        faults.delay(HOLD_MS),
        (r) =>
          r.method === 'GET' &&
          typeof r.headers.range === 'string' &&
          !r.headers.range.startsWith('bytes=0-'),
      );
      const running = startCli(env, ['sync', `s3+slow://${bucket}/`, dst, '-q', ...copyArgs]);
      // Killed once each large object has a temp file with its first range written.
      const deadline = Date.now() + 60_000;
      let temps = tempFilesIn(dst);
      while (Date.now() < deadline) {
        temps = tempFilesIn(dst);
        const written = [...temps.values()].filter((size) => size >= 5 * MiB).length;
        if (written >= 3) break;
        await sleep(20);
      }
      running.child.kill('SIGKILL');
      const killed = await running.done;
      hold.remove();
      assert.equal(killed.signal, 'SIGKILL', `the run ended before the kill: ${killed.stderr}`);
      const killedPid = running.child.pid;
      assert.ok(killedPid !== undefined);
      temps = tempFilesIn(dst);
      assert.equal(
        temps.size,
        3,
        `one temp file per large object: ${[...temps.keys()].join(', ')}`,
      );
      for (const path of temps.keys()) {
        assert.ok(path.includes(`.s3ferry-tmp-${killedPid}-`), `${path} names the killed run`);
      }
      assert.ok(!existsSync(join(dst, 'big-1.bin')), 'no partial file at a final name');

      // check: reports them (stderr and report), removes nothing; the missing keys make it 1.
      const checkReport = join(freshDir('report'), 'check.json');
      const checked = await runCli(env, [
        'check',
        `s3+a://${bucket}/`,
        dst,
        '--report',
        checkReport,
      ]);
      assert.equal(checked.code, 1, checked.stderr);
      assert.match(checked.stderr, /temp files: 3 files left by a killed run/);
      const checkSummary = JSON.parse(readFileSync(checkReport, 'utf8')) as CheckSummary;
      assert.equal(checkSummary.tempFiles?.stale, 3);
      assert.equal(checkSummary.tempFiles.removed, 0);
      assert.deepEqual([...checkSummary.tempFiles.stalePaths].sort(), [...temps.keys()].sort());
      assert.equal(tempFilesIn(dst).size, 3, 'check removed nothing');

      // A dry run changes nothing, and says what the real run would remove.
      const dry = await runCli(env, ['sync', '--dry-run', `s3+a://${bucket}/`, dst]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stderr, /temp files: would remove 3 files left by a killed run/);
      assert.equal(tempFilesIn(dst).size, 3, 'the dry run removed nothing');

      // A temp file this (live) test process is writing, untouched for ten minutes: kept.
      const live = tempPathFor(join(dst, 'in-progress.bin'), {
        pid: process.pid,
        hostTag: hostTagOf(hostname()),
      });
      writeFileSync(live, 'still being written');
      const tenMinutesAgo = (Date.now() - 10 * 60_000) / 1000;
      utimesSync(live, tenMinutesAgo, tenMinutesAgo);

      const report = join(freshDir('report'), 'sync.json');
      const rerun = await runCli(env, [
        'sync',
        `s3+a://${bucket}/`,
        dst,
        '--report',
        report,
        ...copyArgs,
      ]);
      assert.equal(rerun.code, 0, rerun.stderr);
      const summary = JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
      assert.deepEqual(
        summary.tempFiles && {
          ...summary.tempFiles,
          stalePaths: [...summary.tempFiles.stalePaths].sort(),
        },
        {
          stale: 3,
          removed: 3,
          removeFailed: 0,
          inUse: 1,
          stalePaths: [...temps.keys()].sort(),
          isPathListTruncated: false,
        },
      );
      assert.match(rerun.stderr, /temp files: removed 3 files left by a killed run/);
      assert.deepEqual([...tempFilesIn(dst).keys()], [live], 'only the live temp file is left');
      assert.deepEqual(
        readdirSync(dst)
          .filter((name) => !isTempName(name))
          .sort(),
        Object.keys(objects).sort(),
      );
      for (const [key, body] of Object.entries(objects)) {
        assert.equal(md5(readFileSync(join(dst, key))), md5(body), key);
      }

      // A stale temp file is no difference: check still exits 0 when every key matches.
      const leftover = tempPathFor(join(dst, 'big-1.bin'), {
        pid: killedPid,
        hostTag: hostTagOf(hostname()),
      });
      writeFileSync(leftover, 'partial');
      utimesSync(leftover, tenMinutesAgo, tenMinutesAgo);
      const recheck = await runCli(env, ['check', `s3+a://${bucket}/`, dst, '--json']);
      assert.equal(recheck.code, 0, recheck.stderr);
      const last = JSON.parse(recheck.stdout.trim().split('\n').at(-1) ?? '{}') as {
        kind: string;
        summary: CheckSummary;
      };
      assert.equal(last.kind, 'summary');
      assert.equal(last.summary.status, 'match');
      assert.equal(last.summary.tempFiles?.stale, 1);
      assert.equal(last.summary.tempFiles.inUse, 1);
      assert.deepEqual(last.summary.tempFiles.stalePaths, [leftover]);
    });
  });
}
