// Profile naming helpers of the resolver: env prefixes and ini section labels. Pure. (`~` paths
// and setting sources in words are in src/shared/display.ts; S3 hints in src/s3/hints.ts.)

/** The env prefix of a named profile: `profile-1.x` → `PROFILE_1_X__` (megfile's, plus `-`/`.`). */
export function envPrefixFor(profileName: string): string {
  return `${profileName.toUpperCase().replace(/[-.]/g, '_')}__`;
}

/** The profile's section header in the credentials file, e.g. `[p1]`. */
export function credentialsSectionLabel(profileName: string): string {
  return `[${profileName}]`;
}

/** The profile's section header in the config file: `[default]` or `[profile p1]`. */
export function configSectionLabel(profileName: string): string {
  return profileName === 'default' ? '[default]' : `[profile ${profileName}]`;
}
