// Rewrites the README's configuration reference (between the config-table markers) from the
// option table in src/config/options.ts. `--check` only reports whether it is up to date.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configReferenceMarkdown } from '../src/config/options.ts';

export const START_MARKER = '<!-- config-table:start -->';
export const END_MARKER = '<!-- config-table:end -->';

/** The README text with the region between the markers replaced; throws when a marker is missing. */
export function replaceConfigRegion(readme: string, table: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) {
    throw new Error(`README.md needs ${START_MARKER} followed by ${END_MARKER}`);
  }
  return `${readme.slice(0, start + START_MARKER.length)}\n${table}\n${readme.slice(end)}`;
}

function main(argv: readonly string[]): number {
  const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
  const current = fs.readFileSync(readmePath, 'utf8');
  const updated = replaceConfigRegion(current, configReferenceMarkdown());
  if (argv.includes('--check')) {
    if (updated === current) return 0;
    console.error(
      'README.md configuration table is out of date: run `node --import tsx scripts/gen-config-docs.ts`',
    );
    return 1;
  }
  if (updated !== current) fs.writeFileSync(readmePath, updated);
  console.log(updated === current ? 'README.md is up to date' : 'README.md updated');
  return 0;
}

// Run only when executed directly, so the unit test can import replaceConfigRegion.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(path.resolve(entry)).href) {
  process.exitCode = main(process.argv.slice(2));
}
