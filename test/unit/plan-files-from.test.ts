// --files-from lists: how a file's lines become keys, and which of them a key range asks for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keysInRange, parseKeyList } from '../../src/plan/files-from.ts';

describe('parseKeyList', () => {
  it('reads one key per line, LF or CRLF, dropping a leading / and skipping blanks and # comments', () => {
    const text = 'b.txt\r\n# not this\n\n/a/x.bin\n  \nc d.txt\n#\n';
    assert.deepEqual(parseKeyList(text), ['a/x.bin', 'b.txt', 'c d.txt']);
  });

  it('sorts in UTF-8 byte order (as listings are) and keeps each key once', () => {
    // UTF-16 order would put U+1F600 (a surrogate pair, 0xD83D…) before U+FF5E; bytes put it after.
    const keys = parseKeyList('\u{ff5e}\n\u{1f600}\nZ\na\nZ\n');
    assert.deepEqual(keys, ['Z', 'a', '\u{ff5e}', '\u{1f600}']);
  });

  it('keeps blanks inside and at the end of a key (they are part of S3 keys)', () => {
    assert.deepEqual(parseKeyList('a b \n'), ['a b ']);
  });
});

describe('keysInRange', () => {
  const keys = ['a', 'b', 'c', 'd', 'e'];
  it('takes the keys after `after` and up to `until` inclusive', () => {
    assert.deepEqual(keysInRange(keys, { after: 'b', until: 'd' }), ['c', 'd']);
    assert.deepEqual(keysInRange(keys, { after: 'bb' }), ['c', 'd', 'e']);
    assert.deepEqual(keysInRange(keys, { until: 'a' }), ['a']);
    assert.deepEqual(keysInRange(keys, {}), keys);
    assert.deepEqual(keysInRange(keys, { after: 'e' }), []);
    assert.deepEqual(keysInRange([], { until: 'x' }), []);
  });

  it('agrees with a plain filter on every pair of bounds', () => {
    const bounds = [undefined, '', 'a', 'aa', 'c', 'e', 'f'];
    for (const after of bounds) {
      for (const until of bounds) {
        const range = { after, until };
        const expected = keys.filter(
          (k) => (after === undefined || k > after) && (until === undefined || k <= until),
        );
        assert.deepEqual(keysInRange(keys, range), expected, JSON.stringify(range));
      }
    }
  });
});
