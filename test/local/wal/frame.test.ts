import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeDoneFrame,
  decodeRecordFrame,
  encodeDoneFrame,
  RECORD_FIXED_BYTES,
  writeRecordHeader,
} from '../../../lib/local/wal/frame.ts';

function encodeRecord(seq: number, arrivalMs: number, recordId: string, data: Uint8Array): Buffer {
  const idBytes = Buffer.byteLength(recordId);
  const frame = Buffer.alloc(RECORD_FIXED_BYTES + idBytes + data.byteLength);
  writeRecordHeader(frame, 0, seq, arrivalMs, idBytes, recordId, data);
  frame.set(data, RECORD_FIXED_BYTES + idBytes);
  return frame;
}

describe('record frame', () => {
  it('round-trips seq, recordId, arrivalMs and data', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.string({ maxLength: 60 }),
        fc.uint8Array({ maxLength: 300 }),
        (seq, arrivalMs, recordId, data) => {
          const frame = encodeRecord(seq, arrivalMs, recordId, data);
          expect(decodeRecordFrame(frame, 0)).toEqual({
            seq,
            arrivalMs,
            recordId,
            data: Buffer.from(data),
            end: frame.length,
          });
        },
      ),
    );
  });

  it('rejects every truncation and every single-bit flip', () => {
    const frame = encodeRecord(42, 1234, 'abc', new Uint8Array([1, 2, 3, 4, 5]));
    for (let len = 0; len < frame.length; len++)
      expect(decodeRecordFrame(frame.subarray(0, len), 0)).toBe(undefined);
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const copy = Buffer.from(frame);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      expect(decodeRecordFrame(copy, 0)).toBe(undefined);
    }
  });

  it('rejects an all-zero region (a preallocated or torn page)', () => {
    expect(decodeRecordFrame(Buffer.alloc(64), 0)).toBe(undefined);
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
