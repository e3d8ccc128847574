import type { ColumnBuffer } from './column-buffer.ts';
import { statisticBytes } from './plain.ts';
import { PhysicalType } from './schema.ts';

/** Column chunk Statistics (parquet.thrift fields min_value/max_value/null_count). */
export interface ColumnStatistics {
  readonly nullCount: number;
  /** PLAIN bytes of the smallest/largest value; absent when there are none or they are not kept. */
  readonly min?: Uint8Array;
  readonly max?: Uint8Array;
}

/**
 * Longer min/max strings are left out rather than stored whole: statistics are repeated in every row group's
 * footer entry, and a reader gains little from a multi-kilobyte bound.
 */
const MAX_STATISTIC_BYTES = 1024;

/**
 * Statistics of a whole column chunk. Nulls here are level entries without a value (null or empty at any
 * level), as parquet-mr counts them. NaN is left out of float bounds, as the Parquet spec asks. Strings and
 * binary are ordered as unsigned bytes, as Parquet specifies for BYTE_ARRAY.
 */
export function statisticsOf(column: ColumnBuffer): ColumnStatistics {
  const nullCount = column.levelCount - column.valueCount;
  const n = column.valueCount;
  if (n === 0) return { nullCount };
  const leaf = column.leaf;
  let min: number | bigint | Uint8Array | boolean | undefined;
  let max: number | bigint | Uint8Array | boolean | undefined;
  switch (leaf.physical) {
    case PhysicalType.BOOLEAN: {
      let anyTrue = false;
      let anyFalse = false;
      for (let i = 0; i < n; i++) {
        if (column.bools[i]) anyTrue = true;
        else anyFalse = true;
      }
      min = !anyFalse;
      max = anyTrue;
      break;
    }
    case PhysicalType.INT32:
      [min, max] = numericBounds(column.int32, n);
      break;
    case PhysicalType.FLOAT:
      [min, max] = numericBounds(column.float32, n);
      break;
    case PhysicalType.DOUBLE:
      [min, max] = numericBounds(column.float64, n);
      break;
    case PhysicalType.INT64: {
      // Compared as (signed high word, unsigned low word) to avoid a BigInt per value.
      const words = column.int64Words;
      let lo = 0;
      let hi = 0;
      for (let i = 1; i < n; i++) {
        if (compareInt64(words, i, lo) < 0) lo = i;
        else if (compareInt64(words, i, hi) > 0) hi = i;
      }
      [min, max] = [column.int64[lo]!, column.int64[hi]!];
      break;
    }
    case PhysicalType.BYTE_ARRAY: {
      const data = column.byteData;
      const ends = column.byteEnds;
      let lo = 0;
      let hi = 0;
      for (let i = 1; i < n; i++) {
        if (compareValues(data, ends, i, lo) < 0) lo = i;
        else if (compareValues(data, ends, i, hi) > 0) hi = i;
      }
      min = data.subarray(lo === 0 ? 0 : ends[lo - 1]!, ends[lo]!);
      max = data.subarray(hi === 0 ? 0 : ends[hi - 1]!, ends[hi]!);
      break;
    }
    default: {
      let lo = column.bigints[0]!;
      let hi = lo;
      for (let i = 1; i < n; i++) {
        const v = column.bigints[i]!;
        if (v < lo) lo = v;
        else if (v > hi) hi = v;
      }
      [min, max] = [lo, hi];
    }
  }
  if (min === undefined || max === undefined) return { nullCount };
  const minBytes = statisticBytes(leaf, min);
  const maxBytes = statisticBytes(leaf, max);
  if (minBytes.length > MAX_STATISTIC_BYTES || maxBytes.length > MAX_STATISTIC_BYTES) return { nullCount };
  return { nullCount, min: minBytes, max: maxBytes };
}

function numericBounds(values: Int32Array | Float32Array | Float64Array, n: number): [number?, number?] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let any = false;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    any = true;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!any) return [];
  // The spec asks for -0.0 as a zero minimum and +0.0 as a zero maximum.
  if (lo === 0) lo = -0;
  if (hi === 0) hi = 0;
  return [lo, hi];
}

/**
 * Unsigned byte-wise comparison of BYTE_ARRAY values a and b of a column's byte store, four bytes at a time:
 * values often share long prefixes (user agents, URLs).
 */
function compareValues(data: Uint8Array, ends: Uint32Array, a: number, b: number): number {
  let i = a === 0 ? 0 : ends[a - 1]!;
  let j = b === 0 ? 0 : ends[b - 1]!;
  const aEnd = ends[a]!;
  const bEnd = ends[b]!;
  const view = viewOf(data);
  while (i + 4 <= aEnd && j + 4 <= bEnd) {
    const x = view.getUint32(i, false);
    const y = view.getUint32(j, false);
    if (x !== y) return x < y ? -1 : 1;
    i += 4;
    j += 4;
  }
  for (; i < aEnd && j < bEnd; i++, j++) {
    const d = data[i]! - data[j]!;
    if (d !== 0) return d;
  }
  return aEnd - i - (bEnd - j);
}

let cachedData: Uint8Array | undefined;
let cachedView: DataView = new DataView(new ArrayBuffer(0));
function viewOf(data: Uint8Array): DataView {
  if (data !== cachedData) {
    cachedData = data;
    cachedView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  return cachedView;
}

function compareInt64(words: Int32Array, a: number, b: number): number {
  const d = words[a * 2 + 1]! - words[b * 2 + 1]!;
  return d !== 0 ? d : (words[a * 2]! >>> 0) - (words[b * 2]! >>> 0);
}
