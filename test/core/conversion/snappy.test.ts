import fc from 'fast-check';
import SnappyJS from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { SnappyCompressor } from '../../../lib/core/conversion/snappy.ts';

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
});
