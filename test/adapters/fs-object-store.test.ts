import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../lib/adapters/local/fs-object-store.ts';
import { SluiceError } from '../../lib/core/errors.ts';

let root: string;
let store: FsObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-fs-store-'));
  store = new FsObjectStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const put = (key: string, body: string | Uint8Array, bucket = 'bucket') =>
  store.putObject({
    bucket,
    key,
    body: typeof body === 'string' ? Buffer.from(body) : body,
    contentType: 'application/octet-stream',
  });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SluiceError);
  return (error as SluiceError).code;
}

describe('FsObjectStore', () => {
  it('writes <root>/<bucket>/<key>, creating intermediate directories, and reads it back with its metadata', async () => {
    await store.putObject({
      bucket: 'logs',
      key: '2026/07/13/14/clicks-1-2026-07-13-14-00-00-abc.gz',
      body: Buffer.from([1, 2, 3]),
      contentType: 'application/octet-stream',
      contentEncoding: 'gzip',
    });
    expect([
      ...(await readFile(join(root, 'logs/2026/07/13/14/clicks-1-2026-07-13-14-00-00-abc.gz'))),
    ]).toEqual([1, 2, 3]);
    expect(await store.getObject('logs', '2026/07/13/14/clicks-1-2026-07-13-14-00-00-abc.gz')).toEqual({
      body: Buffer.from([1, 2, 3]),
      contentType: 'application/octet-stream',
      contentEncoding: 'gzip',
    });
    // Metadata and temp files stay out of the bucket directory.
    expect(await readdir(join(root, 'logs'))).toEqual(['2026']);
    expect((await readdir(root)).sort()).toEqual(['.sluice-meta', '.sluice-tmp', 'logs']);
    expect(await readdir(join(root, '.sluice-tmp'))).toEqual([]);
  });

  it('overwrites an existing object and reports a missing one as undefined', async () => {
    await put('k', 'first');
    await store.putObject({
      bucket: 'bucket',
      key: 'k',
      body: Buffer.from('second'),
      contentType: 'text/plain',
    });
    expect(await store.getObject('bucket', 'k')).toEqual({
      body: Buffer.from('second'),
      contentType: 'text/plain',
    });
    expect(await store.getObject('bucket', 'missing')).toBeUndefined();
    expect(await store.getObject('other-bucket', 'k')).toBeUndefined();
  });

  it('keeps keys with S3-legal odd characters verbatim', async () => {
    const keys = [
      'year=2026/month=07/part-00000.json',
      "a:b/c d/e+f&g@h$i,j;k!l(m)n*o'p~q",
      'ünïcødé/日本語/🙂.txt',
      'trailing space ',
      '...dots/..x/x..',
    ];
    for (const key of keys) await put(key, key);
    for (const key of keys) {
      expect((await readFile(join(root, 'bucket', key))).toString()).toBe(key);
    }
    // S3 lists keys in UTF-8 byte order.
    expect(await store.listObjects('bucket')).toEqual([
      '...dots/..x/x..',
      "a:b/c d/e+f&g@h$i,j;k!l(m)n*o'p~q",
      'trailing space ',
      'year=2026/month=07/part-00000.json',
      'ünïcødé/日本語/🙂.txt',
    ]);
    expect(await store.listObjects('bucket', 'year=2026/')).toEqual(['year=2026/month=07/part-00000.json']);
    expect(await store.listObjects('bucket', 'nope')).toEqual([]);
    expect(await store.listObjects('no-such-bucket')).toEqual([]);
  });

  it.each([
    ['../escape'],
    ['a/../../escape'],
    ['a/..'],
    ['./a'],
    ['/etc/passwd'],
    ['a\0b'],
    ['a//b'],
    ['dir/'],
    [''],
    ['x'.repeat(1025)],
  ])('rejects the key %j with InvalidObjectKey and writes nothing', async (key) => {
    expect(await codeOf(put(key, 'x'))).toBe('InvalidObjectKey');
    expect((await readdir(root)).sort()).toEqual([]);
  });

  it.each([['..'], ['.sluice-tmp'], ['a/b'], ['']])('rejects the bucket name %j', async (bucket) => {
    expect(await codeOf(put('k', 'x', bucket))).toBe('InvalidBucketName');
    expect(await readdir(root)).toEqual([]);
  });

  it('reports a key that needs a file where a directory is (or the reverse) as InvalidObjectKey, leaving no temp file', async () => {
    await put('a', 'file');
    expect(await codeOf(put('a/b', 'x'))).toBe('InvalidObjectKey');
    await put('d/e', 'x');
    expect(await codeOf(put('d', 'x'))).toBe('InvalidObjectKey');
    expect(await readdir(join(root, '.sluice-tmp'))).toEqual([]);
    expect(await store.listObjects('bucket')).toEqual(['a', 'd/e']);
  });

  it('never exposes a partial object to a concurrent reader', async () => {
    const size = 32 * 1024 * 1024;
    const key = 'big/object.bin';
    const path = join(root, 'bucket', key);
    const observed = new Set<number>();
    let writing = true;
    // Poll the target path while the write is in flight; every read is either ENOENT or the whole body.
    const reader = (async () => {
      for (let i = 0; i < 100_000 && writing; i++) {
        try {
          const bytes = await readFile(path);
          observed.add(bytes.length);
          if (bytes.length === size) expect(bytes[0]).toBe(0x61);
        } catch (error) {
          expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
          observed.add(-1);
        }
      }
    })();
    await put(key, Buffer.alloc(size, 'a'));
    // Overwriting must also be all-or-nothing: old body or new body, nothing in between.
    await put(key, Buffer.alloc(size, 'a'));
    writing = false;
    await reader;
    expect([...observed].every((n) => n === -1 || n === size)).toBe(true);
    expect(observed.has(-1)).toBe(true);
    expect(await readdir(join(root, '.sluice-tmp'))).toEqual([]);
  });

  it('removes stale temp files left by a crashed writer', async () => {
    await mkdir(join(root, '.sluice-tmp'), { recursive: true });
    await writeFile(join(root, '.sluice-tmp', 'leftover-1'), 'partial');
    await writeFile(join(root, '.sluice-tmp', 'leftover-2'), 'partial');
    expect(await store.removeStaleTempFiles()).toBe(2);
    expect(await readdir(join(root, '.sluice-tmp'))).toEqual([]);
    expect(await new FsObjectStore(join(root, 'never-used')).removeStaleTempFiles()).toBe(0);
  });

  it('can run without metadata sidecars', async () => {
    const bare = new FsObjectStore(root, { metadata: false });
    await bare.putObject({
      bucket: 'b',
      key: 'k',
      body: Buffer.from('x'),
      contentType: 'text/csv',
      contentEncoding: 'gzip',
    });
    expect((await readdir(root)).sort()).toEqual(['.sluice-tmp', 'b']);
    expect(await bare.getObject('b', 'k')).toEqual({
      body: Buffer.from('x'),
      contentType: 'application/octet-stream',
    });
  });
});
