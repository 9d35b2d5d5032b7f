// Pure pieces of the copy paths: CopySource encoding, temp names, and the part runner's "settle everything before failing" rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeCopySource, localIoError } from '../../src/s3/transfer/context.ts';
import { forEachConcurrently } from '../../src/s3/transfer/multipart.ts';
import { isTempName, tempPathFor } from '../../src/s3/transfer/temp-file.ts';

describe('encodeCopySource', () => {
  it('encodes each segment and keeps the slashes, so every key decodes to itself', () => {
    const keys = [
      'plain/key.txt',
      'a+b',
      'p%41%2F',
      'q?x#y',
      'sp ace',
      'dbl//slash',
      'ünï/日本/😀',
      'trailing ',
      '/leading',
    ];
    for (const key of keys) {
      const encoded = encodeCopySource('bkt', key);
      assert.ok(encoded.startsWith('bkt/'));
      assert.doesNotMatch(encoded.slice(4), /[ +?#%](?![0-9A-F]{2})/);
      assert.equal(decodeURIComponent(encoded.slice(4)), key);
    }
    assert.equal(encodeCopySource('b', 'x y/z+1'), 'b/x%20y/z%2B1');
  });
});

describe('temp files', () => {
  it('are hidden names next to the destination, recognisable, and short enough', () => {
    const temp = tempPathFor('/data/dir/report.csv');
    assert.match(
      temp,
      new RegExp(
        `^/data/dir/\\.report\\.csv\\.s3ferry-tmp-${process.pid}-[0-9a-f]{8}-[0-9a-f]{12}$`,
      ),
    );
    assert.ok(isTempName(temp.slice('/data/dir/'.length)));
    assert.ok(!isTempName('report.csv'));
    const long = tempPathFor(`/d/${'日'.repeat(200)}`);
    assert.ok(Buffer.byteLength(long.slice(3)) <= 255);
  });
});

describe('localIoError', () => {
  const errno = (code: string, text: string, syscall: string, path?: string): Error =>
    Object.assign(
      new Error(`${code}: ${text}, ${syscall}${path === undefined ? '' : ` '${path}'`}`),
      { code, syscall },
    );

  it("names the path once, with Node's reason but not its code and call again", () => {
    const error = localIoError(
      errno('EACCES', 'permission denied', 'open', '/d/.x.s3ferry-tmp-1-aaaaaaaa-0123456789ab'),
      'write',
      '/d/x',
    );
    assert.equal(error.code, 'EACCES');
    assert.equal(error.message, 'cannot write /d/x: permission denied');
    assert.equal(error.fatal, false);
    assert.equal(error.hint, undefined);
  });

  it('makes a full, over-quota or read-only file system fatal, with a hint', () => {
    for (const [code, text] of [
      ['ENOSPC', 'no space left on device'],
      ['EDQUOT', 'disk quota exceeded'],
      ['EROFS', 'read-only file system'],
    ] as const) {
      const error = localIoError(errno(code, text, 'write'), 'write', '/mnt/f');
      assert.equal(error.message, `cannot write /mnt/f: ${text}`);
      assert.equal(error.fatal, true, code);
      assert.match(error.hint ?? '', /file system|quota/);
    }
  });

  it('keeps a message that is not a Node file-system error as it is', () => {
    assert.equal(
      localIoError(new Error('boom, again'), 'read', '/a').message,
      'cannot read /a: boom, again',
    );
  });
});

describe('forEachConcurrently', () => {
  it('rejects with the first failure only after every started item has settled', async () => {
    const events: string[] = [];
    let release: () => void = () => undefined;
    const slow = new Promise<void>((done) => {
      release = done;
    });
    const run = forEachConcurrently(
      [1, 2, 3, 4],
      2,
      new AbortController().signal,
      async (n, signal) => {
        events.push(`start ${n}`);
        if (n === 1) {
          await slow; // ignores the abort on purpose: the runner must still wait for it
          events.push('end 1');
          return;
        }
        assert.equal(signal.aborted, false);
        throw new Error(`part ${n} failed`);
      },
    );
    let settled = false;
    void run.catch(() => undefined).finally(() => (settled = true));
    await new Promise((done) => setImmediate(done));
    assert.equal(settled, false);
    release();
    await assert.rejects(run, /part 2 failed/);
    // Item 3 and 4 never started; item 1 finished before the rejection.
    assert.deepEqual(events, ['start 1', 'start 2', 'end 1']);
  });

  it('keeps at most `concurrency` items in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    await forEachConcurrently(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      new AbortController().signal,
      async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((done) => setImmediate(done));
        inFlight -= 1;
      },
    );
    assert.equal(peak, 3);
  });

  it('prints no listener-leak warning when requests leave their abort listeners behind', async () => {
    // An SDK request destroyed while it waits for a socket keeps its 'abort' listener on the
    // part's signal (node emits no 'close' then): a slow server's retries used to print
    // "MaxListenersExceededWarning: Possible EventTarget memory leak detected" to the user.
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(`${warning.name}: ${warning.message}`);
    };
    process.on('warning', onWarning);
    try {
      await forEachConcurrently([1, 2], 2, new AbortController().signal, async (_, signal) => {
        for (let attempt = 0; attempt < 12; attempt += 1) {
          signal.addEventListener('abort', () => undefined, { once: true });
        }
        await new Promise((done) => setImmediate(done));
      });
      // Warnings are emitted on the next tick.
      await new Promise((done) => setImmediate(done));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });
});
