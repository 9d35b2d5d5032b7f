// What commands receive: where to print, and the config layer behind a small seam so unit tests
// can run commands without touching the real environment.
import type { ConfigResolver } from '../config/load.ts';
import type { ExitCode } from '../shared/exit-codes.ts';
import type { RedactingIo } from './io.ts';

/** Values of the global config flags (`--max-retry-times` ...), keyed by option id. */
export type SettingFlags = Readonly<Record<string, string | boolean | undefined>>;

/** The part of `src/config/load.ts`'s resolver the commands use (tests pass a fake). */
export type LoadedConfig = Pick<
  ConfigResolver,
  'profile' | 'global' | 'credentialsFile' | 'configFile'
>;

/** Everything the CLI needs from outside: the config layer, the home directory, the version. */
export type CliDeps = {
  loadConfig(flags: SettingFlags): LoadedConfig;
  /** `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`: where `config s3` writes. */
  defaultCredentialsPath(): string;
  homeDir: string;
  version: string;
};

/** Passed to every command's `register…` function. */
export type CliContext = {
  io: RedactingIo;
  deps: CliDeps;
  /** The global setting flags given on this command line (read after parsing). */
  settingFlags(): SettingFlags;
  /** Sets the exit code of a command that finished without throwing (sync: 1, 130…). */
  setExitCode?(code: ExitCode): void;
};
