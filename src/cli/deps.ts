// Binds the CLI to the real process: the config layer, the home directory and the version.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFromProcess } from '../config/load.ts';
import type { CliDeps } from './context.ts';

/** The dependencies `main.ts` passes to `runCli`. */
export function processDeps(): CliDeps {
  return {
    loadConfig: (flags) => loadConfigFromProcess(flags),
    // Same resolution as every reader: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials.
    defaultCredentialsPath: () => loadConfigFromProcess().credentialsFile,
    homeDir: os.homedir(),
    version: packageVersion(),
  };
}

// package.json sits two levels up from src/cli but three from dist/src/cli: look upwards.
function packageVersion(): string {
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
