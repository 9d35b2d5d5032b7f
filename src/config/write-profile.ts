// `s3ferry config s3`: merges one profile into an AWS credentials file by editing lines, so every
// comment and every other section survives byte for byte, then replaces the file atomically (0600).
// Never puts a secret into an error message.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { maskUrlPassword, printable } from '../shared/display.ts';
import { S3FerryError, configError, usageError } from '../shared/errors.ts';
import { PROFILE_NAME_PATTERN } from '../paths/path.ts';
import type { AddressingStyle } from '../shared/profile.ts';

/** What `config s3` writes. Undefined optional fields leave the file's existing values alone. */
export type WriteProfileOptions = {
  /** The credentials file to edit (created with its directory when missing). */
  path: string;
  /** Section name, `[A-Za-z0-9_.-]+`. */
  profile: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Written as `aws_session_token`; when absent, a token left from older keys is removed. */
  sessionToken?: string | undefined;
  /** Written as `endpoint_url` inside the section's `s3 =` block. */
  endpointUrl?: string | undefined;
  /** Written as `addressing_style` inside the section's `s3 =` block. */
  addressingStyle?: string | undefined;
  /** Refuse to touch a profile that already exists (exit 2). */
  noCover: boolean;
};

export type WriteProfileResult = {
  /** The file actually written (symlinks resolved). */
  path: string;
  /** True when the file did not exist before. */
  created: boolean;
  /** True when an existing section was merged into (false: a new section was added). */
  updated: boolean;
};

const ADDRESSING_STYLES: readonly AddressingStyle[] = ['path', 'virtual', 'auto'];
const SUBKEY_INDENT = '    ';

/** Throws a one-line usage error (exit 2) unless `name` matches {@link PROFILE_NAME_PATTERN}. */
export function checkProfileName(name: string): void {
  if (!PROFILE_NAME_PATTERN.test(name)) {
    throw usageError(
      `Expected the profile name to use only letters, digits, '_', '-' and '.', got '${printable(name)}'`,
    );
  }
}

/**
 * Checks what `config s3` was given. Throws a one-line usage error (exit 2) naming the bad value;
 * the secret and token are checked but never quoted.
 */
export function validateProfileInput(opts: Omit<WriteProfileOptions, 'path' | 'noCover'>): void {
  checkProfileName(opts.profile);
  checkPlainValue('access key', opts.accessKeyId);
  checkPlainValue('secret key', opts.secretAccessKey);
  if (opts.sessionToken !== undefined) checkPlainValue('session token', opts.sessionToken);
  if (opts.endpointUrl !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(opts.endpointUrl);
    } catch {
      parsed = undefined;
    }
    if (
      parsed === undefined ||
      (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
      parsed.hostname === '' ||
      /\s/.test(opts.endpointUrl)
    ) {
      throw usageError(
        `Expected the endpoint URL to be an http:// or https:// URL, got '${printable(maskUrlPassword(opts.endpointUrl))}'`,
      );
    }
  }
  if (
    opts.addressingStyle !== undefined &&
    !(ADDRESSING_STYLES as readonly string[]).includes(opts.addressingStyle)
  ) {
    throw usageError(
      `Expected the addressing style to be one of ${ADDRESSING_STYLES.join(', ')}, got '${opts.addressingStyle}'`,
    );
  }
}

// A value with a line break would inject lines into the file; surrounding blanks are stripped by
// every ini reader, so the stored key would silently differ from the one given.
function checkPlainValue(what: string, value: string): void {
  if (value === '') throw usageError(`The ${what} must not be empty`);
  if (/[\r\n\0]/.test(value)) throw usageError(`The ${what} must not contain line breaks`);
  if (value.trim() !== value) {
    throw usageError(`The ${what} must not start or end with blanks`);
  }
}

/**
 * Merges a profile into a credentials file: creates the file (0600) and its directory (0700) when
 * missing, updates the keys it sets inside an existing `[profile]` section (including inside its
 * `s3 =` block), keeps every other line byte for byte, and replaces the file atomically.
 */
export function writeProfile(opts: WriteProfileOptions): WriteProfileResult {
  validateProfileInput(opts);
  const target = resolveTarget(opts.path);
  let original: string | undefined;
  try {
    original = fs.readFileSync(target, 'utf8');
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw localIoError(`Cannot read ${target}`, error);
  }

  const doc = parseLines(original ?? '');
  const sections = findSections(doc, opts.profile);
  const [first, repeated] = sections;
  if (first !== undefined && repeated !== undefined) {
    // The same words as the reader's (aws-files.ts), which refuses the file too.
    throw configError(
      `${target}:${repeated.header + 1}: the section [${opts.profile}] repeats the one at line ${first.header + 1}: merge them by hand first`,
    );
  }
  const section = sections[0];
  if (section !== undefined && opts.noCover) {
    throw new S3FerryError(
      'config',
      'ProfileExists',
      `Profile [${opts.profile}] already exists in ${target}; not changed (--no-cover)`,
    );
  }

  if (section === undefined) appendSection(doc, opts);
  else mergeSection(doc, section, opts);

  writeAtomically(target, serialize(doc));
  return { path: target, created: original === undefined, updated: section !== undefined };
}

// ---------------------------------------------------------------------------------------------
// Line model: each line keeps its own terminator, so untouched lines serialize to the same bytes.

type Line = { text: string; eol: string };
type Doc = { lines: Line[]; eol: string };

function parseLines(content: string): Doc {
  const lines: Line[] = [];
  const re = /\r\n|\n/g;
  let start = 0;
  for (let m = re.exec(content); m !== null; m = re.exec(content)) {
    lines.push({ text: content.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  if (start < content.length) lines.push({ text: content.slice(start), eol: '' });
  // New lines follow the file's convention: a CRLF file stays CRLF.
  return { lines, eol: content.includes('\r\n') ? '\r\n' : '\n' };
}

function serialize(doc: Doc): string {
  return doc.lines.map((l) => l.text + l.eol).join('');
}

/** The line at `index`; callers only pass indices inside the document. */
function lineAt(doc: Doc, index: number): Line {
  return doc.lines[index] ?? { text: '', eol: '' };
}

function line(doc: Doc, text: string): Line {
  return { text, eol: doc.eol };
}

const HEADER_RE = /^\s*\[([^\]]*)\]/;
const KEY_RE = /^([^\s=:#;[][^=:]*?)\s*[=:]/;

function headerName(text: string): string | undefined {
  const m = HEADER_RE.exec(text.replace(/^\uFEFF/, ''));
  return m?.[1]?.trim();
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

function isComment(text: string): boolean {
  return /^\s*[#;]/.test(text);
}

/** Top-level `key =` at column 0 (indented lines continue the previous key, as in configparser). */
function topLevelKey(text: string): string | undefined {
  if (/^\s/.test(text) || isComment(text)) return undefined;
  return KEY_RE.exec(text)?.[1]?.trim().toLowerCase();
}

/** Section = header index and the index one past its last line. */
type Section = { header: number; end: number };

function findSections(doc: Doc, name: string): Section[] {
  const found: Section[] = [];
  let current: Section | undefined;
  doc.lines.forEach((l, i) => {
    const header = headerName(l.text);
    if (header === undefined) return;
    if (current !== undefined) current.end = i;
    current = header === name ? { header: i, end: doc.lines.length } : undefined;
    if (current !== undefined) found.push(current);
  });
  return found;
}

/** A top-level entry of a section: its key line and the indented lines that continue it. */
type Entry = { key: string; start: number; end: number };

function sectionEntries(doc: Doc, section: Section): Entry[] {
  const entries: Entry[] = [];
  let current: Entry | undefined;
  for (let i = section.header + 1; i < section.end; i++) {
    const text = lineAt(doc, i).text;
    const key = topLevelKey(text);
    if (key !== undefined) {
      current = { key, start: i, end: i + 1 };
      entries.push(current);
    } else if (current !== undefined && /^\s/.test(text) && !isBlank(text)) {
      // Indented lines (even after blank lines) belong to the entry above, like `s3 =` sub-keys.
      current.end = i + 1;
    } else if (!isBlank(text) && !isComment(text)) {
      current = undefined;
    }
  }
  return entries;
}

function credentialLines(opts: WriteProfileOptions): [string, string][] {
  const keys: [string, string][] = [
    ['aws_access_key_id', opts.accessKeyId],
    ['aws_secret_access_key', opts.secretAccessKey],
  ];
  if (opts.sessionToken !== undefined) keys.push(['aws_session_token', opts.sessionToken]);
  return keys;
}

function s3SubKeys(opts: WriteProfileOptions): [string, string][] {
  const keys: [string, string][] = [];
  if (opts.endpointUrl !== undefined) keys.push(['endpoint_url', opts.endpointUrl]);
  if (opts.addressingStyle !== undefined) keys.push(['addressing_style', opts.addressingStyle]);
  return keys;
}

function appendSection(doc: Doc, opts: WriteProfileOptions): void {
  const last = doc.lines.at(-1);
  if (last !== undefined) {
    if (last.eol === '') last.eol = doc.eol;
    if (!isBlank(last.text)) doc.lines.push(line(doc, ''));
  }
  doc.lines.push(line(doc, `[${opts.profile}]`));
  for (const [key, value] of credentialLines(opts)) doc.lines.push(line(doc, `${key} = ${value}`));
  const sub = s3SubKeys(opts);
  if (sub.length > 0) {
    // The seed's layout: a blank line, then `s3 =` with 4-space-indented sub-keys.
    doc.lines.push(line(doc, ''), line(doc, 's3 ='));
    for (const [key, value] of sub) doc.lines.push(line(doc, `${SUBKEY_INDENT}${key} = ${value}`));
  }
}

/**
 * Edits are collected as (index → replacement lines) and applied from the bottom up, so indices
 * computed on the original document stay valid.
 */
type Edit = { at: number; remove: number; insert: Line[] };

function mergeSection(doc: Doc, section: Section, opts: WriteProfileOptions): void {
  const entries = sectionEntries(doc, section);
  const edits: Edit[] = [];
  const byKey = (key: string): Entry[] => entries.filter((e) => e.key === key);

  // Credentials: replace in place; missing keys go after the previous credential key (or the
  // header), so the usual id/secret/token order holds.
  let anchor = section.header + 1;
  for (const [key, value] of credentialLines(opts)) {
    const existing = byKey(key);
    for (const e of existing) {
      edits.push({
        at: e.start,
        remove: e.end - e.start,
        insert: [line(doc, `${key} = ${value}`)],
      });
    }
    if (existing.length === 0) {
      edits.push({ at: anchor, remove: 0, insert: [line(doc, `${key} = ${value}`)] });
    } else {
      anchor = existing.at(-1)?.end ?? anchor;
    }
  }
  // A token belongs to the key pair it was issued with: new keys without one make it stale.
  if (opts.sessionToken === undefined) {
    for (const e of byKey('aws_session_token')) {
      edits.push({ at: e.start, remove: e.end - e.start, insert: [] });
    }
  }

  const sub = s3SubKeys(opts);
  if (sub.length > 0) {
    const s3 = byKey('s3').at(-1);
    if (s3 === undefined) {
      const lastEntry = entries.at(-1);
      const at = lastEntry?.end ?? section.header + 1;
      edits.push({
        at,
        remove: 0,
        insert: [
          line(doc, 's3 ='),
          ...sub.map(([k, v]) => line(doc, `${SUBKEY_INDENT}${k} = ${v}`)),
        ],
      });
    } else {
      mergeS3Block(doc, s3, sub, edits);
    }
  }

  applyEdits(doc, edits);
}

function mergeS3Block(doc: Doc, s3: Entry, sub: [string, string][], edits: Edit[]): void {
  let indent: string | undefined;
  let lastSubLine = s3.start;
  const positions = new Map<string, number[]>();
  for (let i = s3.start + 1; i < s3.end; i++) {
    const text = lineAt(doc, i).text;
    if (isBlank(text) || isComment(text)) continue;
    lastSubLine = i;
    const m = /^(\s+)([^\s=:]+)\s*[=:]/.exec(text);
    if (m === null) continue;
    indent ??= m[1];
    const key = (m[2] ?? '').toLowerCase();
    positions.set(key, [...(positions.get(key) ?? []), i]);
  }
  const missing: Line[] = [];
  for (const [key, value] of sub) {
    const at = positions.get(key);
    if (at === undefined) {
      missing.push(line(doc, `${indent ?? SUBKEY_INDENT}${key} = ${value}`));
      continue;
    }
    for (const i of at) {
      const keep = /^\s+/.exec(lineAt(doc, i).text)?.[0] ?? SUBKEY_INDENT;
      edits.push({
        at: i,
        remove: 1,
        insert: [{ text: `${keep}${key} = ${value}`, eol: lineAt(doc, i).eol }],
      });
    }
  }
  if (missing.length > 0) edits.push({ at: lastSubLine + 1, remove: 0, insert: missing });
}

function applyEdits(doc: Doc, edits: Edit[]): void {
  // Splice from the bottom so earlier indices stay valid; at the same index the later edit goes
  // first, so an insertion recorded before a replacement ends up above it.
  const ordered = edits.map((e, order) => ({ ...e, order }));
  ordered.sort((a, b) => b.at - a.at || b.order - a.order);
  for (const e of ordered) doc.lines.splice(e.at, e.remove, ...e.insert);
  // Inserting after an unterminated last line would glue two lines together.
  doc.lines.forEach((l, i) => {
    if (l.eol === '' && i < doc.lines.length - 1) l.eol = doc.eol;
  });
}

// ---------------------------------------------------------------------------------------------
// Files

function resolveTarget(p: string): string {
  // Write through a symlink (e.g. a dotfiles repo) instead of replacing the link with a file.
  try {
    return fs.realpathSync(p);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return path.resolve(p);
    throw localIoError(`Cannot resolve ${p}`, error);
  }
}

function writeAtomically(target: string, content: string): void {
  const dir = path.dirname(target);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw localIoError(`Cannot create directory ${dir}`, error);
  }
  const tmp = path.join(
    dir,
    `.${path.basename(target)}.s3ferry-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
    fs.fchmodSync(fd, 0o600); // exact mode whatever the umask
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw localIoError(`Cannot write ${target}`, error);
  }
  syncDirectory(dir);
}

// Makes the rename durable; some filesystems refuse to open or fsync a directory, which only
// weakens durability, never correctness.
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function localIoError(message: string, error: unknown): S3FerryError {
  const reason =
    error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : 'error';
  return new S3FerryError(
    'local-io',
    'LocalIoError',
    `${message}: ${reason}`,
    { fatal: true },
    {
      cause: error,
    },
  );
}
