import { type LeafColumn, Physical } from './schema.ts';

/**
 * The levels and values of one leaf column for the row group being filled. Values live densely (a null is only a
 * definition level) in growable typed arrays, so a row group costs a handful of allocations whatever its row
 * count, and the arrays are reused by the next row group once encoded.
 *
 * Storage by physical type: BOOLEAN, INT32 (and DATE, small decimals) in `words`, one per value; INT64 (bigint,
 * timestamp, decimals up to 18 digits) in `words` as little-endian (low, high) pairs, which is also their PLAIN
 * byte layout; FLOAT/DOUBLE in `floats32`/`floats64`; BYTE_ARRAY values back to back in `bytes` with their end
 * offsets in `ends` and their dictionary hashes (byteArrayHash) in `hashes`; FIXED_LEN_BYTE_ARRAY back to back in
 * `bytes` at the fixed width.
 */
export class ColumnData {
  levelCount = 0;
  valueCount = 0;
  byteLength = 0;
  definitionLevels: Uint8Array;
  repetitionLevels: Uint8Array;
  words: Int32Array;
  floats32: Float32Array;
  floats64: Float64Array;
  bytes: Uint8Array;
  /** Over `bytes`, for word-at-a-time copies and hashing. */
  view: DataView;
  ends: Int32Array;
  hashes: Int32Array;
  /** Bytes a value takes in `words`/`floats*`/`bytes` (0 for BYTE_ARRAY, whose size varies). */
  readonly valueWidth: number;
  private markedLevels = 0;
  private markedValues = 0;
  private markedBytes = 0;

  constructor(readonly leaf: LeafColumn) {
    const p = leaf.physical;
    this.definitionLevels = new Uint8Array(256);
    this.repetitionLevels = new Uint8Array(leaf.maxRepetitionLevel > 0 ? 256 : 0);
    this.words = new Int32Array(
      p === Physical.INT32 || p === Physical.BOOLEAN ? 256 : p === Physical.INT64 ? 512 : 0,
    );
    this.floats32 = new Float32Array(p === Physical.FLOAT ? 256 : 0);
    this.floats64 = new Float64Array(p === Physical.DOUBLE ? 256 : 0);
    this.bytes = new Uint8Array(p === Physical.BYTE_ARRAY || p === Physical.FIXED_LEN_BYTE_ARRAY ? 4096 : 0);
    this.view = new DataView(this.bytes.buffer);
    this.ends = new Int32Array(p === Physical.BYTE_ARRAY ? 256 : 0);
    this.hashes = new Int32Array(p === Physical.BYTE_ARRAY ? 256 : 0);
    this.valueWidth =
      p === Physical.INT64 || p === Physical.DOUBLE
        ? 8
        : p === Physical.FIXED_LEN_BYTE_ARRAY
          ? leaf.typeLength
          : p === Physical.BYTE_ARRAY
            ? 0
            : 4;
  }

  /** Decoded bytes held: what the row-group cap counts. */
  heldBytes(): number {
    return (
      this.levelCount * (this.repetitionLevels.length > 0 ? 2 : 1) +
      this.valueCount * (this.valueWidth || 4) +
      this.byteLength
    );
  }

  /** Appends a level entry that carries no value (a null, or an empty list/map). */
  nullAt(definition: number, repetition: number): void {
    const n = this.levelCount;
    if (n === this.definitionLevels.length) this.growLevels();
    this.definitionLevels[n] = definition;
    if (this.leaf.maxRepetitionLevel > 0) this.repetitionLevels[n] = repetition;
    this.levelCount = n + 1;
  }

  /** Appends the level entry of a present value; the value itself follows with one of the `push…` methods. */
  valueAt(repetition: number): void {
    const n = this.levelCount;
    if (n === this.definitionLevels.length) this.growLevels();
    this.definitionLevels[n] = this.leaf.maxDefinitionLevel;
    if (this.leaf.maxRepetitionLevel > 0) this.repetitionLevels[n] = repetition;
    this.levelCount = n + 1;
  }

  pushWord(value: number): void {
    const n = this.valueCount;
    if (n === this.words.length) this.words = growInt32(this.words);
    this.words[n] = value;
    this.valueCount = n + 1;
  }

  /** An INT64 as its two's-complement 32-bit halves. */
  pushWords(low: number, high: number): void {
    const at = this.valueCount * 2;
    if (at + 2 > this.words.length) this.words = growInt32(this.words);
    this.words[at] = low;
    this.words[at + 1] = high;
    this.valueCount++;
  }

  /** An INT64 from a safe integer, without a BigInt. */
  pushInt64(value: number): void {
    const high = Math.floor(value / 4294967296);
    this.pushWords(value - high * 4294967296, high);
  }

  pushFloat32(value: number): void {
    const n = this.valueCount;
    if (n === this.floats32.length) {
      const bigger = new Float32Array(n * 2);
      bigger.set(this.floats32);
      this.floats32 = bigger;
    }
    this.floats32[n] = value;
    this.valueCount = n + 1;
  }

  pushFloat64(value: number): void {
    const n = this.valueCount;
    if (n === this.floats64.length) {
      const bigger = new Float64Array(n * 2);
      bigger.set(this.floats64);
      this.floats64 = bigger;
    }
    this.floats64[n] = value;
    this.valueCount = n + 1;
  }

  /** Room for `extra` more bytes in `bytes`; returns the offset to write at. */
  reserveBytes(extra: number): number {
    const needed = this.byteLength + extra;
    if (needed > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      bigger.set(this.bytes.subarray(0, this.byteLength));
      this.bytes = bigger;
      this.view = new DataView(bigger.buffer);
    }
    return this.byteLength;
  }

  /** Closes a BYTE_ARRAY value whose bytes were written at [byteLength, end), with its byteArrayHash. */
  endBytes(end: number, hash: number): void {
    const n = this.valueCount;
    if (n === this.ends.length) {
      this.ends = growInt32(this.ends);
      this.hashes = growInt32(this.hashes);
    }
    this.ends[n] = end;
    this.hashes[n] = hash;
    this.byteLength = end;
    this.valueCount = n + 1;
  }

  pushBytes(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    const at = this.reserveBytes(length);
    const bytes = this.bytes;
    // A subarray per value costs more than copying a short string byte by byte.
    if (length < 48) for (let i = 0; i < length; i++) bytes[at + i] = source[start + i]!;
    else bytes.set(source.subarray(start, end), at);
    this.endBytes(at + length, byteArrayHash(bytes, this.view, at, at + length));
  }

  /** Cuts the last BYTE_ARRAY value to end at `end` (char/varchar truncation). */
  truncateLast(end: number): void {
    const n = this.valueCount - 1;
    const start = n === 0 ? 0 : this.ends[n - 1]!;
    this.ends[n] = end;
    this.hashes[n] = byteArrayHash(this.bytes, this.view, start, end);
    this.byteLength = end;
  }

  /** A FIXED_LEN_BYTE_ARRAY value. */
  pushFixed(value: Uint8Array): void {
    const at = this.reserveBytes(value.length);
    this.bytes.set(value, at);
    this.byteLength = at + value.length;
    this.valueCount++;
  }

  /** Remembers the current end, so a record that fails half-way can be taken back out. */
  mark(): void {
    this.markedLevels = this.levelCount;
    this.markedValues = this.valueCount;
    this.markedBytes = this.byteLength;
  }

  rollback(): void {
    this.levelCount = this.markedLevels;
    this.valueCount = this.markedValues;
    this.byteLength = this.markedBytes;
  }

  /** Empties the column for the next row group, keeping the arrays (they have the right size by now). */
  reset(): void {
    this.levelCount = 0;
    this.valueCount = 0;
    this.byteLength = 0;
    this.markedLevels = 0;
    this.markedValues = 0;
    this.markedBytes = 0;
  }

  private growLevels(): void {
    const n = this.definitionLevels.length * 2;
    const def = new Uint8Array(n);
    def.set(this.definitionLevels);
    this.definitionLevels = def;
    if (this.leaf.maxRepetitionLevel > 0) {
      const rep = new Uint8Array(n);
      rep.set(this.repetitionLevels);
      this.repetitionLevels = rep;
    }
  }
}

function growInt32(array: Int32Array): Int32Array {
  const bigger = new Int32Array(Math.max(array.length * 2, 16));
  bigger.set(array);
  return bigger;
}

/**
 * The hash the dictionary keys a BYTE_ARRAY value by: a multiply per little-endian 4-byte word from the value's
 * start, a multiply per remaining byte, then the length mixed in. Computed as a value is stored (the JSON scanner
 * computes it while copying a string a word at a time, see JsonShredder.copyString), so building the dictionary
 * does not read the bytes a second time.
 */
export function byteArrayHash(bytes: Uint8Array, view: DataView, start: number, end: number): number {
  let h = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) h = hashWord(h, view.getInt32(i, true));
  for (; i < end; i++) h = hashByte(h, bytes[i]!);
  return finishHash(h, end - start);
}

export function hashWord(h: number, word: number): number {
  const x = Math.imul(h ^ word, 0x9e3779b1);
  return x ^ (x >>> 13);
}

export function hashByte(h: number, byte: number): number {
  return Math.imul(h ^ byte, 0x01000193);
}

export function finishHash(h: number, length: number): number {
  const x = Math.imul(h ^ length, 0x85ebca6b);
  return x ^ (x >>> 15);
}
