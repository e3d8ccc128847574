import { Buffer } from 'node:buffer';
import type { ColumnBuffer } from './column-buffer.ts';
import type { ValueSource } from './plain.ts';
import { PhysicalType } from './schema.ts';

/** A column chunk's dictionary: distinct values (PLAIN-encodable) and each value's index into them. */
export interface Dictionary {
  readonly values: ValueSource;
  readonly size: number;
  readonly indices: Int32Array;
}

/**
 * Builds the dictionary of a column chunk (EnableDictionaryCompression), or undefined when it would not pay:
 * booleans, more distinct values than three quarters of the values, or a dictionary page larger than a data
 * page. parquet-mr falls back to PLAIN at the same kind of limit; doing so per chunk keeps every page of a
 * chunk in one encoding.
 */
export function buildDictionary(column: ColumnBuffer, maxDictionaryBytes: number): Dictionary | undefined {
  const n = column.valueCount;
  const physical = column.leaf.physical;
  if (n === 0 || physical === PhysicalType.BOOLEAN) return undefined;
  const maxDistinct = Math.floor(n * 0.75) + 1;
  const indices = new Int32Array(n);
  const seen = new Map<unknown, number>();
  const distinct: unknown[] = [];
  let bytes = 0;
  const width =
    physical === PhysicalType.INT32 || physical === PhysicalType.FLOAT
      ? 4
      : physical === PhysicalType.FIXED_LEN_BYTE_ARRAY
        ? column.leaf.typeLength
        : 8;
  const source: ArrayLike<unknown> =
    physical === PhysicalType.INT32
      ? column.int32
      : physical === PhysicalType.INT64
        ? column.int64
        : physical === PhysicalType.FLOAT
          ? column.float32
          : physical === PhysicalType.DOUBLE
            ? column.float64
            : physical === PhysicalType.BYTE_ARRAY
              ? byteArrayKeys(column)
              : column.bigints;
  const strings = physical === PhysicalType.BYTE_ARRAY;
  for (let i = 0; i < n; i++) {
    const value = source[i];
    let index = seen.get(value);
    if (index === undefined) {
      index = distinct.length;
      // Object.is keeps -0 apart from 0, which a Map (SameValueZero) would merge.
      if (value === 0 && Object.is(value, -0)) return undefined;
      seen.set(value, index);
      distinct.push(value);
      bytes += strings ? 4 + (value as string).length : width;
      if (distinct.length > maxDistinct || bytes > maxDictionaryBytes) return undefined;
    }
    indices[i] = index;
  }
  const size = distinct.length;
  const values: ValueSource = {
    int32: physical === PhysicalType.INT32 ? Int32Array.from(distinct as number[]) : new Int32Array(0),
    int64: physical === PhysicalType.INT64 ? BigInt64Array.from(distinct as bigint[]) : new BigInt64Array(0),
    float32: physical === PhysicalType.FLOAT ? Float32Array.from(distinct as number[]) : new Float32Array(0),
    float64: physical === PhysicalType.DOUBLE ? Float64Array.from(distinct as number[]) : new Float64Array(0),
    bools: new Uint8Array(0),
    ...byteStore(strings ? (distinct as string[]) : []),
    bigints: physical === PhysicalType.FIXED_LEN_BYTE_ARRAY ? (distinct as bigint[]) : [],
  };
  return { values, size, indices };
}

/** BYTE_ARRAY values as latin1 strings: one JS char per byte, so equal strings mean equal bytes. */
function byteArrayKeys(column: ColumnBuffer): string[] {
  const view = Buffer.from(column.byteData.buffer, column.byteData.byteOffset, column.byteData.byteLength);
  const keys: string[] = new Array(column.valueCount);
  let start = 0;
  for (let i = 0; i < column.valueCount; i++) {
    const end = column.byteEnds[i]!;
    keys[i] = view.toString('latin1', start, end);
    start = end;
  }
  return keys;
}

function byteStore(keys: readonly string[]): { byteData: Uint8Array; byteEnds: Uint32Array } {
  const byteEnds = new Uint32Array(keys.length);
  let total = 0;
  keys.forEach((key, i) => {
    total += key.length;
    byteEnds[i] = total;
  });
  const byteData = Buffer.alloc(total);
  let at = 0;
  for (const key of keys) at += byteData.write(key, at, 'latin1');
  return { byteData, byteEnds };
}
