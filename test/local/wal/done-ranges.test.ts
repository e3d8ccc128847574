import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DoneRanges } from '../../../lib/local/wal/done-ranges.ts';

describe('DoneRanges', () => {
  it('merges overlapping and adjacent ranges', () => {
    const done = new DoneRanges();
    done.add(10, 12);
    done.add(1, 3);
    done.add(5, 6);
    expect(done.toArray()).toEqual([
      [1, 3],
      [5, 6],
      [10, 12],
    ]);
    done.add(4, 4);
    expect(done.toArray()).toEqual([
      [1, 6],
      [10, 12],
    ]);
    done.add(2, 11);
    expect(done.toArray()).toEqual([[1, 12]]);
  });

  it('reports the missing parts of a range', () => {
    const done = new DoneRanges();
    done.add(3, 4);
    done.add(8, 9);
    expect(done.missing(1, 10)).toEqual([
      [1, 2],
      [5, 7],
      [10, 10],
    ]);
    expect(done.missing(3, 4)).toEqual([]);
  });

  it('drops everything below a seq', () => {
    const done = new DoneRanges();
    done.add(1, 5);
    done.add(8, 9);
    done.dropBelow(4);
    expect(done.toArray()).toEqual([
      [4, 5],
      [8, 9],
    ]);
    done.dropBelow(7);
    expect(done.toArray()).toEqual([[8, 9]]);
  });

  it('agrees with a plain set', () => {
    const range = fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 8 }));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 30 }), fc.integer({ min: 1, max: 70 }), (adds, probe) => {
        const done = new DoneRanges();
        const model = new Set<number>();
        for (const [from, len] of adds) {
          const missing = done
            .missing(from, from + len)
            .flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i));
          expect(missing).toEqual(
            Array.from({ length: len + 1 }, (_, i) => from + i).filter((s) => !model.has(s)),
          );
          done.add(from, from + len);
          for (let s = from; s <= from + len; s++) model.add(s);
        }
        expect(done.has(probe)).toBe(model.has(probe));
        const flat = done.toArray();
        for (let i = 1; i < flat.length; i++) expect(flat[i]![0]).toBeGreaterThan(flat[i - 1]![1] + 1);
      }),
    );
  });
});
