// S3's key order: UTF-8 byte order (= Unicode code point order), which JavaScript's `<` gets wrong
// for astral characters against U+E000–U+FFFF (UTF-16 surrogates sort below U+E000 as code units).

/**
 * Compares two keys in UTF-8 byte order, the order S3 lists keys in.
 * Returns a negative number, zero or a positive number. This is the merge join's hot path: it
 * compares UTF-16 code units and only fixes up the first differing pair when both are ≥ U+D800.
 * Keys are well-formed strings (S3 keys come from XML, local names from UTF-8 decoding); a lone
 * surrogate sorts as if it were an astral character.
 * @example compareKeys('\uFF61', '\u{1F600}') < 0 // although '\uFF61' > '\u{1F600}' in JavaScript
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Move surrogates (astral code points) above U+E000–U+FFFF: code point order.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
