import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { codecFor, compressToBuffer } from '../../../lib/core/compression/index.ts';
import type { CompressionFormat } from '../../../lib/core/config/resolved.ts';
import { seededBytes } from './fixtures.ts';

const ctx = { uuid: '00000000-0000-4000-8000-000000000001', nowMs: Date.UTC(2024, 2, 15, 13, 45, 31) };
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const XERIAL_HEADER = '82534e4150505900' + '00000001' + '00000001';

describe('codecFor', () => {
  // Spec §3.4 table, observed columns: HADOOP_SNAPPY is delivered as `.snappy`, not the documented `.hsnappy`.
  it.each<[CompressionFormat, string, string | undefined]>([
    ['UNCOMPRESSED', '', undefined],
    ['GZIP', '.gz', 'gzip'],
    ['ZIP', '.zip', 'zip'],
    ['Snappy', '.snappy', 'snappy-java'],
    ['HADOOP_SNAPPY', '.snappy', 'hadoop-snappy'],
  ])('%s → extension %j, Content-Encoding %j', (format, extension, contentEncoding) => {
    const codec = codecFor(format);
    expect({
      format: codec.format,
      extension: codec.extension,
      contentEncoding: codec.contentEncoding,
    }).toEqual({
      format,
      extension,
      contentEncoding,
    });
  });
});

describe('exact bytes', () => {
  it('UNCOMPRESSED hands a lone chunk back without copying it', async () => {
    const only = Uint8Array.of(1, 2, 3);
    expect(await compressToBuffer(codecFor('UNCOMPRESSED'), [only], ctx)).toBe(only);
  });

  it('UNCOMPRESSED concatenates with no delimiter', async () => {
    const out = await compressToBuffer(
      codecFor('UNCOMPRESSED'),
      [Buffer.from('ab'), Buffer.from(''), Buffer.from('c')],
      ctx,
    );
    expect(Buffer.from(out).toString()).toBe('abc');
  });

  it('Snappy of one byte is the header and one block holding a 1-byte literal', async () => {
    const out = await compressToBuffer(codecFor('Snappy'), [Uint8Array.of(0x2a)], ctx);
    expect(hex(out)).toBe(XERIAL_HEADER + '00000003' + '01002a');
  });

  it('Snappy of nothing is the bare header', async () => {
    expect(hex(await compressToBuffer(codecFor('Snappy'), [], ctx))).toBe(XERIAL_HEADER);
  });

  it('HADOOP_SNAPPY of one byte is one block with one chunk', async () => {
    const out = await compressToBuffer(codecFor('HADOOP_SNAPPY'), [Uint8Array.of(0x2a)], ctx);
    expect(hex(out)).toBe('00000001' + '00000003' + '01002a');
  });

  it('HADOOP_SNAPPY of nothing is a single zero block length, as BlockCompressorStream.finish() writes', async () => {
    expect(hex(await compressToBuffer(codecFor('HADOOP_SNAPPY'), [], ctx))).toBe('00000000');
  });

  it('HADOOP_SNAPPY splits at 218,422 input bytes so incompressible blocks fit Hadoop’s 256 KiB buffer', async () => {
    const out = Buffer.from(
      await compressToBuffer(codecFor('HADOOP_SNAPPY'), [seededBytes(500_000, 9)], ctx),
    );
    const firstChunkBytes = out.readInt32BE(4);
    const second = 8 + firstChunkBytes;
    const secondChunkBytes = out.readInt32BE(second + 4);
    const third = second + 8 + secondChunkBytes;
    expect([out.readInt32BE(0), out.readInt32BE(second), out.readInt32BE(third)]).toEqual([
      218_422, 218_422, 63_156,
    ]);
    expect(firstChunkBytes).toBeLessThanOrEqual(256 * 1024);
  });

  it('ZIP of one byte has the exact local header, central directory and end record', async () => {
    const out = Buffer.from(await compressToBuffer(codecFor('ZIP'), [Uint8Array.of(0x2a)], ctx));
    const name = Buffer.from(ctx.uuid).toString('hex');
    const deflated = 'd30200'; // deflateRaw of 0x2a at level 6
    const crc = '5b26b909'; // CRC-32 of 0x2a (0x09b9265b per Python's zlib.crc32), little-endian
    // 2024-03-15 13:45:31 UTC → DOS time 0x6daf (13:45:30), date 0x586f
    const common = '1400' + '0000' + '0800' + 'af6d' + '6f58' + crc + '03000000' + '01000000' + '2400';
    const local = '504b0304' + common + '0000' + name + deflated;
    const central =
      '504b0102' + '1400' + common + '0000' + '0000' + '0000' + '0000' + '00000000' + '00000000' + name;
    const end = '504b0506' + '0000' + '0000' + '0100' + '0100' + '52000000' + '45000000' + '0000';
    expect(out.toString('hex')).toBe(local + central + end);
  });
});

describe('event loop', () => {
  it.each<CompressionFormat>(['Snappy', 'HADOOP_SNAPPY', 'GZIP', 'ZIP'])(
    '%s lets other callbacks run while a 5 MB object compresses',
    async (format) => {
      let done = false;
      const compressing = codecFor(format)
        .compress([seededBytes(5 * 1024 * 1024, 1)], ctx)
        .then(() => {
          done = true;
        });
      const doneWhenImmediateRan = await new Promise<boolean>((resolve) => setImmediate(() => resolve(done)));
      await compressing;
      expect(doneWhenImmediateRan).toBe(false);
    },
  );
});
