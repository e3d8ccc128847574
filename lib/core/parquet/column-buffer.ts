import { Buffer } from 'node:buffer';
import type { LeafColumn } from './schema.ts';
import { PhysicalType } from './schema.ts';

/**
 * The values and levels of one leaf column for the row group being filled. Values are kept densely (nulls only
 * as levels) in growable typed arrays, so a row group of millions of values costs a few allocations, not one
 * object per value. BYTE_ARRAY values are kept as UTF-8 bytes back to back: the byte-level reader copies them
 * straight from the record, and encoding is then a copy too.
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
  /** The same memory as `int64`, as (low, high) 32-bit words: safe integers are stored without a BigInt. */
  int64Words: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
  bools: Uint8Array;
  /** BYTE_ARRAY values' UTF-8 bytes back to back (binary columns hold the UTF-8 bytes of the JSON string). */
  byteData: Uint8Array;
  /** End offset in `byteData` of each BYTE_ARRAY value. */
  byteEnds: Uint32Array;
  byteLength = 0;
  private byteView: Buffer;
  /** FIXED_LEN_BYTE_ARRAY decimals as unscaled integers. */
  bigints: bigint[];

  constructor(readonly leaf: LeafColumn) {
    this.definitionLevels = new Uint8Array(1024);
    this.repetitionLevels = new Uint8Array(leaf.maxRepetitionLevel > 0 ? 1024 : 0);
    const size = (physical: PhysicalType) => (leaf.physical === physical ? 1024 : 0);
    this.int32 = new Int32Array(size(PhysicalType.INT32));
    this.int64 = new BigInt64Array(size(PhysicalType.INT64));
    this.int64Words = new Int32Array(this.int64.buffer);
    this.float32 = new Float32Array(size(PhysicalType.FLOAT));
    this.float64 = new Float64Array(size(PhysicalType.DOUBLE));
    this.bools = new Uint8Array(size(PhysicalType.BOOLEAN));
    this.byteData = new Uint8Array(size(PhysicalType.BYTE_ARRAY) * 16);
    this.byteEnds = new Uint32Array(size(PhysicalType.BYTE_ARRAY));
    this.byteView = Buffer.from(this.byteData.buffer);
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
    if (this.valueCount === this.int64.length) this.growInt64();
    this.int64[this.valueCount++] = value;
    this.bytes += 8;
  }

  /** An INT64 value given as a safe integer (timestamps, most bigints), stored without allocating a BigInt. */
  addInt64Number(value: number): void {
    if (this.valueCount === this.int64.length) this.growInt64();
    const high = Math.floor(value / 4294967296);
    const i = this.valueCount++ * 2;
    this.int64Words[i] = value - high * 4294967296;
    this.int64Words[i + 1] = high;
    this.bytes += 8;
  }

  private growInt64(): void {
    this.int64 = grow(this.int64);
    this.int64Words = new Int32Array(this.int64.buffer);
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
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.ensureBytes(value.length * 3);
    const written = value.length === 0 ? 0 : this.byteView.write(value, this.byteLength, 'utf8');
    this.byteLength += written;
    this.endByteValue(written);
  }

  /** A BYTE_ARRAY value copied from `source[start, end)` (already valid UTF-8). */
  addBytes(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.ensureBytes(length);
    const data = this.byteData;
    let at = this.byteLength;
    if (length < 32) for (let i = start; i < end; i++) data[at++] = source[i]!;
    else data.set(source.subarray(start, end), at);
    this.byteLength += length;
    this.endByteValue(length);
  }

  private ensureBytes(extra: number): void {
    if (this.byteLength + extra <= this.byteData.length) return;
    const bigger = new Uint8Array(Math.max(this.byteLength + extra, this.byteData.length * 2, 4096));
    bigger.set(this.byteData.subarray(0, this.byteLength));
    this.byteData = bigger;
    this.byteView = Buffer.from(bigger.buffer);
  }

  private endByteValue(length: number): void {
    if (this.valueCount === this.byteEnds.length) this.byteEnds = grow(this.byteEnds);
    this.byteEnds[this.valueCount++] = this.byteLength;
    this.bytes += 4 + length;
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
    this.byteLength = values > 0 && this.byteEnds.length > 0 ? this.byteEnds[values - 1]! : 0;
    if (this.bigints.length > values) this.bigints.length = values;
  }

  /** Empties the buffer for the next row group, keeping the typed arrays' capacity. */
  reset(): void {
    this.levelCount = 0;
    this.valueCount = 0;
    this.bytes = 0;
    this.byteLength = 0;
    this.bigints = [];
  }
}

type Growable = Uint8Array | Int32Array | Uint32Array | BigInt64Array | Float32Array | Float64Array;

function grow<T extends Growable>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(1024, array.length * 2));
  (bigger as Growable).set(array as never);
  return bigger;
}
