import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamBuffer } from '../../../lib/core/buffer/stream-buffer.ts';
import type { FirehoseRecord } from '../../../lib/core/records.ts';

const record = (seq: number, bytes: number, arrivalMs = 0): FirehoseRecord => ({
  seq,
  recordId: `r${seq}`,
  arrivalMs,
  data: new Uint8Array(bytes),
});

describe('StreamBuffer', () => {
  it('is due by size before compression, or by interval from the oldest record', () => {
    const buffer = new StreamBuffer({ sizeBytes: 100, intervalSeconds: 60 });
    expect(buffer.due(0)).toBeUndefined();
    buffer.add([record(1, 40, 1_000)]);
    expect(buffer.due(60_999)).toBeUndefined();
    expect(buffer.due(61_000)).toBe('interval');
    buffer.add([record(2, 60, 2_000)]);
    expect(buffer.due(1_000)).toBe('size');
  });

  it('with interval 0 is due as soon as it holds a record', () => {
    const buffer = new StreamBuffer({ sizeBytes: 1024, intervalSeconds: 0 });
    buffer.add([record(1, 1, 5)]);
    expect(buffer.due(5)).toBe('interval');
  });

  it('takes an oversized record alone rather than never delivering it', () => {
    const buffer = new StreamBuffer({ sizeBytes: 10, intervalSeconds: 60 });
    buffer.add([record(1, 50), record(2, 5)]);
    expect(buffer.take().map((r) => r.seq)).toEqual([1]);
    expect(buffer.take().map((r) => r.seq)).toEqual([2]);
    expect(buffer.bufferedRecords).toBe(0);
  });

  it('delivers every record exactly once, in arrival order, in batches within the size hint', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 50 }), { maxLength: 40 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        (sizeBytes, puts, takes) => {
          const buffer = new StreamBuffer({ sizeBytes, intervalSeconds: 1 });
          const taken: FirehoseRecord[] = [];
          let seq = 0;
          puts.forEach((sizes, i) => {
            buffer.add(sizes.map((bytes) => record(++seq, bytes)));
            if (takes[i]) taken.push(...checkedBatch(buffer.take(), sizeBytes));
          });
          while (buffer.bufferedRecords > 0) taken.push(...checkedBatch(buffer.take(), sizeBytes));
          expect(taken.map((r) => r.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
          expect(buffer.bufferedBytes).toBe(0);
        },
      ),
    );
  });
});

function checkedBatch(batch: FirehoseRecord[], sizeBytes: number): FirehoseRecord[] {
  const bytes = batch.reduce((sum, r) => sum + r.data.byteLength, 0);
  if (batch.length > 1) expect(bytes).toBeLessThanOrEqual(sizeBytes);
  return batch;
}
