// The summary line about s3ferry temp files found in a local destination (src/local/stale-temp.ts),
// shared by sync (removed, or would be in a dry run) and check (found, left alone).
import type { TempFileSummary } from '../local/stale-temp.ts';
import { formatCount, printable } from '../shared/display.ts';

function files(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'file' : 'files'}`;
}

/**
 * `  temp files: …` for a summary, or undefined when there is nothing to say. `how`: `removed`
 * (a sync), `would-remove` (a dry run), `found` (a check, which never removes anything).
 */
export function tempFilesLine(
  temp: TempFileSummary | undefined,
  how: 'removed' | 'would-remove' | 'found',
): string | undefined {
  if (temp === undefined) return undefined;
  const parts: string[] = [];
  if (temp.stale > 0) {
    const first = temp.stalePaths[0];
    const example = first === undefined ? '' : `, e.g. ${printable(first)}`;
    const what = `${files(temp.stale)} left by a killed run${example}`;
    if (how === 'removed') {
      parts.push(`removed ${what}`);
      if (temp.removeFailed > 0) parts.push(`${files(temp.removeFailed)} of them could not be`);
    } else if (how === 'would-remove') {
      parts.push(`would remove ${what}`);
    } else {
      parts.push(`${what} (the next sync or cp -r into it removes them)`);
    }
  }
  if (temp.inUse > 0) {
    parts.push(`${files(temp.inUse)} that a running process may be writing left alone`);
  }
  return `  temp files: ${parts.join('; ')}`;
}
