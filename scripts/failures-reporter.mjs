// A node:test reporter that lists the failed tests once more after the run, one line each:
// file:line, the path of suite and test names, and the first line of the error. `npm test`
// writes the TAP stream to stdout as before and this list to stderr, so a CI log whose
// middle is cut still names what failed at its end.
import { relative } from 'node:path';
import process from 'node:process';

/**
 * The fields of node:test's events that this reporter reads.
 * @typedef {{ failureType?: string, message?: string }} TestError
 * @typedef {{ name: string, nesting: number, file?: string, line?: number,
 *   details?: { error?: TestError } }} TestData
 * @typedef {{ type: string, data: TestData }} TestEvent
 */

/**
 * Suites report "N subtests failed"; the tests inside them are listed instead.
 * @param {TestEvent} event
 */
function isOwnFailure(event) {
  return event.data.details?.error?.failureType !== 'subtestsFailed';
}

// (A .mjs file: node loads reporters before `--import tsx` applies.)
/** @param {AsyncIterable<TestEvent>} source the runner's events */
export default async function* failuresReporter(source) {
  /** @type {Map<string, string[]>} the names of the running suites and test, per file */
  const paths = new Map();
  /** @type {string[]} */
  const failures = [];
  for await (const event of source) {
    const { name, nesting, file = '', line } = event.data;
    if (event.type === 'test:start') {
      const path = paths.get(file) ?? [];
      path.length = nesting;
      path.push(name);
      paths.set(file, path);
    } else if (event.type === 'test:fail' && isOwnFailure(event)) {
      const names = [...(paths.get(file) ?? []).slice(0, nesting), name].join(' › ');
      const where = file === '' ? '' : `${relative(process.cwd(), file)}:${line ?? '?'} `;
      const message = (event.data.details?.error?.message ?? '').trim().split('\n')[0];
      failures.push(`  ${where}${names}: ${message}`);
    }
  }
  if (failures.length > 0) yield `failed tests (${failures.length}):\n${failures.join('\n')}\n`;
}
