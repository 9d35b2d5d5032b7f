// s3ferry's version, read from its package.json. Its own module, with nothing but node:
// built-ins, so that `s3ferry --version` loads nothing else (main.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `version` of s3ferry's package.json, found by looking upwards; 'unknown' if none. */
export function packageVersion(): string {
  // package.json sits two levels up from src/cli but three from dist/src/cli: look upwards.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 's3ferry' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not here; keep looking
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
