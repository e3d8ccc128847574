import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamBuffer } from '../../../lib/core/buffer/stream-buffer.ts';
import { packRecords, type RecordRun } from '../../../lib/core/records.ts';

/** A run of records of the given sizes, the first with seq `firstSeq`. */
const run = (firstSeq: number, sizes: number[], arrivalMs = 0): RecordRun => ({
  firstSeq,
  arrivalMs,
  ...packRecords(sizes.map((bytes) => new Uint8Array(bytes))),
});

const seqsOf = (batch: RecordRun[]) => batch.flatMap((r) => Array.from(r.ends, (_, i) => r.firstSeq + i));

describe('StreamBuffer', () => {
  it('is due by size before compression, or by interval from the oldest record', () => {
    const buffer = new StreamBuffer({ sizeBytes: 100, intervalSeconds: 60 });
    expect(buffer.due(0)).toBeUndefined();
    buffer.add([run(1, [40], 1_000)]);
    expect(buffer.due(60_999)).toBeUndefined();
    expect(buffer.due(61_000)).toBe('interval');
    buffer.add([run(2, [60], 2_000)]);
    expect(buffer.due(1_000)).toBe('size');
  });

  it('with interval 0 is due as soon as it holds a record', () => {
    const buffer = new StreamBuffer({ sizeBytes: 1024, intervalSeconds: 0 });
    buffer.add([run(1, [1], 5)]);
    expect(buffer.due(5)).toBe('interval');
  });

  it('takes an oversized record alone rather than never delivering it', () => {
    const buffer = new StreamBuffer({ sizeBytes: 10, intervalSeconds: 60 });
    buffer.add([run(1, [50, 5])]);
    expect(seqsOf(buffer.take())).toEqual([1]);
    expect(seqsOf(buffer.take())).toEqual([2]);
    expect(buffer.bufferedRecords).toBe(0);
  });

  it('splits a run at the record where the size hint is reached, keeping bytes and arrival', () => {
    const buffer = new StreamBuffer({ sizeBytes: 10, intervalSeconds: 60 });
    const records = [1, 2, 3, 4, 5].map((n) => new Uint8Array(n).fill(n));
    buffer.add([{ firstSeq: 7, arrivalMs: 42, ...packRecords(records) }]);
    const first = buffer.take();
    expect(seqsOf(first)).toEqual([7, 8, 9, 10]);
    expect(Array.from(first[0]!.data)).toEqual([1, 2, 2, 3, 3, 3, 4, 4, 4, 4]);
    const rest = buffer.take();
    expect(rest).toMatchObject([{ firstSeq: 11, arrivalMs: 42 }]);
    expect(Array.from(rest[0]!.ends)).toEqual([5]);
  });

  it('delivers every record exactly once, in arrival order, in batches within the size hint', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 50 }), { maxLength: 40 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        (sizeBytes, puts, takes) => {
          const buffer = new StreamBuffer({ sizeBytes, intervalSeconds: 1 });
          const taken: number[] = [];
          let seq = 0;
          const take = () => {
            const batch = buffer.take();
            const bytes = batch.reduce((sum, r) => sum + r.data.byteLength, 0);
            const seqs = seqsOf(batch);
            if (seqs.length > 1) expect(bytes).toBeLessThanOrEqual(sizeBytes);
            taken.push(...seqs);
          };
          puts.forEach((sizes, i) => {
            buffer.add([run(seq + 1, sizes)]);
            seq += sizes.length;
            if (takes[i]) take();
          });
          while (buffer.bufferedRecords > 0) take();
          expect(taken).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
          expect(buffer.bufferedBytes).toBe(0);
        },
      ),
    );
  });
});
