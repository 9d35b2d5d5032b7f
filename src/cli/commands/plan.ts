// `s3ferry plan SRC DST --ranges N --out FILE`: lists SRC once and writes a plan of N key ranges
// of about equal key counts, for N `s3ferry sync SRC DST --plan FILE --shard I/N` runs (e.g. the
// pods of a Kubernetes Indexed Job). Without --out the plan goes to stdout.
import type { Command } from 'commander';
import { BOUNDS, RANGES_BOUND } from '../../engine/options.ts';
import { describeRange } from '../../plan/key-range.ts';
import { formatPlan } from '../../plan/shard-plan.ts';
import type { ShardPlan } from '../../plan/shard-plan.ts';
import type { CliContext } from '../context.ts';
import { exitCodesHelp } from '../help.ts';
import { collect, registerPathSecrets, wholeNumber } from '../run-support.ts';
import { count } from '../sync-output.ts';

type PlanFlags = {
  ranges: string;
  out?: string;
  include?: string[];
  exclude?: string[];
  listConcurrency?: string;
};

/** Registers `plan` on `program`. */
export function registerPlanCommand(program: Command, ctx: CliContext): void {
  program
    .command('plan')
    .description(
      'list SRC once and cut its keys into N ranges of about equal key counts, for N ' +
        '`sync SRC DST --plan FILE --shard I/N` runs on as many machines (static shards)',
    )
    .argument('<SRC>', 'source, as sync takes it')
    .argument('<DST>', 'destination, as sync takes it (not listed)')
    .requiredOption('--ranges <N>', `how many ranges (shards), 1 to ${RANGES_BOUND.max}`)
    .option('--out <FILE>', 'write the plan to FILE (default: stdout)')
    .option(
      '--include <GLOB>',
      'as sync: plan only keys matching GLOB; repeatable (default: all keys)',
      collect,
    )
    .option(
      '--exclude <GLOB>',
      'as sync: leave out keys matching GLOB; repeatable (default: none)',
      collect,
    )
    .option(
      '--list-concurrency <N>',
      `LIST requests in flight for the source, 1 to ${BOUNDS.listConcurrency.max} (default: 4)`,
    )
    .addHelpText(
      'after',
      '\nThe ranges tile the whole key space (the first has no start, the last no end), so a key\n' +
        'added after the plan was made is synced by exactly one shard; only the balance ages.\n' +
        'SRC and DST are written to the plan as given (profile names, never credentials), and\n' +
        'sync refuses a plan made for other paths or another N.\n' +
        exitCodesHelp(),
    )
    .action(async (src: string, dst: string, flags: PlanFlags) => {
      const config = ctx.deps.loadConfig(ctx.settingFlags());
      registerPathSecrets(ctx, config, [src, dst]);
      const listConcurrency = wholeNumber(BOUNDS.listConcurrency, flags.listConcurrency);
      const ranges = wholeNumber(RANGES_BOUND, flags.ranges) ?? 0;
      const { planShards } = await import('../../engine/plan-shards.ts');
      const plan = await planShards({
        src,
        dst,
        ranges,
        config,
        ...(flags.include === undefined ? {} : { include: flags.include }),
        ...(flags.exclude === undefined ? {} : { exclude: flags.exclude }),
        ...(listConcurrency === undefined ? {} : { listConcurrency }),
      });
      if (flags.out === undefined) ctx.io.writeOut(formatPlan(plan));
      else await (await import('../../engine/plan-file.ts')).writePlanFile(flags.out, plan);
      ctx.io.writeErr(planText(plan, flags.out));
    });
}

/** What was planned: one line, then one per range with its key count. */
function planText(plan: ShardPlan, out: string | undefined): string {
  const n = plan.ranges.length;
  const where = out === undefined ? 'stdout' : out;
  const lines = [
    `s3ferry: planned ${n} ranges over ${count(plan.keysListed)} keys of ${plan.src} ` +
      `(${count(plan.keysSampled)} sampled) -> ${where}`,
    ...plan.ranges.map((r, i) => `  ${i}/${n} ${describeRange(r)}: ${count(r.keys)} keys`),
    `  run each: s3ferry sync ${plan.src} ${plan.dst} --plan ${out ?? 'FILE'} --shard I/${n}`,
  ];
  return `${lines.join('\n')}\n`;
}
