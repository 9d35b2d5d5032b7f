// End to end: what s3ferry prints cannot drive the user's terminal or leak an endpoint password.
// A key holding terminal escapes (`ESC]0;…BEL`, `ESC[2J`) is printed escaped by ls, ls -l, stat,
// rm --dry-run, check and in error lines; a password in an endpoint URL's userinfo is masked in
// config show (text and --json), error lines and hints, and sync's --json and --report.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { startForeignEndpoint } from '../helpers/foreign-endpoint.ts';
import type { ForeignEndpoint } from '../helpers/foreign-endpoint.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-hygiene-');

const EVIL = 'logs/\u001b]0;pwned\u0007\u001b[2Jx.txt';
const SHOWN = 'logs/\\u001b]0;pwned\\u0007\\u001b[2Jx.txt';
const PASSWORD = 'pa55-Endpoint-Secret';

/** No raw control character (newlines aside) anywhere in what was printed. */
function assertNoControl(r: CliResult): void {
  // eslint-disable-next-line no-control-regex -- looking for them is the point
  const control = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
  assert.doesNotMatch(r.stdout, control, `stdout: ${JSON.stringify(r.stdout)}`);
  assert.doesNotMatch(r.stderr, control, `stderr: ${JSON.stringify(r.stderr)}`);
}

for (const target of testTargets()) {
  describe(`keys with terminal escapes are printed escaped, on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target));
    const env = cliEnv(freshDir('home'), {
      a: { endpoint: target.endpoints[0], user: target.users[0] },
    });
    let bucket = '';
    let other = '';
    before(async () => {
      bucket = await createBucket(client, 'hygiene');
      other = await createBucket(client, 'hygiene-other');
      await seed(client, bucket, { [EVIL]: 'x', 'logs/plain.txt': 'y' });
    });
    after(async () => {
      // The test helper's DeleteObjects cannot carry this key (XML 1.0 cannot write ESC or BEL).
      await client
        .send(new DeleteObjectCommand({ Bucket: bucket, Key: EVIL }))
        .catch(() => undefined);
      await removeBucket(client, bucket);
      await removeBucket(client, other);
    });

    for (const args of [['ls'], ['ls', '-l'], ['ls', '-r'], ['rm', '-r', '--dry-run']]) {
      it(args.join(' '), async () => {
        const r = await runCli(env, [...args, `s3+a://${bucket}/logs/`]);
        assert.equal(r.code, 0, r.stderr);
        assertNoControl(r);
        const printed = r.stdout + r.stderr;
        assert.ok(printed.includes('\\u001b]0;pwned\\u0007\\u001b[2Jx.txt'), printed);
      });
    }

    it('stat of the key, and a missing key in an error line', async () => {
      const stat = await runCli(env, ['stat', `s3+a://${bucket}/${EVIL}`]);
      assert.equal(stat.code, 0, stat.stderr);
      assertNoControl(stat);
      assert.ok(stat.stdout.includes(SHOWN), stat.stdout);
      const missing = await runCli(env, ['cat', `s3+a://${bucket}/${EVIL}.nope`]);
      assert.equal(missing.code, 1, missing.stderr);
      assertNoControl(missing);
      assert.ok(missing.stderr.includes(`${SHOWN}.nope`), missing.stderr);
    });

    it('rm -r removes it (alone, with DeleteObject: a DeleteObjects body cannot name it)', async () => {
      const r = await runCli(env, ['rm', '-r', `s3+a://${bucket}/logs/`]);
      assert.equal(r.code, 0, r.stderr);
      assertNoControl(r);
      assert.match(r.stderr, /^s3ferry: removed 2 objects/m);
      const left = await runCli(env, ['ls', '-r', `s3+a://${bucket}/`]);
      assert.equal(left.stdout, '');
      await seed(client, bucket, { [EVIL]: 'x', 'logs/plain.txt': 'y' });
    });

    it('sync -v and sync --dry-run: the key escaped', async () => {
      for (const flag of ['-v', '--dry-run']) {
        const r = await runCli(env, ['sync', flag, `s3+a://${bucket}/logs/`, freshDir('dst')]);
        assert.equal(r.code, 0, r.stderr);
        assertNoControl(r);
        const printed = r.stdout + r.stderr;
        assert.ok(printed.includes('\\u001b]0;pwned\\u0007\\u001b[2Jx.txt'), printed);
      }
    });

    it('check: the missing key escaped', async () => {
      const r = await runCli(env, ['check', `s3+a://${bucket}/`, `s3+a://${other}/`]);
      assert.equal(r.code, 1, r.stderr);
      assertNoControl(r);
      assert.match(r.stdout, /^missing: logs\/\\u001b\]0;pwned\\u0007\\u001b\[2Jx\.txt$/m);
    });
  });
}

describe('an endpoint password is never printed', () => {
  let server: ForeignEndpoint;
  before(async () => {
    server = await startForeignEndpoint('html-200');
  });
  after(async () => {
    await server.close();
  });

  function envWithPassword(): NodeJS.ProcessEnv {
    const home = freshDir('home');
    const url = server.url.replace('http://', `http://ak:${PASSWORD}@`);
    return cliEnv(
      home,
      {},
      {
        P__AWS_ACCESS_KEY_ID: 'AKIAHYGIENEEXAMPLE01',
        P__AWS_SECRET_ACCESS_KEY: 'hygiene-secret-key-not-shown',
        P__AWS_ENDPOINT_URL: url,
      },
    );
  }

  it('config show, text and --json', async () => {
    const env = envWithPassword();
    for (const args of [
      ['config', 'show', '-n', 'p'],
      ['config', 'show', '-n', 'p', '--json'],
    ]) {
      const r = await runCli(env, args);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD), r.stdout);
      assert.ok(r.stdout.includes('ak:***@127.0.0.1'), r.stdout);
    }
  });

  it('error lines, hints, --json and --report of a failed sync', async () => {
    const env = envWithPassword();
    const report = join(freshDir('report'), 'run.json');
    for (const args of [
      ['ls', 's3+p://bucket/'],
      ['sync', '--json', 's3+p://bucket/', freshDir('dst')],
      ['sync', '--report', report, 's3+p://bucket/', freshDir('dst')],
    ]) {
      const r = await runCli(env, args);
      assert.equal(r.code, 3, r.stderr);
      const printed = r.stdout + r.stderr;
      assert.ok(!printed.includes(PASSWORD), printed);
      assert.ok(printed.includes('ak:***@127.0.0.1'), printed);
    }
    assert.ok(existsSync(report), 'a fatal run still writes its --report');
    const written = readFileSync(report, 'utf8');
    assert.ok(!written.includes(PASSWORD), written);
    assert.ok(written.includes('ak:***@127.0.0.1'), written);
  });

  it('an invalid endpoint value quoted in a configuration error', async () => {
    const env = { ...envWithPassword(), P__AWS_ENDPOINT_URL: `ftp://ak:${PASSWORD}@files` };
    const r = await runCli(env, ['ls', 's3+p://bucket/']);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(!r.stderr.includes(PASSWORD), r.stderr);
    assert.match(r.stderr, /got "ftp:\/\/ak:\*\*\*@files"/);
  });
});
