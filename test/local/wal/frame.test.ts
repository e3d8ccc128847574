import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packRecords, type RecordRun } from '../../../lib/core/records.ts';
import {
  decodeDoneFrame,
  decodeRunFrame,
  encodeDoneFrame,
  encodeRunHeader,
} from '../../../lib/local/wal/frame.ts';

function encodeRun(run: RecordRun): Buffer {
  return Buffer.concat([encodeRunHeader(run), run.data]);
}

const sample = (): RecordRun => ({
  firstSeq: 42,
  arrivalMs: 1234,
  ...packRecords([new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array([4, 5])]),
});

describe('run frame', () => {
  it('round-trips first seq, arrivalMs, record boundaries and data', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER - 600 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        (firstSeq, arrivalMs, records) => {
          const run = { firstSeq, arrivalMs, ...packRecords(records) };
          const frame = encodeRun(run);
          const decoded = decodeRunFrame(frame, 0)!;
          expect(decoded.end).toBe(frame.length);
          expect([decoded.firstSeq, decoded.arrivalMs]).toEqual([firstSeq, arrivalMs]);
          expect(Array.from(decoded.ends)).toEqual(Array.from(run.ends));
          expect(Buffer.from(decoded.data).equals(Buffer.from(run.data))).toBe(true);
        },
      ),
    );
  });

  it('rejects every truncation and every single-bit flip', () => {
    const frame = encodeRun(sample());
    for (let len = 0; len < frame.length; len++)
      expect(decodeRunFrame(frame.subarray(0, len), 0)).toBe(undefined);
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const copy = Buffer.from(frame);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      expect(decodeRunFrame(copy, 0)).toBe(undefined);
    }
  });

  it('rejects an all-zero region (a preallocated or torn page)', () => {
    expect(decodeRunFrame(Buffer.alloc(64), 0)).toBe(undefined);
  });
});

describe('done frame', () => {
  it('round-trips ranges', () => {
    const ranges = [
      [1, 5],
      [7, 7],
      [2 ** 40, 2 ** 40 + 3],
    ] as const;
    const frame = encodeDoneFrame(ranges);
    expect(decodeDoneFrame(frame, 0)).toEqual({ ranges: ranges.map((r) => [...r]), end: frame.length });
    expect(decodeDoneFrame(frame.subarray(0, frame.length - 1), 0)).toBe(undefined);
  });
});
