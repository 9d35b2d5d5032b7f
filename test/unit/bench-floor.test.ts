import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  Endpoint,
  Signer,
  canonicalQuery,
  completeXml,
  listPage,
  objectPath,
  xmlValue,
} from '../../scripts/bench/floor.ts';
import { readLoopResult } from '../../scripts/bench/loop.ts';
import { signRequest } from '../../src/s3/sigv4.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('bench floor: SigV4 written out in floor.ts', () => {
  // s3ferry's signer (tied to the SDK's by the drift test) signs every header it is given; the
  // floor signs host and x-amz-* only, so the two agree when those are all there is.
  const cases: {
    method: string;
    path: string;
    query: Record<string, string>;
    headers: Record<string, string>;
  }[] = [
    {
      method: 'PUT',
      path: objectPath('bucket', "d07/obj 1+(x)*!'.txt"),
      query: {},
      headers: {
        host: '127.0.0.1:7480',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-copy-source': 'src/d07/obj-00001',
      },
    },
    {
      method: 'GET',
      path: '/bucket/',
      query: { 'list-type': '2', 'max-keys': '1000', 'continuation-token': 'a+b/c=d' },
      headers: { host: 'localhost:8000', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    {
      method: 'POST',
      path: objectPath('bucket', 'd00/obj-00000'),
      query: { uploads: '' },
      headers: { host: 'localhost:8000', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
  ];
  for (const c of cases) {
    it(`signs ${c.method} ${c.path} as s3ferry's sigv4.ts does`, () => {
      const date = new Date('2026-12-04T19:30:00.456Z');
      const want = signRequest({
        ...c,
        region: 'us-east-1',
        service: 's3',
        credentials,
        date,
      });
      const headers: Record<string, string> = { ...c.headers };
      new Signer(credentials).sign(
        c.method,
        c.path,
        canonicalQuery(c.query),
        headers,
        date.getTime(),
      );
      assert.equal(headers['x-amz-date'], '20261204T193000Z');
      assert.equal(headers['authorization'], want['authorization']);
    });
  }

  it('keeps the signing key across requests and days apart', () => {
    const signer = new Signer(credentials);
    const sign = (iso: string) => {
      const headers: Record<string, string> = {
        host: 'h',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      };
      signer.sign('GET', '/b/k', '', headers, Date.parse(iso));
      const want = signRequest({
        method: 'GET',
        path: '/b/k',
        query: {},
        headers: { host: 'h', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        region: 'us-east-1',
        service: 's3',
        credentials,
        date: new Date(iso),
      });
      assert.equal(headers['authorization'], want['authorization']);
    };
    sign('2026-12-04T23:59:59Z');
    sign('2026-12-05T00:00:01Z');
    sign('2026-12-05T00:00:01.900Z');
    sign('2026-12-04T12:00:00Z');
  });

  it('encodes keys per segment and sorts the query', () => {
    assert.equal(objectPath('b', 'a b/c+d/é(1)'), '/b/a%20b/c%2Bd/%C3%A9%281%29');
    assert.equal(
      canonicalQuery({ uploadId: 'x/y', partNumber: '2' }),
      'partNumber=2&uploadId=x%2Fy',
    );
    assert.equal(canonicalQuery({ uploads: '' }), 'uploads=');
  });
});

describe('bench floor: XML', () => {
  it('counts the keys of a page and decodes the next token', () => {
    const page =
      '<?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated>' +
      '<Contents><Key>a</Key></Contents><Contents><Key>b</Key></Contents>' +
      '<NextContinuationToken>t&amp;1</NextContinuationToken></ListBucketResult>';
    assert.deepEqual(listPage(page), { keys: 2, next: 't&1' });
    assert.deepEqual(
      listPage('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'),
      { keys: 0, next: undefined },
    );
    assert.throws(() => listPage('<IsTruncated>true</IsTruncated>'), /without a token/);
    assert.equal(xmlValue('<UploadId>2~x</UploadId>', 'UploadId'), '2~x');
    assert.equal(xmlValue('<UploadId>2~x', 'UploadId'), undefined);
  });

  it('writes CompleteMultipartUpload with the parts in order', () => {
    assert.equal(
      completeXml(['"a"', '"b"']),
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag></Part>' +
        '<Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part></CompleteMultipartUpload>',
    );
  });
});

describe('bench loop results', () => {
  const step = { op: 'copy' as const, count: 10, sizeBytes: 1024 };
  it('takes the last line when every object and byte is there', () => {
    const read = readLoopResult(
      'noise\n{"objects":10,"bytes":10240,"requests":10,"ms":12.5,"startupCpuMs":40}\n',
      step,
    );
    assert.ok('result' in read);
    assert.equal(read.result.ms, 12.5);
    assert.equal(read.result.startupCpuMs, 40);
  });

  it('fails a loop that copied too little, listed too little or printed no result', () => {
    const problem = (stdout: string, s: Parameters<typeof readLoopResult>[1] = step) => {
      const read = readLoopResult(stdout, s);
      return 'problem' in read ? read.problem : undefined;
    };
    assert.match(
      problem('{"objects":9,"bytes":9216,"requests":9,"ms":1}') ?? '',
      /9 objects \/ 9216 bytes, expected 10 \/ 10240/,
    );
    // A listing: both sides, 10 keys each.
    const list = { op: 'list-both' as const, count: 10, sizeBytes: 1024 };
    assert.equal(problem('{"objects":20,"bytes":0,"requests":2,"ms":1}', list), undefined);
    assert.match(
      problem('{"objects":10,"bytes":0,"requests":2,"ms":1}', list) ?? '',
      /expected 20/,
    );
    assert.match(problem('') ?? '', /no result line/);
    assert.match(problem('{"objects":10}') ?? '', /not a result/);
    assert.match(problem('null') ?? '', /not a result/);
  });
});

describe('bench floor: a stalled server', () => {
  it(
    'fails the request after the idle timeout, naming it and the endpoint, instead of hanging',
    { timeout: 10_000 },
    async () => {
      // Takes the request and never answers, as a test cluster with a full memstore does.
      const server = createServer(() => undefined);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const side = {
          endpoint: `http://127.0.0.1:${port}`,
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'secret',
          bucket: 'b',
        };
        const endpoint = new Endpoint(side, 1, 200);
        await assert.rejects(endpoint.send('GET', 'b', 'd00/obj-00000'), (error: Error) => {
          assert.match(
            error.message,
            /^GET \/b\/d00\/obj-00000: no byte moved for 0\.2 s at 127\.0\.0\.1:\d+/,
          );
          return true;
        });
      } finally {
        server.closeAllConnections();
        server.close();
      }
    },
  );
});
