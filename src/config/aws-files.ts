// Reads and parses the AWS credentials/config ini files, including botocore's indented `s3 =`
// block, keeping the line of every key for error messages. The only module that reads them.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import * as ini from 'ini';
import { displayPath } from '../shared/display.ts';
import { configError } from '../shared/errors.ts';

/** One key of a section. `block` holds the indented sub-keys of a `key =` line (e.g. `s3 =`). */
export type IniValue = {
  readonly value: string;
  /** 1-based line of the key in its file. */
  readonly line: number;
  readonly block?: ReadonlyMap<string, IniValue>;
};

/** One `[name]` section (a repeated section is an error, as in botocore). */
export type IniSection = {
  /** The header as written, trimmed: `default`, `p1`, `profile p1`. */
  readonly name: string;
  readonly line: number;
  /** Keys lower-cased, as botocore's configparser does. */
  readonly keys: ReadonlyMap<string, IniValue>;
};

/** A parsed AWS ini file. A missing file is an empty one with `exists: false`. */
export type AwsIniFile = {
  readonly path: string;
  /** The path with the home directory shown as `~`. */
  readonly displayPath: string;
  readonly exists: boolean;
  readonly sections: ReadonlyMap<string, IniSection>;
};

/** An empty file record (the file does not exist). */
export function emptyAwsIniFile(filePath: string, shownPath: string = filePath): AwsIniFile {
  return { path: filePath, displayPath: shownPath, exists: false, sections: new Map() };
}

// Key names ini would mangle (arrays `k[]`, quotes, comment characters) or that would collide
// with the `parent sub` form used for block entries below.
const KEY_PATTERN = /^[^\s[\]"'#;]+$/;
const SECTION_PATTERN = /^\[([^\]]*)\]\s*(?:[#;].*)?$/;

type Assignment = { key: string; value: string };

/** Splits `key = value` at the first delimiter, as configparser does (`=` or `:`). */
function splitAssignment(text: string, delimiters: RegExp): Assignment | undefined {
  const at = text.search(delimiters);
  if (at <= 0) return undefined;
  return { key: text.slice(0, at).trim().toLowerCase(), value: text.slice(at + 1).trim() };
}

type OpenKey = { key: string; indent: number; hasValue: boolean };

/**
 * Parses the text of an AWS credentials or config file. Throws a one-line config error naming
 * `file.displayPath` and the line for anything that is not a section header, a comment, a blank
 * line, `key = value` (or `key: value`), or an indented `key = value` under an empty `key =`.
 *
 * Values are kept literally, as botocore reads them: no quote removal and no inline comments.
 */
export function parseAwsIni(
  text: string,
  file: { path: string; displayPath?: string },
): AwsIniFile {
  const shown = file.displayPath ?? file.path;
  const fail = (line: number, problem: string): never => {
    throw configError(`${shown}:${line}: ${problem}`);
  };

  // Pass 1: validate line by line and rewrite into text `ini` decodes without surprises:
  // sections become `[s0]`, `[s1]`… (ini nests dotted names like `[profile a.b]`), block lines
  // become `"s3 endpoint_url" = …`, and keys/values are JSON-quoted (ini would otherwise strip
  // `;`/`#` comments and quotes from values, which botocore keeps).
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const emitted: string[] = [];
  const sectionNames: { name: string; line: number }[] = [];
  const keyLines: Map<string, number>[] = [];
  let open: OpenKey | undefined;

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      // Blank and comment lines do not end an `s3 =` block, as in configparser.
      emitted.push('');
      return;
    }
    const indent = line.length - line.trimStart().length;
    const sectionKeys = keyLines[keyLines.length - 1];

    if (open !== undefined && sectionKeys !== undefined && indent > open.indent) {
      if (open.hasValue) {
        fail(
          lineNo,
          `indented line continues "${open.key}", which already has a value; only a "${open.key} =" line with nothing after it starts an indented block`,
        );
      }
      // configparser reads `key: value` like `key = value`, inside the block too.
      const sub = splitAssignment(trimmed, /[=:]/);
      if (sub === undefined || !KEY_PATTERN.test(sub.key)) {
        fail(lineNo, `expected an indented "key = value" line inside the "${open.key} =" block`);
      } else {
        const emittedKey = `${open.key} ${sub.key}`;
        sectionKeys.set(emittedKey, lineNo);
        emitted.push(`${JSON.stringify(emittedKey)} = ${JSON.stringify(sub.value)}`);
      }
      return;
    }

    if (trimmed.startsWith('[')) {
      const match = SECTION_PATTERN.exec(trimmed);
      if (match === null) {
        fail(
          lineNo,
          trimmed.includes(']')
            ? 'unexpected text after the section header'
            : 'unterminated section header (missing "]")',
        );
      }
      // botocore splits `[profile   p1]` on whitespace; normalise so lookups see `profile p1`.
      const name = (match?.[1] ?? '').trim().replace(/\s+/g, ' ');
      if (name === '') fail(lineNo, 'empty section name "[]"');
      // botocore's configparser refuses a repeated section; taking the last one silently would
      // hide keys the user thinks are in use.
      const first = sectionNames.find((section) => section.name === name);
      if (first !== undefined) {
        fail(
          lineNo,
          `the section [${name}] repeats the one at line ${first.line}: merge them into one`,
        );
      }
      emitted.push(`[s${sectionNames.length}]`);
      sectionNames.push({ name, line: lineNo });
      keyLines.push(new Map());
      open = undefined;
      return;
    }

    const assignment = splitAssignment(trimmed, /[=:]/);
    if (assignment === undefined) {
      fail(lineNo, 'expected "[section]", "key = value" or a comment');
    } else if (sectionKeys === undefined) {
      fail(lineNo, `"${assignment.key}" comes before any [section] header`);
    } else if (!KEY_PATTERN.test(assignment.key)) {
      fail(lineNo, 'invalid key name (no spaces, brackets, quotes, "#" or ";")');
    } else {
      sectionKeys.set(assignment.key, lineNo);
      emitted.push(`${JSON.stringify(assignment.key)} = ${JSON.stringify(assignment.value)}`);
      open = { key: assignment.key, indent, hasValue: assignment.value !== '' };
    }
  });

  // Pass 2: let ini split sections and keys, then attach names and line numbers from pass 1.
  const decoded = ini.decode(emitted.join('\n'));
  const sections = new Map<string, { name: string; line: number; keys: Map<string, IniValue> }>();
  sectionNames.forEach(({ name, line }, index) => {
    const section = sections.get(name) ?? { name, line, keys: new Map<string, IniValue>() };
    sections.set(name, section);
    const values: unknown = decoded[`s${index}`];
    const linesOfKeys = keyLines[index] ?? new Map<string, number>();
    if (typeof values !== 'object' || values === null) return;
    for (const [emittedKey, rawValue] of Object.entries(values)) {
      const keyLine = linesOfKeys.get(emittedKey);
      // ini turns "true"/"false"/"null" into JSON values; keep the text.
      if (keyLine === undefined || Array.isArray(rawValue)) continue;
      const value = rawValue === null ? 'null' : String(rawValue);
      const space = emittedKey.indexOf(' ');
      if (space < 0) {
        const previous = section.keys.get(emittedKey);
        section.keys.set(emittedKey, { value, line: keyLine, block: previous?.block });
        continue;
      }
      const parentKey = emittedKey.slice(0, space);
      const parent = section.keys.get(parentKey);
      const block = new Map(parent?.block ?? []);
      block.set(emittedKey.slice(space + 1), { value, line: keyLine });
      section.keys.set(parentKey, {
        value: parent?.value ?? '',
        line: parent?.line ?? keyLine,
        block,
      });
    }
  });
  return { path: file.path, displayPath: shown, exists: true, sections };
}

/**
 * Reads and parses one AWS ini file. A missing file (or missing directory) is an empty file;
 * any other read failure is a config error naming the file.
 */
export function readAwsIniFile(filePath: string, homeDir: string): AwsIniFile {
  const shown = displayPath(filePath, homeDir);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(filePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    if (code === 'ENOENT' || code === 'ENOTDIR') return emptyAwsIniFile(filePath, shown);
    const reason =
      code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : code;
    throw configError(`Cannot read ${shown}: ${reason} (${code})`);
  }
  // A binary file (a key file, an archive saved under the wrong name) would otherwise be read as
  // lines of garbage, and the error would quote kilobytes of it.
  const notText = bytes.includes(0)
    ? 'it holds NUL bytes'
    : isUtf8(bytes)
      ? undefined
      : 'it is not UTF-8';
  if (notText !== undefined) {
    throw configError(
      `${shown} is not a text file (${notText})`,
      'an AWS credentials or config file is an ini text file of [section] and key = value lines',
    );
  }
  return parseAwsIni(bytes.toString('utf8'), { path: filePath, displayPath: shown });
}
