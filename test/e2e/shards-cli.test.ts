// End to end: static shards through the built CLI (no loader). `s3ferry plan` over a few thousand
// keys, then keys added (before the first key, inside ranges, just before and equal to each cut,
// after the last key), then the 4 shards of the plan with --delete: one after another into one
// destination, and at the same time (4 processes) into another. Every source key arrives exactly
// once with its bytes, every destination extra is deleted by exactly one shard, and the --report
// counts of the shards add up to the key count (no key copied twice). Then the refusals: each one
// line naming what is at fault, exit 2, nothing copied.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SyncSummary } from '../../src/engine/events.ts';
import type { ShardPlan } from '../../src/plan/shard-plan.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cleanEnv, cliEnv, runCli, startCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, md5s, seed, writeTree } from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-shards-');
const SHARDS = 4;

const readPlan = (file: string): ShardPlan => JSON.parse(readFileSync(file, 'utf8')) as ShardPlan;
const readReport = (file: string): SyncSummary =>
  JSON.parse(readFileSync(file, 'utf8')) as SyncSummary;

/**
 * Key → MD5 of every object in `bucket`, from the listing's ETags: each object here was stored by
 * one PUT or CopyObject, whose ETag is the MD5 of the bytes the server holds (one LIST per 1,000
 * keys instead of a GET per key).
 */
async function listedMd5s(client: S3Client, bucket: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) out[o.Key!] = o.ETag!.replaceAll('"', '');
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return out;
}

/** Exactly one line on stderr, nothing on stdout, exit 2, no stack trace. */
function assertRefused(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.split('\n').filter(Boolean).length, 1, result.stderr);
  assert.match(result.stderr, pattern);
  assert.ok(!result.stderr.includes('    at '), 'no stack trace');
}

for (const target of testTargets()) {
  describe(`static shards (plan, sync --plan --shard) on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target));
    const env = cliEnv(freshDir('home'), {
      t: { endpoint: target.endpoints[0], user: target.users[0] },
    });
    const buckets: string[] = [];
    after(async () => {
      for (const bucket of buckets) await removeBucket(client, bucket);
    });
    async function bucketWith(objects: Objects): Promise<string> {
      const bucket = await createBucket(client, 'e2eshard');
      buckets.push(bucket);
      await seed(client, bucket, objects);
      return bucket;
    }

    it('4 shards of a plan run one after another and at the same time cover the key set exactly once, including keys added after the plan was made', async () => {
      const planned: Objects = {};
      for (let i = 0; i < 2400; i += 1) {
        const dir = ['logs', 'img', 'ünï', 'data'][i % 4]!;
        planned[`${dir}/${String(i).padStart(5, '0')}`] = `body ${i}`;
      }
      const src = await bucketWith(planned);
      const dirs = { sequential: '', concurrent: '' };
      const plans: Record<keyof typeof dirs, string> = { sequential: '', concurrent: '' };
      for (const run of ['sequential', 'concurrent'] as const) {
        dirs[run] = await bucketWith({});
        plans[run] = join(freshDir('plan'), 'plan.json');
        const made = await runCli(env, [
          'plan',
          `s3+t://${src}/`,
          `s3+t://${dirs[run]}/`,
          '--ranges',
          String(SHARDS),
          '--out',
          plans[run],
        ]);
        assert.equal(made.code, 0, made.stderr);
        assert.match(made.stderr, /^s3ferry: planned 4 ranges over 2,400 keys of s3\+t:\/\//);
        assert.match(made.stderr, /run each: s3ferry sync .* --shard I\/4\n$/);
      }
      const plan = readPlan(plans.sequential);
      assert.deepEqual(
        readPlan(plans.concurrent).ranges,
        plan.ranges,
        'the same listing gives the same cuts',
      );
      assert.deepEqual(
        plan.ranges.map((r) => r.keys),
        [600, 600, 600, 600],
      );
      const planText = readFileSync(plans.sequential, 'utf8');
      assert.ok(!planText.includes(target.users[0].secretAccessKey), 'no secret in the plan');
      assert.ok(!planText.includes(target.endpoints[0]), 'no endpoint in the plan: profiles only');

      // Keys the plan never saw: before the first key, after the last (in UTF-8 order, 😀 sorts
      // after ｡ although JavaScript says otherwise), and around every cut: just before it, equal
      // to it (a new body), just after it.
      const cuts = plan.ranges.flatMap((r) => (r.until === undefined ? [] : [r.until]));
      const added: Objects = { '!first': 'before every key', '\uFF61': 'late', '😀': 'last' };
      for (const cut of cuts) {
        added[cut.slice(0, -1)] = `just before ${cut}`;
        added[cut] = `the cut ${cut}, written again`;
        added[`${cut}.5`] = `just after ${cut}`;
      }
      await seed(client, src, added);
      const source = { ...planned, ...added };
      const total = Object.keys(source).length;
      // Destination keys with no source, around the cuts too: --delete removes each exactly once.
      const extras: Objects = { '!!extra': 'x', 'zzz-extra': 'x' };
      for (const cut of cuts) extras[`${cut}-extra`] = 'x';
      for (const dst of Object.values(dirs)) await seed(client, dst, extras);

      const shardArgs = (run: keyof typeof dirs, index: number, report: string): string[] => [
        'sync',
        `s3+t://${src}/`,
        `s3+t://${dirs[run]}/`,
        '--plan',
        plans[run],
        '--shard',
        `${index}/${SHARDS}`,
        '--delete',
        '-q',
        '--report',
        report,
      ];
      const reports: Record<keyof typeof dirs, string[]> = { sequential: [], concurrent: [] };
      const reportDir = freshDir('reports');
      for (let i = 0; i < SHARDS; i += 1) {
        for (const run of ['sequential', 'concurrent'] as const) {
          reports[run].push(join(reportDir, `${run}-${i}.json`));
        }
      }
      for (let i = 0; i < SHARDS; i += 1) {
        const done = await runCli(env, shardArgs('sequential', i, reports.sequential[i]!));
        assert.equal(done.code, 0, done.stderr);
      }
      const running = reports.concurrent.map((report, i) =>
        startCli(env, shardArgs('concurrent', i, report)),
      );
      for (const done of await Promise.all(running.map((r) => r.done))) {
        assert.equal(done.code, 0, done.stderr);
      }

      for (const run of ['sequential', 'concurrent'] as const) {
        assert.deepEqual(await listedMd5s(client, dirs[run]), md5s(source), `${run}: the bytes`);
        const summaries = reports[run].map((file) => readReport(file));
        const sum = (pick: (s: SyncSummary) => number): number =>
          summaries.reduce((n, s) => n + pick(s), 0);
        assert.deepEqual(
          summaries.map((s) => [s.status, s.shard?.index, s.shard?.count]),
          [0, 1, 2, 3].map((i) => ['ok', i, SHARDS]),
        );
        assert.equal(
          sum((s) => s.objects.listed),
          total,
          `${run}: each key listed by one shard`,
        );
        assert.equal(
          sum((s) => s.objects.copied),
          total,
          `${run}: each key copied once`,
        );
        assert.equal(
          sum((s) => s.objects.deleted),
          Object.keys(extras).length,
          `${run}: each extra deleted once`,
        );
        assert.ok(
          summaries.every((s) => s.objects.copied > 0),
          `${run}: every shard had work: ${summaries.map((s) => s.objects.copied).join(' ')}`,
        );
      }
    });
  });
}

describe('static shards: refusals (built CLI, local directories)', () => {
  const env = cleanEnv({ HOME: freshDir('home') });
  const src = freshDir('src');
  const files: Objects = {};
  for (let i = 0; i < 40; i += 1) files[`f${String(i).padStart(2, '0')}`] = `file ${i}`;
  writeTree(src, files);
  const dst = freshDir('dst');
  const plan = join(freshDir('plan'), 'plan.json');

  it('help: plan lists its flags, sync lists --plan and --shard, with their defaults', async () => {
    const plan = await runCli(env, ['plan', '--help']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /--ranges <N>\s+how many ranges \(shards\), 1 to 10000/);
    assert.match(plan.stdout, /--out <FILE>\s+write the plan to FILE \(default: stdout\)/);
    assert.match(plan.stdout, /exactly one shard/);
    const sync = await runCli(env, ['sync', '--help']);
    assert.match(sync.stdout, /--plan <FILE>\s+with --shard: .*\(default: none\)/s);
    assert.match(
      sync.stdout,
      /--shard <I\/N>\s+with --plan: .*JOB_COMPLETION_INDEX.*\(default:\s+all\)/s,
    );
  });

  it('plan: ranges that do not fit are one line, exit 2, and no plan file', async () => {
    assertRefused(
      await runCli(env, ['plan', src, dst, '--ranges', '0', '--out', plan]),
      /^s3ferry: ranges \(--ranges\) must be a whole number from 1 to 10000, got 0/,
    );
    assertRefused(
      await runCli(env, ['plan', src, dst, '--ranges', '41', '--out', plan]),
      /^s3ferry: the source lists 40 keys, fewer than the 41 ranges asked for .*Hint: plan at most 40 ranges/,
    );
    assert.equal(existsSync(plan), false);
    const made = await runCli(env, ['plan', src, dst, '--ranges', '4', '--out', plan]);
    assert.equal(made.code, 0, made.stderr);
  });

  it('sync --plan/--shard: a wrong shard, N, plan or pairing is one line, exit 2, nothing copied', async () => {
    const sync = (...args: string[]): Promise<CliResult> =>
      runCli(env, ['sync', src, dst, ...args]);
    const corrupt = join(freshDir('bad'), 'plan.json');
    writeFileSync(corrupt, '{"format": "s3ferry-plan", "version": 1, "src"');
    const missing = join(freshDir('none'), 'plan.json');
    const cases: [string[], RegExp][] = [
      [['--shard', '1/4'], /^s3ferry: --shard needs --plan FILE/],
      [['--plan', plan], /^s3ferry: --plan needs --shard I\/N.*JOB_COMPLETION_INDEX/],
      [['--plan', plan, '--shard', '4/4'], /--shard must be I\/N with 0 ≤ I < N .*got 4\/4/],
      [['--plan', plan, '--shard', 'one/4'], /--shard must be I\/N .*got 'one\/4'/],
      [
        ['--plan', plan, '--shard', '1/3'],
        /^s3ferry: --shard 1\/3 does not fit plan .*plan\.json: it has 4 ranges/,
      ],
      [
        ['--plan', missing, '--shard', '1/4'],
        /^s3ferry: plan .*none-\d+\/plan\.json cannot be read: no such file/,
      ],
      [['--plan', corrupt, '--shard', '1/4'], /^s3ferry: plan .*bad-\d+\/plan\.json is not JSON/],
    ];
    for (const [args, pattern] of cases) assertRefused(await sync(...args), pattern);
    assertRefused(
      await runCli(env, ['sync', src, freshDir('elsewhere'), '--plan', plan, '--shard', '1/4']),
      /^s3ferry: plan .* was made for .* -> .*dst-\d+, this sync is .* -> .*elsewhere-\d+/,
    );
    assert.deepEqual(readdirSync(dst), []);
  });

  it('a shard’s checkpoint resumes only that shard', async () => {
    const checkpoint = join(freshDir('ckpt'), 'shard.ckpt');
    const first = await runCli(env, [
      'sync',
      src,
      dst,
      '--plan',
      plan,
      '--shard',
      '1/4',
      '--checkpoint',
      checkpoint,
      '-q',
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(readdirSync(dst).length, 10, 'shard 1 of 4 copied its quarter');
    assertRefused(
      await runCli(env, [
        'sync',
        src,
        dst,
        '--plan',
        plan,
        '--shard',
        '2/4',
        '--checkpoint',
        checkpoint,
      ]),
      /^s3ferry: checkpoint .* belongs to another job: its --shard is 1\/4 \("f09", "f19"\], this run's is 2\/4 \("f19", "f29"\]/,
    );
    assertRefused(
      await runCli(env, ['sync', src, dst, '--checkpoint', checkpoint]),
      /belongs to another job: its --shard is 1\/4 .*, this run's is none/,
    );
    assert.equal(readdirSync(dst).length, 10);
  });
});
