// The "source" column of `config show`: where a value came from, as `KIND detail` so the column
// reads as a table (`env X`, `file ~/.aws/credentials [p1] key`). Errors and hints phrase sources
// differently, for prose: describeSource in src/shared/display.ts.
import { displayPath } from '../shared/display.ts';
import type { SettingSource } from '../shared/profile.ts';

/**
 * Where a value came from, for `config show`: `env AWS_ENDPOINT_URL`, `flag --endpoint-url`,
 * `file ~/.aws/credentials [p1] s3.endpoint_url`, `default`, `SDK default credential chain`.
 * With `homeDir`, paths under it are shown with `~`; without it (`--json`) paths stay absolute.
 */
export function formatSource(source: SettingSource | undefined, homeDir?: string): string {
  if (source === undefined) return 'default';
  switch (source.kind) {
    case 'flag':
      return `flag ${source.name.startsWith('-') ? source.name : `--${source.name}`}`;
    case 'env':
      return `env ${source.name}`;
    case 'file': {
      const shown = homeDir === undefined ? source.path : displayPath(source.path, homeDir);
      return `file ${shown} [${source.section}] ${source.key}`;
    }
    case 'default':
      return 'default';
    case 'sdk-chain':
      return 'SDK default credential chain';
  }
}
