// Truthful progress, through the built CLI: the listing runs ahead of the copies, so on a
// 10,000-object sync the `--json` progress events carry the final object total before a quarter of
// the copies are done, and on a terminal (a pty from script(1)) the listing is shown apart from
// the copy bars, which carry true totals and an ETA that is a time, not `?`.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SyncEvent } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { CLI_MAIN, cliEnv, runCli, startCli } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, seed } from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-progress-');
const COUNT = 10_000;

for (const target of testTargets().filter((t) => t.name === 'rgw')) {
  describe(`sync progress on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    let src = '';
    let env: NodeJS.ProcessEnv = {};

    before(async () => {
      src = await createBucket(client, 'progress');
      const objects: Objects = {};
      for (let i = 0; i < COUNT; i += 1) objects[`k/${String(i).padStart(6, '0')}`] = `${i}`;
      await seed(client, src, objects);
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
      });
    });

    after(async () => {
      await removeBucket(client, src);
      client.destroy();
    });

    it('--json: the object total is final before 25 % of the copies are done', async () => {
      const dst = freshDir('json');
      const result = await runCli(env, ['sync', `s3+a://${src}/`, dst, '--json']);
      assert.equal(result.code, 0, result.stderr);
      const events = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as SyncEvent);
      const progress = events.filter(
        (e): e is Extract<SyncEvent, { kind: 'progress' }> => e.kind === 'progress',
      );
      const firstFinal = progress.find((e) => e.isListingDone);
      assert.ok(firstFinal !== undefined, 'a progress event with the listing done');
      assert.equal(firstFinal.objectsListed, COUNT, 'the listing total');
      assert.equal(firstFinal.objectsToCopy, COUNT, 'the copy total');
      const doneThen = firstFinal.copied + firstFinal.failed;
      assert.ok(
        doneThen < COUNT / 4,
        `the total was final only after ${doneThen} of ${COUNT} copies were done`,
      );
      // Events after it keep the same totals and carry a rate and an ETA in seconds.
      const later = progress.slice(progress.indexOf(firstFinal) + 1);
      assert.ok(later.every((e) => e.objectsToCopy === COUNT && e.objectsListed === COUNT));
      assert.ok(
        later.some((e) => typeof e.etaSeconds === 'number' && e.copied < COUNT),
        'an ETA while copies were left',
      );
      assert.equal(fs.readdirSync(path.join(dst, 'k')).length, COUNT);
    });

    it('on a TTY the listing shows apart from the copy bars, with true totals and an ETA', async (t) => {
      if (!fs.existsSync('/usr/bin/script')) {
        t.skip('script(1) from util-linux is not installed: no way to give the CLI a pty');
        return;
      }
      const dst = freshDir('tty');
      const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
      const outFile = path.join(freshDir('tty-out'), 'stdout');
      const cmd = [process.execPath, CLI_MAIN, 'sync', `s3+a://${src}/`, dst].map(quote).join(' ');
      const running = startCli(env, [], {
        command: ['script', '-qfec', `${cmd} > ${quote(outFile)}`, '/dev/null'],
      });
      const result = await running.done;
      assert.equal(result.code, 0, result.stdout);
      const tty = result.stdout;
      // A frame in the middle: copies part-way against the final total, the listing done,
      // bytes with a rate and an ETA that is a time.
      const frames = [
        ...tty.matchAll(
          /copies +[\u2588\u2591]+ ([\d,]+)\/([\d,]+)(\+?) [^\n\r]*listed ([\d,]+) keys \(done\)/g,
        ),
      ];
      const middle = frames.find((m) => {
        const done = Number((m[1] ?? '').replaceAll(',', ''));
        return done > 0 && done < COUNT;
      });
      assert.ok(
        middle !== undefined,
        `a frame part-way with the listing done:\n${tty.slice(0, 2000)}`,
      );
      assert.equal(middle[2], '10,000');
      assert.equal(middle[3], '');
      assert.equal(middle[4], '10,000');
      assert.match(tty, /bytes +[\u2588\u2591]+ [^\n\r]* ETA \d+:\d\d/);
      assert.match(tty, /s3ferry: synced: /);
    });
  });
}
