// ETag normalisation in one place: servers disagree on quoting (RGW returns unquoted ETags from
// CopyObject and an empty one from CompleteMultipartUpload), so compare only bare values.

/**
 * Strips the quotes (and a weak `W/` prefix, or XML-escaped `&quot;` quotes) around an ETag.
 * An empty ETag carries no information and becomes undefined.
 * @example normalizeEtag('"9b2cf535f27731c974343645a3985328"') // '9b2cf535f27731c974343645a3985328'
 */
export function normalizeEtag(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const bare = raw
    .trim()
    .replace(/^W\//, '')
    .replace(/^&quot;(.*)&quot;$/, '$1')
    .replace(/^"(.*)"$/, '$1');
  return bare === '' ? undefined : bare;
}
