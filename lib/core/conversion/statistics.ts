import type { ColumnData } from './column-data.ts';
import type { Dictionary } from './dictionary.ts';
import { Physical } from './schema.ts';

export interface ColumnStatistics {
  readonly nullCount: number;
  /** PLAIN encodings of the smallest and largest value in the column's sort order; absent when unknown. */
  readonly min?: Uint8Array;
  readonly max?: Uint8Array;
}

/** Longer BYTE_ARRAY bounds are left out rather than bloating the footer (readers then skip pruning). */
const MAX_STATISTICS_BYTES = 256;

/**
 * Min/max/null count of a column chunk, so engines can prune row groups. Orders follow the Parquet spec's
 * ColumnOrder TYPE_ORDER: signed for integers and decimals, IEEE for floats (NaN ignored, -0 as the minimum
 * and +0 as the maximum of zeros), unsigned bytewise for strings and binary. With a dictionary only its
 * distinct entries are visited (`select` holds the value each entry stands for). One small function per physical
 * type, so each is optimised once and stays so (see buildDictionary).
 */
export function columnStatistics(column: ColumnData, dictionary: Dictionary | undefined): ColumnStatistics {
  const nullCount = column.levelCount - column.valueCount;
  const count = dictionary ? dictionary.size : column.valueCount;
  if (count === 0) return { nullCount };
  const select = dictionary?.firstValue;
  switch (column.leaf.physical) {
    case Physical.BOOLEAN: {
      const [min, max] = int32Bounds(column.words, select, count);
      return { nullCount, min: Uint8Array.of(min), max: Uint8Array.of(max) };
    }
    case Physical.INT32: {
      const [min, max] = int32Bounds(column.words, select, count);
      return { nullCount, min: int32Bytes(min), max: int32Bytes(max) };
    }
    case Physical.INT64: {
      const [minAt, maxAt] = int64Bounds(column.words, select, count);
      return { nullCount, min: int64Bytes(column.words, minAt), max: int64Bytes(column.words, maxAt) };
    }
    case Physical.FLOAT:
    case Physical.DOUBLE: {
      const float = column.leaf.physical === Physical.FLOAT;
      const bounds = floatBounds(float ? column.floats32 : column.floats64, select, count);
      if (!bounds) return { nullCount };
      const [min, max] = bounds;
      return float
        ? {
            nullCount,
            min: new Uint8Array(Float32Array.of(min).buffer),
            max: new Uint8Array(Float32Array.of(max).buffer),
          }
        : {
            nullCount,
            min: new Uint8Array(Float64Array.of(min).buffer),
            max: new Uint8Array(Float64Array.of(max).buffer),
          };
    }
    case Physical.BYTE_ARRAY: {
      const [minAt, maxAt] = byteArrayBounds(column.bytes, column.ends, select, count);
      const ends = column.ends;
      const minStart = minAt === 0 ? 0 : ends[minAt - 1]!;
      const maxStart = maxAt === 0 ? 0 : ends[maxAt - 1]!;
      if (ends[minAt]! - minStart > MAX_STATISTICS_BYTES || ends[maxAt]! - maxStart > MAX_STATISTICS_BYTES)
        return { nullCount };
      return {
        nullCount,
        min: column.bytes.slice(minStart, ends[minAt]!),
        max: column.bytes.slice(maxStart, ends[maxAt]!),
      };
    }
    default: {
      // FIXED_LEN_BYTE_ARRAY decimals: big-endian two's complement, so the first byte compares signed.
      const width = column.valueWidth;
      const bytes = column.bytes;
      let minAt = 0;
      let maxAt = 0;
      for (let v = 1; v < count; v++) {
        if (compareSignedBigEndian(bytes, v * width, minAt * width, width) < 0) minAt = v;
        else if (compareSignedBigEndian(bytes, v * width, maxAt * width, width) > 0) maxAt = v;
      }
      return {
        nullCount,
        min: bytes.slice(minAt * width, minAt * width + width),
        max: bytes.slice(maxAt * width, maxAt * width + width),
      };
    }
  }
}

/** Smallest and largest of words[select[k]] (or words[k]) for k < count. */
function int32Bounds(words: Int32Array, select: Int32Array | undefined, count: number): [number, number] {
  let min = words[select ? select[0]! : 0]!;
  let max = min;
  for (let k = 1; k < count; k++) {
    const v = words[select ? select[k]! : k]!;
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  return [min, max];
}

/** Values holding the smallest and largest INT64. */
function int64Bounds(words: Int32Array, select: Int32Array | undefined, count: number): [number, number] {
  let minAt = select ? select[0]! : 0;
  let maxAt = minAt;
  for (let k = 1; k < count; k++) {
    const v = select ? select[k]! : k;
    if (compareInt64(words, v, minAt) < 0) minAt = v;
    else if (compareInt64(words, v, maxAt) > 0) maxAt = v;
  }
  return [minAt, maxAt];
}

/** Smallest and largest number, NaN left out; undefined when all are NaN. */
function floatBounds(
  floats: Float32Array | Float64Array,
  select: Int32Array | undefined,
  count: number,
): [number, number] | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let any = false;
  for (let k = 0; k < count; k++) {
    const v = floats[select ? select[k]! : k]!;
    if (Number.isNaN(v)) continue;
    any = true;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!any) return undefined;
  return [min === 0 ? -0 : min, max === 0 ? 0 : max];
}

/** Values holding the smallest and largest byte string (unsigned bytewise order). */
function byteArrayBounds(
  bytes: Uint8Array,
  ends: Int32Array,
  select: Int32Array | undefined,
  count: number,
): [number, number] {
  let minAt = select ? select[0]! : 0;
  let maxAt = minAt;
  let minStart = minAt === 0 ? 0 : ends[minAt - 1]!;
  let maxStart = minStart;
  for (let k = 1; k < count; k++) {
    const v = select ? select[k]! : k;
    const s = v === 0 ? 0 : ends[v - 1]!;
    const e = ends[v]!;
    if (compareBytes(bytes, s, e, minStart, ends[minAt]!) < 0) {
      minAt = v;
      minStart = s;
    } else if (compareBytes(bytes, s, e, maxStart, ends[maxAt]!) > 0) {
      maxAt = v;
      maxStart = s;
    }
  }
  return [minAt, maxAt];
}

function int32Bytes(v: number): Uint8Array {
  return new Uint8Array(Int32Array.of(v).buffer);
}

function int64Bytes(words: Int32Array, v: number): Uint8Array {
  return new Uint8Array(Int32Array.of(words[2 * v]!, words[2 * v + 1]!).buffer);
}

function compareInt64(words: Int32Array, a: number, b: number): number {
  const ha = words[2 * a + 1]!;
  const hb = words[2 * b + 1]!;
  if (ha !== hb) return ha < hb ? -1 : 1;
  const la = words[2 * a]! >>> 0;
  const lb = words[2 * b]! >>> 0;
  return la === lb ? 0 : la < lb ? -1 : 1;
}

function compareBytes(bytes: Uint8Array, as: number, ae: number, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = bytes[as + i]! - bytes[bs + i]!;
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

function compareSignedBigEndian(bytes: Uint8Array, a: number, b: number, width: number): number {
  const fa = (bytes[a]! << 24) >> 24;
  const fb = (bytes[b]! << 24) >> 24;
  if (fa !== fb) return fa - fb;
  for (let i = 1; i < width; i++) {
    const d = bytes[a + i]! - bytes[b + i]!;
    if (d !== 0) return d;
  }
  return 0;
}
