// Binds the CLI to the real process: the config layer, the home directory and the version.
import * as os from 'node:os';
import { loadConfigFromProcess } from '../config/load.ts';
import type { CliDeps } from './context.ts';
import { packageVersion } from './version.ts';

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
