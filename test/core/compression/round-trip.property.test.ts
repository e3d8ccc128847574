import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  codecFor,
  compressToBuffer,
  HADOOP_SNAPPY_MAX_BLOCK_BYTES,
  XERIAL_BLOCK_SIZE_BYTES,
} from '../../../lib/core/compression/index.ts';
import { decodeGzip, readHadoopBlocks, readOnlyZipEntry, readXerialBlocks } from './in-process-decoders.ts';

// Small records most of the time, occasionally one larger than a whole block, so chunk boundaries fall anywhere.
const record = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 30_000, maxLength: 250_000 }) },
);
const records = fc.array(record, { maxLength: 40 });
const contexts = fc.record({
  uuid: fc.uuid(),
  nowMs: fc.integer({ min: Date.UTC(1980, 0, 1), max: Date.UTC(2100, 0, 1) }),
});
const runs = { numRuns: 40 };

describe('round trip through in-process decoders', () => {
  it('UNCOMPRESSED is the concatenation', async () => {
    await fc.assert(
      fc.asyncProperty(records, contexts, async (chunks, ctx) => {
        const out = await compressToBuffer(codecFor('UNCOMPRESSED'), chunks, ctx);
        expect(Buffer.from(out).equals(Buffer.concat(chunks))).toBe(true);
      }),
      runs,
    );
  });

  it('GZIP gunzips to the concatenation', async () => {
    await fc.assert(
      fc.asyncProperty(records, contexts, async (chunks, ctx) => {
        const out = await compressToBuffer(codecFor('GZIP'), chunks, ctx);
        expect(decodeGzip(out).equals(Buffer.concat(chunks))).toBe(true);
      }),
      runs,
    );
  });

  it('ZIP holds one entry named by the uuid with the right CRC-32', async () => {
    await fc.assert(
      fc.asyncProperty(records, contexts, async (chunks, ctx) => {
        const input = Buffer.concat(chunks);
        const entry = readOnlyZipEntry(await compressToBuffer(codecFor('ZIP'), chunks, ctx));
        expect(entry.name).toBe(ctx.uuid);
        expect(entry.crc32).toBe(crc32(input));
        expect(entry.data.equals(input)).toBe(true);
      }),
      runs,
    );
  });

  it('Snappy decodes block by block, each block 32 KiB of input except the last', async () => {
    await fc.assert(
      fc.asyncProperty(records, contexts, async (chunks, ctx) => {
        const input = Buffer.concat(chunks);
        const blocks = readXerialBlocks(await compressToBuffer(codecFor('Snappy'), chunks, ctx));
        expect(Buffer.concat(blocks).equals(input)).toBe(true);
        expect(blocks.length).toBe(Math.ceil(input.byteLength / XERIAL_BLOCK_SIZE_BYTES));
        for (const block of blocks.slice(0, -1)) expect(block.byteLength).toBe(XERIAL_BLOCK_SIZE_BYTES);
      }),
      runs,
    );
  });

  it('HADOOP_SNAPPY decodes block by block, one chunk per block of at most 218,422 bytes', async () => {
    await fc.assert(
      fc.asyncProperty(records, contexts, async (chunks, ctx) => {
        const input = Buffer.concat(chunks);
        const blocks = readHadoopBlocks(await compressToBuffer(codecFor('HADOOP_SNAPPY'), chunks, ctx));
        const decoded = Buffer.concat(blocks.flatMap((b) => b.chunks));
        expect(decoded.equals(input)).toBe(true);
        const expectedBlocks = Math.max(1, Math.ceil(input.byteLength / HADOOP_SNAPPY_MAX_BLOCK_BYTES));
        expect(blocks.length).toBe(expectedBlocks);
        for (const block of blocks) expect(block.chunks).toHaveLength(input.byteLength === 0 ? 0 : 1);
      }),
      runs,
    );
  });
});
