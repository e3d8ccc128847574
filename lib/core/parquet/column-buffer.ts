import type { LeafColumn } from './schema.ts';
import { PhysicalType } from './schema.ts';

/**
 * The values and levels of one leaf column for the row group being filled. Values are kept densely (nulls only
 * as levels) in growable typed arrays, so a row group of millions of values costs a few allocations, not one
 * object per value. Strings stay JS strings until the row group is encoded: JSON.parse already made them.
 */
export class ColumnBuffer {
  /** Level entries (one per value or null/empty marker). */
  levelCount = 0;
  /** Non-null values. */
  valueCount = 0;
  /** Approximate decoded bytes held, used to cap row groups. */
  bytes = 0;
  definitionLevels: Uint8Array;
  repetitionLevels: Uint8Array;
  int32: Int32Array;
  int64: BigInt64Array;
  float32: Float32Array;
  float64: Float64Array;
  bools: Uint8Array;
  /** BYTE_ARRAY values (strings, or binary given as strings: written as their UTF-8 bytes). */
  strings: string[];
  /** FIXED_LEN_BYTE_ARRAY decimals as unscaled integers. */
  bigints: bigint[];

  constructor(readonly leaf: LeafColumn) {
    this.definitionLevels = new Uint8Array(1024);
    this.repetitionLevels = new Uint8Array(leaf.maxRepetitionLevel > 0 ? 1024 : 0);
    const size = (physical: PhysicalType) => (leaf.physical === physical ? 1024 : 0);
    this.int32 = new Int32Array(size(PhysicalType.INT32));
    this.int64 = new BigInt64Array(size(PhysicalType.INT64));
    this.float32 = new Float32Array(size(PhysicalType.FLOAT));
    this.float64 = new Float64Array(size(PhysicalType.DOUBLE));
    this.bools = new Uint8Array(size(PhysicalType.BOOLEAN));
    this.strings = [];
    this.bigints = [];
  }

  /** Appends a level entry; a value, when there is one, is added with one of the `add…` methods. */
  level(definition: number, repetition: number): void {
    const n = this.levelCount;
    if (n === this.definitionLevels.length) this.definitionLevels = grow(this.definitionLevels);
    this.definitionLevels[n] = definition;
    if (this.leaf.maxRepetitionLevel > 0) {
      if (n === this.repetitionLevels.length) this.repetitionLevels = grow(this.repetitionLevels);
      this.repetitionLevels[n] = repetition;
    }
    this.levelCount = n + 1;
    this.bytes += 1;
  }

  addInt32(value: number): void {
    if (this.valueCount === this.int32.length) this.int32 = grow(this.int32);
    this.int32[this.valueCount++] = value;
    this.bytes += 4;
  }

  addInt64(value: bigint): void {
    if (this.valueCount === this.int64.length) this.int64 = grow(this.int64);
    this.int64[this.valueCount++] = value;
    this.bytes += 8;
  }

  addFloat(value: number): void {
    if (this.valueCount === this.float32.length) this.float32 = grow(this.float32);
    this.float32[this.valueCount++] = value;
    this.bytes += 4;
  }

  addDouble(value: number): void {
    if (this.valueCount === this.float64.length) this.float64 = grow(this.float64);
    this.float64[this.valueCount++] = value;
    this.bytes += 8;
  }

  addBoolean(value: boolean): void {
    if (this.valueCount === this.bools.length) this.bools = grow(this.bools);
    this.bools[this.valueCount++] = value ? 1 : 0;
    this.bytes += 1;
  }

  addString(value: string): void {
    this.strings[this.valueCount++] = value;
    this.bytes += value.length + 4;
  }

  addBigint(value: bigint): void {
    this.bigints[this.valueCount++] = value;
    this.bytes += this.leaf.typeLength;
  }

  /** A position to roll back to when a record fails after some of its values were appended. */
  mark(): number {
    return this.levelCount;
  }

  /** Drops everything appended since `mark` returned `levels`, given the value count at that time. */
  rollback(levels: number, values: number, bytes: number): void {
    this.levelCount = levels;
    this.valueCount = values;
    this.bytes = bytes;
    if (this.strings.length > values) this.strings.length = values;
    if (this.bigints.length > values) this.bigints.length = values;
  }

  /** Empties the buffer for the next row group, keeping the typed arrays' capacity. */
  reset(): void {
    this.levelCount = 0;
    this.valueCount = 0;
    this.bytes = 0;
    this.strings = [];
    this.bigints = [];
  }
}

type Growable = Uint8Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

function grow<T extends Growable>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(1024, array.length * 2));
  (bigger as Growable).set(array as never);
  return bigger;
}
