// The pure parts of the lean CopyObject path: where a request goes, how keys become paths, and
// that S3's <Error> documents become errors classify.ts judges exactly like the SDK's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyS3Error } from '../../src/s3/classify.ts';
import {
  encodeKeyPath,
  requestLocation,
  serviceError,
  xmlText,
} from '../../src/s3/signed-request.ts';

describe('encodeKeyPath', () => {
  const cases: [string, string][] = [
    ['plain/key.txt', 'plain/key.txt'],
    ['plus+sign', 'plus%2Bsign'],
    ['percent%41', 'percent%2541'],
    ['question?mark#hash', 'question%3Fmark%23hash'],
    ['space in name', 'space%20in%20name'],
    ['dbl//slash', 'dbl//slash'],
    ['/leading', '/leading'],
    ['trailing space ', 'trailing%20space%20'],
    ["sym ~!$'()*,;=@&", 'sym%20~%21%24%27%28%29%2A%2C%3B%3D%40%26'],
    ['ünï/日本/😀', '%C3%BCn%C3%AF/%E6%97%A5%E6%9C%AC/%F0%9F%98%80'],
    ['unreserved-_.~', 'unreserved-_.~'],
  ];
  for (const [key, path] of cases) {
    it(`encodes ${JSON.stringify(key)}`, () => {
      assert.equal(encodeKeyPath(key), path);
    });
  }
});

describe('requestLocation', () => {
  it('puts the bucket in the path for path-style endpoints, keeping the port', () => {
    assert.deepEqual(
      requestLocation(
        { endpointUrl: 'http://127.0.0.1:7480', region: 'us-east-1' },
        true,
        'bkt',
        'a b/c',
      ),
      { protocol: 'http:', hostname: '127.0.0.1', port: 7480, path: '/bkt/a%20b/c' },
    );
  });

  it('puts the bucket in the host name for virtual-hosted endpoints', () => {
    assert.deepEqual(
      requestLocation(
        { endpointUrl: 'https://oss-cn-hangzhou.aliyuncs.com', region: 'cn-hangzhou' },
        false,
        'bkt',
        'k',
      ),
      { protocol: 'https:', hostname: 'bkt.oss-cn-hangzhou.aliyuncs.com', path: '/k' },
    );
  });

  it("uses AWS's regional endpoint without an endpoint URL", () => {
    assert.deepEqual(
      requestLocation({ endpointUrl: undefined, region: 'eu-west-1' }, false, 'bkt', 'dir/k'),
      {
        protocol: 'https:',
        hostname: 'bkt.s3.eu-west-1.amazonaws.com',
        path: '/dir/k',
      },
    );
  });

  it('sends a bucket request to /bucket/ in path style and / when virtual-hosted, as the SDK does', () => {
    const spec = { endpointUrl: 'http://127.0.0.1:7480', region: 'us-east-1' };
    assert.equal(requestLocation(spec, true, 'bkt', '').path, '/bkt/');
    assert.equal(requestLocation(spec, false, 'bkt', '').path, '/');
  });

  it("keeps an endpoint URL's base path", () => {
    assert.equal(
      requestLocation(
        { endpointUrl: 'http://gateway:8080/s3/', region: 'us-east-1' },
        true,
        'bkt',
        'k',
      ).path,
      '/s3/bkt/k',
    );
  });
});

describe('xmlText', () => {
  it('reads the first element and decodes entities', () => {
    const xml =
      '<?xml version="1.0"?><Error><Code>NoSuchKey</Code>' +
      '<Message>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#233;&#x4E2D;</Message></Error>';
    assert.equal(xmlText(xml, 'Code'), 'NoSuchKey');
    assert.equal(xmlText(xml, 'Message'), 'a <b> & "c" \'d\' é中');
    assert.equal(xmlText(xml, 'RequestId'), undefined);
  });
});

describe('serviceError', () => {
  const doc = (code: string, message: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

  it('makes a SlowDown a retryable throttling error, as the SDK error would be', () => {
    const error = classifyS3Error(
      serviceError(503, { 'x-amz-request-id': 'r1' }, doc('SlowDown', 'Reduce your rate')),
    );
    assert.equal(error.code, 'SlowDown');
    assert.equal(error.retryable, true);
    assert.equal(error.httpStatus, 503);
  });

  it('makes AccessDenied a non-retryable error with the server message', () => {
    const error = classifyS3Error(serviceError(403, {}, doc('AccessDenied', 'Access Denied')));
    assert.equal(error.code, 'AccessDenied');
    assert.equal(error.retryable, false);
    assert.match(error.message, /Access Denied/);
  });

  it('classifies a body-less 500 by its status, as retryable', () => {
    const error = classifyS3Error(serviceError(500, {}, ''));
    assert.equal(error.retryable, true);
    assert.equal(error.httpStatus, 500);
  });

  it('keeps the request id and the status in $metadata', () => {
    const raw = serviceError(404, { 'x-amz-request-id': 'abc' }, doc('NoSuchKey', 'gone')) as {
      $metadata?: unknown;
      name: string;
    };
    assert.equal(raw.name, 'NoSuchKey');
    assert.deepEqual(raw.$metadata, { httpStatusCode: 404, requestId: 'abc', attempts: 1 });
  });
});
