import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blocksOf, concatChunks, groupsOf, totalLength } from '../../../lib/core/compression/chunks.ts';
import { toDosDateTime } from '../../../lib/core/compression/dos-date-time.ts';

const bytes = (...values: number[]) => Uint8Array.of(...values);
const toArrays = (blocks: Iterable<Uint8Array>) => [...blocks].map((b) => [...b]);

describe('blocksOf', () => {
  it('yields nothing for no bytes', () => {
    expect(toArrays(blocksOf([], 4))).toEqual([]);
    expect(toArrays(blocksOf([bytes()], 4))).toEqual([]);
  });

  it('cuts across chunk boundaries, the last block short', () => {
    expect(toArrays(blocksOf([bytes(1, 2, 3), bytes(), bytes(4, 5), bytes(6, 7, 8, 9, 10)], 4))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
  });

  it('returns views, not copies, of blocks that lie inside one chunk', () => {
    const chunk = bytes(1, 2, 3, 4, 5, 6, 7, 8, 9);
    const blocks = [...blocksOf([chunk], 4)];
    expect(blocks.map((b) => b.buffer === chunk.buffer)).toEqual([true, true, true]);
    expect(blocks.map((b) => b.byteOffset)).toEqual([0, 4, 8]);
  });
});

describe('blocksOf property', () => {
  it('rebuilds the input from full blocks and one short last block', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 17 }),
        (chunks, size) => {
          const blocks = [...blocksOf(chunks, size)];
          const input = chunks.flatMap((c) => [...c]);
          expect(blocks.flatMap((b) => [...b])).toEqual(input);
          expect(blocks.length).toBe(Math.ceil(input.length / size));
          for (const block of blocks.slice(0, -1)) expect(block.byteLength).toBe(size);
        },
      ),
    );
  });
});

describe('groupsOf property', () => {
  it('rebuilds the input from full groups of views and one short last group', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 17 }),
        (chunks, size) => {
          const groups = [...groupsOf(chunks, size)];
          const input = chunks.flatMap((c) => [...c]);
          expect(groups.flatMap((g) => g.flatMap((v) => [...v]))).toEqual(input);
          expect(groups.length).toBe(Math.ceil(input.length / size));
          for (const group of groups.slice(0, -1)) expect(totalLength(group)).toBe(size);
          for (const view of groups.flat()) expect(chunks.some((c) => c.buffer === view.buffer)).toBe(true);
        },
      ),
    );
  });
});

describe('concatChunks', () => {
  it('returns a lone chunk itself and joins several', () => {
    const only = bytes(1);
    expect(concatChunks([only])).toBe(only);
    expect([...concatChunks([bytes(1), bytes(2, 3)])]).toEqual([1, 2, 3]);
    expect(totalLength([bytes(1), bytes(2, 3)])).toBe(3);
  });
});

describe('toDosDateTime', () => {
  it('encodes UTC with 2-second resolution', () => {
    expect(toDosDateTime(Date.UTC(2024, 2, 15, 13, 45, 31))).toEqual({ date: 0x586f, time: 0x6daf });
  });

  it('clamps instants ZIP cannot represent', () => {
    expect(toDosDateTime(0)).toEqual({ date: (0 << 9) | (1 << 5) | 1, time: 0 });
    expect(toDosDateTime(Date.UTC(2200, 0, 1))).toEqual({
      date: (127 << 9) | (12 << 5) | 31,
      time: (23 << 11) | (59 << 5) | 29,
    });
  });
});
