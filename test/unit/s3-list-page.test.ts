// The lean ListObjectsV2 parser against the SDK's own: the same documents must give the same
// output fields, whatever the order of the page's fields and whatever characters the keys hold;
// and the listings' direct parse into entries against toEntry over that parse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pageSegments, parseEntryPage, parseListPage, toEntry } from '../../src/s3/list-page.ts';

const RGW_PAGE =
  '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
  '<Name>bkt</Name><Prefix>dir/</Prefix><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>' +
  '<Contents><Key>dir/a &amp; b &lt;c&gt; &quot;d&quot; &#233;</Key><LastModified>2026-11-25T13:35:12.123Z</LastModified>' +
  '<ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass>' +
  '<Owner><ID>u</ID><DisplayName>u</DisplayName></Owner><Type>Normal</Type></Contents>' +
  '<Contents><Key>dir/trailing space </Key><LastModified>2026-11-25T13:35:13.000Z</LastModified>' +
  '<ETag>"abc-2"</ETag><Size>12582912</Size><StorageClass>STANDARD</StorageClass></Contents>' +
  '<KeyCount>2</KeyCount><NextContinuationToken>tok&amp;en/+=</NextContinuationToken></ListBucketResult>';

describe('parseListPage', () => {
  it('reads keys, sizes, ETags, times and the continuation of an RGW page', () => {
    const page = parseListPage(RGW_PAGE);
    assert.equal(page.IsTruncated, true);
    assert.equal(page.NextContinuationToken, 'tok&en/+=');
    assert.equal(page.KeyCount, 2);
    assert.deepEqual(
      page.Contents?.map((o) => [o.Key, o.Size, o.ETag, o.LastModified?.toISOString()]),
      [
        [
          'dir/a & b <c> "d" é',
          1,
          '"0cc175b9c0f1b6a831c399e269772661"',
          '2026-11-25T13:35:12.123Z',
        ],
        ['dir/trailing space ', 12582912, '"abc-2"', '2026-11-25T13:35:13.000Z'],
      ],
    );
  });

  it('finds the page fields before the first Contents too (AWS order), pretty-printed or not', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult>
  <Name>bkt</Name>
  <NextContinuationToken>t1</NextContinuationToken>
  <KeyCount>1</KeyCount>
  <IsTruncated>true</IsTruncated>
  <Contents>
    <Key>k</Key>
    <LastModified>2026-01-01T00:00:00.000Z</LastModified>
    <ETag>"e"</ETag>
    <Size>0</Size>
  </Contents>
</ListBucketResult>`;
    const page = parseListPage(xml);
    assert.equal(page.IsTruncated, true);
    assert.equal(page.NextContinuationToken, 't1');
    assert.deepEqual(
      page.Contents?.map((o) => [o.Key, o.Size]),
      [['k', 0]],
    );
  });

  it('gives an empty, final page for an empty listing', () => {
    const page = parseListPage(
      '<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>',
    );
    assert.equal(page.Contents, undefined);
    assert.equal(page.IsTruncated, false);
    assert.equal(page.NextContinuationToken, undefined);
  });

  it('does not take a page field from inside a key', () => {
    const page = parseListPage(
      '<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>&lt;IsTruncated&gt;true&lt;/IsTruncated&gt;</Key>' +
        '<Size>3</Size></Contents></ListBucketResult>',
    );
    assert.equal(page.IsTruncated, false);
    assert.equal(page.Contents?.[0]?.Key, '<IsTruncated>true</IsTruncated>');
  });

  it('gives each entry only its own optional fields', () => {
    const entry = (key: string, extra = ''): string =>
      `<Contents><Key>${key}</Key><Size>1</Size>${extra}</Contents>`;
    const page = parseListPage(
      '<ListBucketResult><IsTruncated>false</IsTruncated>' +
        entry('a') +
        entry('b', '<ETag>"e"</ETag>') +
        entry('c') +
        entry('d', '<StorageClass>GLACIER</StorageClass>') +
        '</ListBucketResult>',
    );
    assert.deepEqual(
      page.Contents?.map((o) => [o.Key, o.ETag, o.StorageClass]),
      [
        ['a', undefined, undefined],
        ['b', '"e"', undefined],
        ['c', undefined, undefined],
        ['d', undefined, 'GLACIER'],
      ],
    );
  });

  it('decodes every form of ETag text: quoted as entities, as characters, or with entities inside', () => {
    const page = parseListPage(
      '<ListBucketResult>' +
        ['&quot;abc&quot;', '"abc-2"', '&quot;a&amp;b&quot;', '&quot;&quot;', 'W/&quot;x&quot;']
          .map((etag, i) => `<Contents><Key>k${i}</Key><ETag>${etag}</ETag></Contents>`)
          .join('') +
        '</ListBucketResult>',
    );
    assert.deepEqual(
      page.Contents?.map((o) => o.ETag),
      ['"abc"', '"abc-2"', '"a&b"', '""', 'W/"x"'],
    );
  });
});

describe('parseEntryPage', () => {
  const ETAG_FORMS = [
    '&quot;0cc175b9c0f1b6a831c399e269772661&quot;',
    '"abc-2"',
    '&quot;a&amp;b&quot;',
    '&quot;&quot;',
    'W/&quot;x&quot;',
    '&quot;a&quot;b&quot;',
    ' &quot;padded&quot; ',
  ];
  const documents = [
    RGW_PAGE,
    '<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>',
    '<ListBucketResult><IsTruncated>false</IsTruncated>' +
      ETAG_FORMS.map(
        (etag, i) =>
          `<Contents><Key>dir/k${i}</Key><ETag>${etag}</ETag>` +
          (i % 2 === 0
            ? `<Size>${i}</Size><LastModified>2026-01-0${i + 1}T00:00:00.000Z</LastModified>`
            : '') +
          '</Contents>',
      ).join('') +
      '</ListBucketResult>',
  ];

  it('gives exactly what toEntry gives over parseListPage, page fields included', () => {
    for (const xml of documents) {
      const direct = parseEntryPage(xml, 'dir/', 'bkt');
      const viaSdkShape = parseListPage(xml);
      const expected = (viaSdkShape.Contents ?? []).map((o) => toEntry(o, 'dir/', 'bkt'));
      assert.deepEqual(direct.entries, expected, xml);
      assert.equal(direct.held, expected.length);
      const pageFields = { ...viaSdkShape };
      delete pageFields.Contents;
      assert.deepEqual(direct.page, pageFields);
    }
  });

  it('refuses a key outside the listed prefix, naming it', () => {
    assert.throws(
      () =>
        parseEntryPage(
          '<ListBucketResult><Contents><Key>other/x</Key><Size>1</Size></Contents></ListBucketResult>',
          'dir/',
          'bkt',
        ),
      /s3:\/\/bkt\/dir\/: the server listed "other\/x", which is not under the prefix/,
    );
  });
});

describe('pageSegments', () => {
  // A page of many entries with multibyte keys and entities, and the page's fields both before
  // the first <Contents> and after the last one.
  const entryXml = (i: number): string =>
    `<Contents><Key>dir/${'é😀'.repeat(i % 7)}k${String(i).padStart(5, '0')} &amp; x</Key>` +
    `<LastModified>2026-11-25T13:35:12.${String(i % 1000).padStart(3, '0')}Z</LastModified>` +
    `<ETag>&quot;${(i * 7919).toString(16).padStart(32, '0')}&quot;</ETag><Size>${i}</Size>` +
    '<StorageClass>STANDARD</StorageClass></Contents>';
  const bigPage = (n: number): string =>
    '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bkt</Name><IsTruncated>true</IsTruncated>' +
    Array.from({ length: n }, (_, i) => entryXml(i)).join('') +
    `<KeyCount>${n}</KeyCount><NextContinuationToken>t&amp;k</NextContinuationToken></ListBucketResult>`;

  /** `xml`'s bytes in chunks of `size` (cutting inside UTF-8 sequences, as a socket may). */
  const chunksOf = (xml: string, size: number): Buffer[] => {
    const bytes = Buffer.from(xml);
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
    return chunks;
  };
  const CHUNK_SIZES = [1, 7, 250, 4096, 64 * 1024, 1 << 20];

  it('cuts a page only after </Contents>, and the pieces join back to the whole text', () => {
    const xml = bigPage(1000);
    for (const size of CHUNK_SIZES) {
      const segments = pageSegments(chunksOf(xml, size));
      assert.equal(segments.join(''), xml, `chunks of ${size}`);
      for (const segment of segments.slice(0, -1)) assert.ok(segment.endsWith('</Contents>'));
      // About one segment per chunk: none holds the page whole unless it came whole.
      if (size === 64 * 1024) assert.ok(segments.length > 3, `${segments.length} segments`);
    }
    assert.deepEqual(pageSegments([]), ['']);
  });

  it('parses a page read in chunks exactly as the whole text, at every chunk size', () => {
    for (const n of [0, 1, 2, 1000]) {
      const xml = bigPage(n);
      const whole = parseEntryPage(xml, 'dir/', 'bkt');
      assert.equal(whole.entries.length, n);
      assert.equal(whole.page.NextContinuationToken, 't&k');
      for (const size of CHUNK_SIZES) {
        const segments = pageSegments(chunksOf(xml, size));
        assert.deepEqual(parseEntryPage(segments, 'dir/', 'bkt'), whole, `${n} entries, ${size}`);
      }
    }
  });
});
