import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import SnappyJS from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { SnappyCompressor } from '../../../lib/core/compression/snappy-compressor.ts';
import { conversionWith, query, roundTrip } from './helpers.ts';

/**
 * Sluice's SNAPPY compressor must write exactly what snappyjs writes (the golden Parquet files were made with
 * snappyjs, and DuckDB, hyparquet and python-snappy read them): compared byte for byte, and round-tripped
 * through snappyjs's decoder, on inputs that reach every element kind.
 */

/** Bytes with long repeats, short repeats and noise mixed, like PLAIN pages of ids and strings. */
function pagesLike(seed: number, length: number): Uint8Array {
  let x = seed | 0 || 1;
  const random = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const out = new Uint8Array(length);
  let n = 0;
  while (n < length) {
    const kind = random();
    const run = 1 + Math.floor(random() * 200);
    for (let i = 0; i < run && n < length; i++, n++) {
      if (kind < 0.3) out[n] = Math.floor(random() * 256);
      else if (kind < 0.6 && n > 3000) out[n] = out[n - 2999]!;
      else if (kind < 0.8 && n > 40) out[n] = out[n - 37]!;
      else out[n] = 0x61 + (n % 7);
    }
  }
  return out;
}

function expectSameAsSnappyJs(compressor: SnappyCompressor, input: Uint8Array): void {
  const ours = compressor.compress(input);
  expect(Buffer.from(ours).equals(Buffer.from(SnappyJS.compress(input)))).toBe(true);
  expect(Buffer.from(SnappyJS.uncompress(ours)).equals(Buffer.from(input))).toBe(true);
}

describe('SnappyCompressor', () => {
  it('writes what snappyjs writes for empty, tiny, fragment-sized and multi-fragment inputs', () => {
    const compressor = new SnappyCompressor();
    for (const length of [0, 1, 14, 15, 16, 100, 4095, 65535, 65536, 65537, 200_000, 1_300_000]) {
      expectSameAsSnappyJs(compressor, pagesLike(length + 1, length));
    }
  });

  it('writes what snappyjs writes for runs (long copies), all-distinct bytes (long literals) and subarrays', () => {
    const compressor = new SnappyCompressor();
    expectSameAsSnappyJs(compressor, new Uint8Array(300_000).fill(7));
    expectSameAsSnappyJs(
      compressor,
      Uint8Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24),
    );
    const text = new TextEncoder().encode('/catalog/item-7919 Mozilla/5.0 (X11; Linux x86_64) '.repeat(3000));
    expectSameAsSnappyJs(compressor, text.subarray(13, 120_013));
  });

  it('writes what snappyjs writes for any bytes', () => {
    const compressor = new SnappyCompressor();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 40 }), (bytes, times) => {
        const input = new Uint8Array(bytes.length * times);
        for (let i = 0; i < times; i++) input.set(bytes, i * bytes.length);
        expectSameAsSnappyJs(compressor, input);
      }),
      { numRuns: 200 },
    );
  });

  it('writes multi-fragment SNAPPY pages that DuckDB and hyparquet read back value by value', async () => {
    // PLAIN pages of up to 1 MiB: repeats (copies), random ids (literals) and fragments of 64 KiB each.
    const records = Array.from({ length: 6000 }, (_, i) =>
      JSON.stringify({
        id: 7_000_000_000 + i * 7919,
        s: `/catalog/item-${(i * 7919) % 500}?session=${((i * 2654435761) >>> 0).toString(36)}`,
        x: (i % 17) / 8,
      }),
    );
    const { duck, hyp, result, path } = await roundTrip(
      records,
      { id: 'bigint', s: 'string', x: 'double' },
      conversionWith(undefined, { enableDictionaryCompression: false, pageSizeBytes: 1 << 20 }),
    );
    expect(result.failures).toEqual([]);
    const expected = records.map((r) => {
      const row = JSON.parse(r) as { id: number; s: string; x: number };
      return { id: String(row.id), s: row.s, x: row.x };
    });
    expect(duck).toEqual(expected);
    expect(hyp).toEqual(expected);
    const chunks = await query(
      `select path_in_schema as path, compression, total_uncompressed_size::INT as raw, total_compressed_size::INT as packed
       from parquet_metadata('${path}') order by column_id`,
    );
    expect(chunks.map((c) => c.compression)).toEqual(['SNAPPY', 'SNAPPY', 'SNAPPY']);
    // The string page spans several 64 KiB fragments and does compress.
    const strings = chunks[1]!;
    expect(strings.raw as number).toBeGreaterThan(3 * 65536);
    expect(strings.packed as number).toBeLessThan((strings.raw as number) * 0.9);
  });

  // Debian's python3-snappy (the C++ library) under /usr/bin/python3, when installed.
  const pythonSnappy = spawnSync('/usr/bin/python3', ['-c', 'import snappy']).status === 0;
  it.skipIf(!pythonSnappy)('writes blocks python-snappy decompresses to the input', () => {
    const input = pagesLike(42, 300_000);
    const path = join(mkdtempSync(join(tmpdir(), 'sluice-snappy-')), 'block.snappy');
    writeFileSync(path, new SnappyCompressor().compress(input));
    const decoded = execFileSync('/usr/bin/python3', [
      '-c',
      'import snappy, sys; sys.stdout.buffer.write(snappy.uncompress(open(sys.argv[1], "rb").read()))',
      path,
    ]);
    expect(Buffer.from(decoded).equals(Buffer.from(input))).toBe(true);
  });
});
