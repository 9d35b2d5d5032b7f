// The glob dialect of SRC paths and of --include/--exclude patterns (megfile's: `*`, `**`, `?`,
// `[...]`, `{a,b}`), parsed once here: where a glob path's literal part ends (the listing prefix
// and the root), and the translation of a pattern into picomatch's syntax (src/plan/filter.ts
// does the matching). Pure string work; keys stay raw except for the escapes described below.
import { usageError } from '../shared/errors.ts';
import { parsePath } from './path.ts';
import type { AnyPath } from './path.ts';

/**
 * Characters a backslash escapes. Any other backslash is a literal backslash, so raw keys such as
 * `a\b` keep their meaning.
 */
const ESCAPABLE = new Set(['\\', '*', '?', '[', ']', '{', '}', ',', '!']);

/** Characters picomatch would read as syntax if we passed them through unescaped. */
const PICOMATCH_SPECIAL = new Set([
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  ',',
  '(',
  ')',
  '|',
  '!',
  '+',
  '@',
]);

/** One token of a glob, with its place in the raw text (`end` exclusive). */
type Token = { start: number; end: number } & (
  | { type: 'literal'; char: string }
  | { type: 'star' }
  | { type: 'any-char' }
  | { type: 'class'; negated: boolean; body: string }
  | { type: 'brace-open' }
  | { type: 'brace-comma' }
  | { type: 'brace-close' }
);

/**
 * Splits a glob into tokens. `[...]` is a class only when it closes before the next `/` (`]`
 * right after `[` or `[!` is part of the set, as fnmatch); `{...}` is a group only when it closes
 * and has a `,` at its own level. Anything else is literal, so an unmatched `[` or `{` in a key
 * needs no escape.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text.charAt(i);
    const next = text.charAt(i + 1);
    if (char === '\\' && next !== '' && ESCAPABLE.has(next)) {
      tokens.push({ type: 'literal', char: next, start: i, end: i + 2 });
      i += 2;
    } else if (char === '*') {
      tokens.push({ type: 'star', start: i, end: i + 1 });
      i += 1;
    } else if (char === '?') {
      tokens.push({ type: 'any-char', start: i, end: i + 1 });
      i += 1;
    } else if (char === '[') {
      const close = classEnd(text, i);
      if (close === undefined) {
        tokens.push({ type: 'literal', char, start: i, end: i + 1 });
        i += 1;
      } else {
        const inner = text.slice(i + 1, close);
        const negated = inner.startsWith('!') || inner.startsWith('^');
        tokens.push({
          type: 'class',
          negated,
          body: negated ? inner.slice(1) : inner,
          start: i,
          end: close + 1,
        });
        i = close + 1;
      }
    } else if (char === '{') {
      tokens.push({ type: 'brace-open', start: i, end: i + 1 });
      i += 1;
    } else if (char === ',') {
      tokens.push({ type: 'brace-comma', start: i, end: i + 1 });
      i += 1;
    } else if (char === '}') {
      tokens.push({ type: 'brace-close', start: i, end: i + 1 });
      i += 1;
    } else {
      // Whole code points, so a surrogate pair is never split.
      const codePoint = String.fromCodePoint(text.codePointAt(i) ?? 0);
      tokens.push({ type: 'literal', char: codePoint, start: i, end: i + codePoint.length });
      i += codePoint.length;
    }
  }
  return resolveBraces(tokens);
}

/** Index of the `]` closing the class opened at `open`, or undefined when it is not a class. */
function classEnd(text: string, open: number): number | undefined {
  let i = open + 1;
  if (text[i] === '!' || text[i] === '^') i += 1;
  if (text[i] === ']') i += 1;
  for (; i < text.length; i += 1) {
    if (text[i] === '/') return undefined;
    if (text[i] === ']') return i;
  }
  return undefined;
}

/** Keeps `{`, `,` and `}` as syntax only for closed groups with a comma; the rest are literal. */
function resolveBraces(tokens: Token[]): Token[] {
  const open: { index: number; commas: number[] }[] = [];
  const isSyntax = new Set<number>();
  tokens.forEach((token, index) => {
    if (token.type === 'brace-open') open.push({ index, commas: [] });
    else if (token.type === 'brace-comma') open.at(-1)?.commas.push(index);
    else if (token.type === 'brace-close') {
      const group = open.pop();
      if (group !== undefined && group.commas.length > 0) {
        for (const i of [group.index, ...group.commas, index]) isSyntax.add(i);
      }
    }
  });
  return tokens.map((token, index) => {
    const isBrace =
      token.type === 'brace-open' || token.type === 'brace-comma' || token.type === 'brace-close';
    if (!isBrace || isSyntax.has(index)) return token;
    const char = token.type === 'brace-open' ? '{' : token.type === 'brace-comma' ? ',' : '}';
    return { type: 'literal', char, start: token.start, end: token.end };
  });
}

function isWildcard(token: Token): boolean {
  return token.type !== 'literal' && token.type !== 'brace-comma' && token.type !== 'brace-close';
}

/** Where a glob key or path splits into its literal part and its pattern. */
export type GlobSplit = {
  /**
   * The key (escapes removed) before the first wildcard: the ListObjectsV2 prefix. Without a
   * wildcard, the whole key with its escapes removed.
   */
  literalPrefix: string;
  /**
   * `literalPrefix` up to and including its last `/` (or `''`): the root that relative keys, the
   * destination layout and --include/--exclude hang from.
   */
  rootPrefix: string;
  /** The rest of the raw text after `rootPrefix`, in glob syntax; undefined without a wildcard. */
  pattern: string | undefined;
};

/**
 * Splits a raw S3 key (or local path) at its first unescaped wildcard (`*`, `?`, `[...]`,
 * `{a,b}`).
 * @example splitGlob('logs/2024-*\/**') // { literalPrefix: 'logs/2024-', rootPrefix: 'logs/', pattern: '2024-*\/**' }
 * @example splitGlob('a\\*b') // { literalPrefix: 'a*b', rootPrefix: '', pattern: undefined }
 */
export function splitGlob(key: string): GlobSplit {
  const tokens = tokenize(key);
  const first = tokens.findIndex(isWildcard);
  const literal = first === -1 ? tokens : tokens.slice(0, first);
  const literalPrefix = literal.map((t) => (t.type === 'literal' ? t.char : '')).join('');
  const slash = literalPrefix.lastIndexOf('/');
  const rootPrefix = literalPrefix.slice(0, slash + 1);
  if (first === -1) return { literalPrefix, rootPrefix, pattern: undefined };
  // `/` cannot be escaped, so the last literal `/` token ends the root in the raw text too.
  const rawRootEnd = [...literal].reverse().find((t) => t.type === 'literal' && t.char === '/');
  return { literalPrefix, rootPrefix, pattern: key.slice(rawRootEnd?.end ?? 0) };
}

/** True when the text has an unescaped wildcard. */
export function hasWildcard(text: string): boolean {
  return tokenize(text).some(isWildcard);
}

/** Escapes every wildcard character, so the result matches exactly `text`. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]{},!]/g, (char) => `\\${char}`);
}

/**
 * Translates a pattern of our dialect into picomatch syntax: wildcards and groups pass through,
 * `[!x]` becomes `[^x]` (picomatch mishandles `[!`), and every other character picomatch could
 * read as syntax (`(`, `|`, `+`, `@`, `!`) is escaped so it matches itself; a literal `\`
 * becomes `[\\]`.
 */
export function globToPicomatch(pattern: string): string {
  return tokenize(pattern)
    .map((token) => {
      switch (token.type) {
        case 'literal':
          // picomatch misreads `\\\*` (a backslash, then a star); a one-character set does not.
          if (token.char === '\\') return '[\\\\]';
          return PICOMATCH_SPECIAL.has(token.char) ? `\\${token.char}` : token.char;
        case 'star':
          return '*';
        case 'any-char':
          return '?';
        case 'class': {
          // Inside a set only `\`, `]` and a leading `^` need care; ranges (`a-z`) pass through.
          const body = token.body.replace(/[\\\]]/g, (c) => `\\${c}`).replace(/^\^/, '\\^');
          return `[${token.negated ? '^' : ''}${body}]`;
        }
        case 'brace-open':
          return '{';
        case 'brace-comma':
          return ',';
        case 'brace-close':
          return '}';
      }
    })
    .join('');
}

/** A SRC path and, when its key or path has a wildcard, where it splits. */
export type SourcePath = { path: AnyPath; glob: GlobSplit };

const S3_BUCKET_PART = /^s3(?:\+[^:/]*)?:\/\/([^/]*)/s;

/**
 * Parses a SRC path: like {@link parsePath}, plus the glob split of its key (S3) or path (local).
 * @throws S3FerryError (kind `usage`) for a wildcard in the bucket name, and whatever
 *   {@link parsePath} refuses.
 */
export function parseSourcePath(input: string): SourcePath {
  const bucket = S3_BUCKET_PART.exec(input)?.[1];
  if (bucket !== undefined && /[*?[\]{}]/.test(bucket)) {
    throw usageError(
      `'${input}': wildcards are allowed in the key, not in the bucket name '${bucket}'`,
      'name one bucket: s3://bucket/prefix/*.log',
    );
  }
  const path = parsePath(input);
  return { path, glob: splitGlob(path.kind === 's3' ? path.key : path.path) };
}
