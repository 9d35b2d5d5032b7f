// How settings are shown to a user: masked access keys and readable provenance. Secrets and
// tokens have no formatter on purpose: they are never shown, only whether they are set.
import type { SettingSource } from '../shared/profile.ts';

/**
 * Masks an access key to its first and last 4 characters (`AKIA…WXYZ`), like megfile's
 * `s3_access_key_masked`. Keys of 8 characters or fewer are masked entirely.
 */
export function maskAccessKey(accessKeyId: string): string {
  if (accessKeyId.length <= 8) return '********';
  return `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
}

/**
 * Where a value came from, in the user's words: `env AWS_ENDPOINT_URL`, `flag --endpoint-url`,
 * `file ~/.aws/credentials [p1] s3.endpoint_url`, `default`, `SDK default credential chain`.
 * With `homeDir`, paths under it are shown with `~`.
 */
export function formatSource(source: SettingSource | undefined, homeDir?: string): string {
  if (source === undefined) return 'default';
  switch (source.kind) {
    case 'flag':
      return `flag ${source.name.startsWith('-') ? source.name : `--${source.name}`}`;
    case 'env':
      return `env ${source.name}`;
    case 'file':
      return `file ${tildify(source.path, homeDir)} [${source.section}] ${source.key}`;
    case 'default':
      return 'default';
    case 'sdk-chain':
      return 'SDK default credential chain';
  }
}

/** Shows a path under `homeDir` as `~/...`. */
export function tildify(p: string, homeDir: string | undefined): string {
  if (homeDir === undefined || homeDir === '' || homeDir === '/') return p;
  const home = homeDir.endsWith('/') ? homeDir.slice(0, -1) : homeDir;
  if (p === home) return '~';
  return p.startsWith(`${home}/`) ? `~${p.slice(home.length)}` : p;
}
