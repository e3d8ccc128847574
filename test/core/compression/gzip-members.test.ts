import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GZIP_MEMBER_BYTES } from '../../../lib/core/compression/gzip.ts';
import { codecFor, compressToBuffer } from '../../../lib/core/compression/index.ts';
import { gunzip, pythonGunzip, pythonGzipMemberCount } from './external-decoders.ts';

const ctx = { uuid: '5c2ff0a4-7b7e-4d8e-9a61-0f1c3e2d9b47', nowMs: 0 };

// Records-like input that compresses like the bench data (~4×) and spans 2.5 members.
function input(bytes: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let made = 0;
  for (let i = 0; made < bytes; i++) {
    const line = Buffer.from(
      `{"seq":${i},"digest":"${createHash('md5').update(String(i)).digest('hex')}"}\n`,
    );
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => line));
    chunks.push(chunk.subarray(0, Math.min(chunk.length, bytes - made)));
    made += chunks[chunks.length - 1]!.length;
  }
  return chunks;
}

describe('GZIP objects larger than one member', () => {
  const chunks = input(Math.floor(GZIP_MEMBER_BYTES * 2.5));
  const expected = Buffer.concat(chunks);

  it('are a series of members that gzip -dc, Python and Node all read as the whole object', async () => {
    const compressed = await compressToBuffer(codecFor('GZIP'), chunks, ctx);
    expect(pythonGzipMemberCount(compressed)).toBe(3);
    expect(gunzip(compressed).equals(expected)).toBe(true);
    expect(pythonGunzip(compressed).equals(expected)).toBe(true);
    expect(gunzipSync(compressed).equals(expected)).toBe(true);
  });

  it('are byte-identical from run to run (a retried put re-sends the same body)', async () => {
    const [a, b] = await Promise.all([
      compressToBuffer(codecFor('GZIP'), chunks, ctx),
      compressToBuffer(codecFor('GZIP'), chunks, ctx),
    ]);
    expect(Buffer.compare(a, b)).toBe(0);
  });
});
