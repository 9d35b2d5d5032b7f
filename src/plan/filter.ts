// Which relative keys a run selects: --include/--exclude patterns (s5cmd's order-independent rule,
// "exclude wins") and the pattern of a glob SRC. Matching is picomatch's, on patterns of our glob
// dialect (src/paths/glob.ts). Pure.
import picomatch from 'picomatch';
import { globToPicomatch } from '../paths/glob.ts';
import { usageError } from '../shared/errors.ts';

/**
 * picomatch settings. `dot`: S3 has no hidden files, so `*` matches `.env` too. Case-sensitive
 * (S3 keys are). No extglobs (`+(a)`, `!(a)`) and no leading-`!` negation: megfile's globs have
 * neither, and `(`/`!` are common in keys. `windows: false`: `\` is an escape, never a separator.
 */
const MATCH_OPTIONS = {
  dot: true,
  nocase: false,
  noextglob: true,
  nonegate: true,
  // A class is a class: picomatch otherwise also matches the literal text `[ab]`.
  literalBrackets: false,
  windows: false,
} as const;

/** Tests a key relative to the source root. */
export type KeyPredicate = (relativeKey: string) => boolean;

function compile(pattern: string): (text: string) => boolean {
  // makeRe, not picomatch(): its matcher also accepts a key equal to the raw pattern text.
  const regex = picomatch.makeRe(globToPicomatch(pattern), MATCH_OPTIONS);
  return (text) => regex.test(text);
}

/** The directories a key is in: `a/b/c` → `a`, `a/b`. */
function* parentsOf(key: string): Generator<string, void, undefined> {
  for (let i = key.indexOf('/'); i !== -1; i = key.indexOf('/', i + 1)) yield key.slice(0, i);
}

/**
 * The matcher of a glob SRC's pattern (the part after the root): the whole relative key must
 * match, or one of its directories, which then counts in full (megfile expands matched
 * directories recursively): `s*` selects `sub/a.txt`.
 */
export function createGlobSelector(pattern: string): KeyPredicate {
  const matches = compile(pattern);
  return (key) => {
    if (matches(key)) return true;
    for (const parent of parentsOf(key)) if (matches(parent)) return true;
    return false;
  };
}

/**
 * The matcher of one --include/--exclude pattern (rsync's rule, as rclone too):
 * - no `/`: any path segment, i.e. the file name or a directory name at any depth
 *   (`*.log` → `a.log`, `x/y/a.log`; `tmp` → `tmp`, `x/tmp/a`);
 * - with a `/`: the whole key from the root, or one of its directories
 *   (`logs/*.gz` → `logs/a.gz`, not `logs/2024/a.gz`; `logs/*` → everything under `logs/`);
 * - a leading `/` anchors a pattern without other `/` to the top level (`/*.log`);
 * - a trailing `/` matches directories only (`cache/` → everything under any `cache/`).
 * `*` and `?` never cross `/`; `**` as a whole segment crosses any number of them.
 */
export function compileFilterPattern(pattern: string): KeyPredicate {
  return compileFilter(pattern).matches;
}

/** One compiled --include/--exclude pattern. */
type CompiledFilter = {
  /** The key, or one of its directories, matches (see {@link compileFilterPattern}). */
  matches: KeyPredicate;
  /**
   * The directory (relative, without a trailing `/`) or one of its own directories matches as a
   * directory of a key: then every key under it matches, whatever follows the `/`.
   */
  matchesDirectory: KeyPredicate;
};

function compileFilter(pattern: string): CompiledFilter {
  const problem = filterPatternProblem(pattern);
  if (problem !== undefined) throw usageError(problem.message, problem.hint);
  const directoryOnly = pattern.endsWith('/');
  let body = directoryOnly ? pattern.slice(0, -1) : pattern;
  const anchored = body.startsWith('/');
  if (anchored) body = body.slice(1);
  const matches = compile(body);
  if (!anchored && !body.includes('/')) {
    return {
      matches: (key) => {
        const segments = key.split('/');
        if (directoryOnly) segments.pop();
        return segments.some(matches);
      },
      // Every segment of the directory is a directory segment of each key under it.
      matchesDirectory: (dir) => dir.split('/').some(matches),
    };
  }
  const matchesParent = (key: string): boolean => {
    for (const parent of parentsOf(key)) if (matches(parent)) return true;
    return false;
  };
  return {
    matches: (key) => (!directoryOnly && matches(key)) || matchesParent(key),
    // The directory and its own directories are parents of each key under it.
    matchesDirectory: (dir) => matches(dir) || matchesParent(dir),
  };
}

/** Why a --include/--exclude pattern is refused, or undefined. */
export function filterPatternProblem(
  pattern: string,
): { message: string; hint: string } | undefined {
  if (pattern === '' || pattern === '/') {
    return { message: `empty filter pattern '${pattern}'`, hint: "e.g. --exclude '*.tmp'" };
  }
  if (pattern.startsWith('!')) {
    return {
      message: `filter pattern '${pattern}': a leading '!' does not negate here`,
      hint: "to leave keys out use --exclude; for a literal '!' write '\\!'",
    };
  }
  const unclosed = unclosedBracket(pattern);
  if (unclosed !== undefined) {
    const close = unclosed === '[' ? ']' : '}';
    return {
      message: `filter pattern '${pattern}': the '${unclosed}' is never closed`,
      hint: `close it with '${close}', or write a literal '${unclosed}' as '\\${unclosed}'`,
    };
  }
  return undefined;
}

/** The first `[` or `{` of a glob left open (backslash escapes skipped), or undefined. */
function unclosedBracket(pattern: string): '[' | '{' | undefined {
  let inClass = false;
  let braces = 0;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '\\') {
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A `]` right after `[`, `[!` or `[^` is a member of the class, not its end.
      const next = pattern[i + 1] === '!' || pattern[i + 1] === '^' ? i + 2 : i + 1;
      if (pattern[next] === ']') i = next;
    } else if (c === '{') braces += 1;
    else if (c === '}' && braces > 0) braces -= 1;
  }
  if (inClass) return '[';
  return braces > 0 ? '{' : undefined;
}

/** --include and --exclude, as given (each repeatable, order-independent). */
export type KeyFilterOptions = {
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
};

/** The compiled --include/--exclude of a run. */
export type KeyFilter = {
  /**
   * A key is selected when it matches at least one include (or there is none) and no exclude:
   * exclude wins, whatever the order of the flags.
   */
  selects: KeyPredicate;
  /** An exclude matches the key or one of its directories: nothing under it can be selected. */
  isExcludedSubtree: KeyPredicate;
  /**
   * An exclude covers the directory `dir` (relative, a trailing `/` optional) as a directory:
   * every key under it is excluded, whatever its name. Stricter than `isExcludedSubtree('dir/')`,
   * which a pattern matching the text `dir/` itself passes (`'{dir/,x}'`) while `dir/a` stays
   * selected; the overlap check (plan/overlap.ts) needs the proof.
   */
  excludesDirectory: KeyPredicate;
};

/**
 * Compiles --include/--exclude; undefined when there is neither (everything is selected).
 * @throws S3FerryError (kind `usage`) for an empty pattern or one starting with `!`.
 * @example createKeyFilter({ include: ['*.jpg'], exclude: ['tmp/'] })?.selects('a/tmp/x.jpg') // false
 */
export function createKeyFilter(options: KeyFilterOptions): KeyFilter | undefined {
  const includes = (options.include ?? []).map(compileFilterPattern);
  const compiledExcludes = (options.exclude ?? []).map(compileFilter);
  const excludes = compiledExcludes.map((exclude) => exclude.matches);
  if (includes.length === 0 && excludes.length === 0) return undefined;
  const isExcluded: KeyPredicate = (key) => excludes.some((matches) => matches(key));
  return {
    selects: (key) =>
      (includes.length === 0 || includes.some((matches) => matches(key))) && !isExcluded(key),
    // Every matcher also matches below a matched directory, so a match here covers the subtree.
    isExcludedSubtree: isExcluded,
    excludesDirectory: (dir) => {
      const name = dir.endsWith('/') ? dir.slice(0, -1) : dir;
      return name !== '' && compiledExcludes.some((exclude) => exclude.matchesDirectory(name));
    },
  };
}
