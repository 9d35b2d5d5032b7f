// --metrics-textfile: the metrics written for node_exporter's textfile collector, atomically (a
// temp file in the same directory, then rename) so the collector never reads half a file.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `text` to `file` through a temp file in the same directory and a rename. */
export function writeTextfile(file: string, text: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** The last success timestamp an earlier run wrote to `file`, if any (a failed run keeps it). */
export function previousLastSuccess(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^s3ferry_last_success_timestamp_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
  const value = match === null ? Number.NaN : Number(match[1]);
  return Number.isFinite(value) ? value : undefined;
}
