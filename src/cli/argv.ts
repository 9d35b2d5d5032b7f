// megfile's CLI (click) has two-letter short flags such as `-st` and `-as`; commander only knows
// one-letter ones. This rewrites them to their long form before commander sees argv.

/** Per command path (`'config s3'`): megfile short flag → s3ferry long flag. */
export type MultiCharFlagTable = Readonly<
  Record<string, { aliases: Readonly<Record<string, string>>; valueFlags: readonly string[] }>
>;

/** The two-letter flags s3ferry accepts for megfile compatibility. */
export const MEGFILE_SHORT_FLAGS: MultiCharFlagTable = {
  'config s3': {
    aliases: { '-st': '--session-token', '-as': '--addressing-style' },
    // Options that take a value: the token after them is a value, never a flag to rewrite.
    valueFlags: [
      '-st',
      '--session-token',
      '-as',
      '--addressing-style',
      '-e',
      '--endpoint-url',
      '-n',
      '--profile-name',
      '-p',
      '--path',
    ],
  },
};

/**
 * Rewrites `-st VALUE` / `-st=VALUE` (and the other aliases of the table) into their long form,
 * only after the command path they belong to and only before a `--` terminator. Other tokens are
 * returned unchanged.
 */
export function expandMultiCharShortFlags(
  argv: readonly string[],
  table: MultiCharFlagTable = MEGFILE_SHORT_FLAGS,
): string[] {
  const out = [...argv];
  for (const [commandPath, spec] of Object.entries(table)) {
    const words = commandPath.split(' ');
    const start = findCommandPath(out, words);
    if (start === undefined) continue;
    let previous: string | undefined;
    for (let i = start + words.length; i < out.length; i++) {
      const token = out[i] ?? '';
      if (token === '--') break;
      const takesValue = previous !== undefined && spec.valueFlags.includes(previous);
      previous = token;
      if (takesValue) continue;
      const eq = token.indexOf('=');
      const flag = eq === -1 ? token : token.slice(0, eq);
      const long = spec.aliases[flag];
      if (long !== undefined) out[i] = eq === -1 ? long : long + token.slice(eq);
    }
  }
  return out;
}

function findCommandPath(argv: readonly string[], words: readonly string[]): number | undefined {
  const end = argv.indexOf('--');
  const limit = (end === -1 ? argv.length : end) - words.length;
  for (let i = 0; i <= limit; i++) {
    if (words.every((w, j) => argv[i + j] === w)) return i;
  }
  return undefined;
}
