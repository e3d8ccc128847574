import type { ColumnData } from './column-data.ts';
import { Physical } from './schema.ts';

/** A column chunk's dictionary: entry k is the value at `firstValue[k]`; `indices[v]` is value v's entry. */
export interface Dictionary {
  readonly size: number;
  readonly firstValue: Int32Array;
  readonly indices: Int32Array;
  /** Size of the dictionary page's PLAIN values. */
  readonly plainBytes: number;
}

/**
 * Builds the dictionary of a column chunk with an open-addressing hash over the values' raw words (numbers,
 * compared bit for bit) or bytes. Gives up (undefined) once the PLAIN dictionary would exceed `maxBytes`, as
 * parquet-mr falls back to PLAIN when its dictionary page outgrows the page size. Booleans and fixed-length
 * decimals are never dictionary-encoded.
 *
 * One builder per value layout rather than one loop branching on it: each stays monomorphic, so V8 optimises it
 * once, on the first row group, and a new column type later does not deoptimise the others (a recompile costs
 * tens of milliseconds on the core doing the conversion).
 */
export function buildDictionary(column: ColumnData, maxBytes: number): Dictionary | undefined {
  const n = column.valueCount;
  if (n === 0) return undefined;
  switch (column.leaf.physical) {
    case Physical.BYTE_ARRAY:
      return byteArrayDictionary(column.bytes, column.ends, column.hashes, n, maxBytes);
    case Physical.INT32:
      return wordDictionary(column.words, n, maxBytes);
    case Physical.FLOAT:
      return wordDictionary(new Int32Array(column.floats32.buffer, 0, n), n, maxBytes);
    case Physical.INT64:
      return wordPairDictionary(column.words, n, maxBytes);
    case Physical.DOUBLE:
      return wordPairDictionary(new Int32Array(column.floats64.buffer, 0, 2 * n), n, maxBytes);
    default:
      return undefined;
  }
}

/**
 * The open-addressing table shared by the builders: `slots` hold entry + 1 (0 is empty), `hashes` each entry's
 * hash for cheap mismatches and rehashing, `firstValue` the value each entry stands for. One table serves every
 * build (a build runs to completion without yielding): sized up front for the values a chunk may add before the
 * distinct-share probe, it is not rehashed and regrown from small on every column chunk of unique values.
 */
class EntryTable {
  slots = new Int32Array(1024);
  /** Slots in use: a power of two, at most `slots.length`. */
  mask = 1023;
  hashes = new Int32Array(512);
  firstValue = new Int32Array(512);
  size = 0;

  /** Empties the table for a chunk of `values` values. */
  reset(values: number): void {
    const expected = Math.min(values, PROBE_VALUES + 1);
    let capacity = 1024;
    while (capacity < 2 * expected) capacity *= 2;
    if (this.slots.length < capacity) this.slots = new Int32Array(capacity);
    else this.slots.fill(0, 0, capacity);
    this.mask = capacity - 1;
    if (this.firstValue.length < expected) {
      this.firstValue = new Int32Array(expected);
      this.hashes = new Int32Array(expected);
    }
    this.size = 0;
  }

  /** Adds value v with hash h as a new entry at the empty `slot` found by the caller's probe. */
  add(slot: number, h: number, v: number): number {
    const entry = this.size++;
    if (entry === this.firstValue.length) {
      this.firstValue = grow(this.firstValue);
      this.hashes = grow(this.hashes);
    }
    this.firstValue[entry] = v;
    this.hashes[entry] = h;
    this.slots[slot] = entry + 1;
    if (this.size * 2 > this.mask + 1) this.rehash();
    return entry;
  }

  private rehash(): void {
    const capacity = (this.mask + 1) * 2;
    const mask = capacity - 1;
    const slots = new Int32Array(capacity);
    for (let k = 0; k < this.size; k++) {
      let s = this.hashes[k]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = k + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /**
   * The dictionary, or undefined when the builder gave up. Every builder ends here whatever the outcome: a call
   * site first reached in a process's first large conversion (small ones give up on unique values before) would
   * deoptimise the builder and have it recompiled.
   */
  finish(indices: Int32Array, plainBytes: number, complete: boolean): Dictionary | undefined {
    if (!complete) return undefined;
    // A copy: the table serves the next build, which must not change a dictionary still held.
    return { size: this.size, firstValue: this.firstValue.slice(0, this.size), indices, plainBytes };
  }
}

/**
 * Mostly distinct values (ids, measurements) gain nothing from a dictionary; give up early rather than hashing the
 * whole chunk, as parquet-mr judges its dictionary after the first page.
 */
const PROBE_VALUES = 16_384;
const MAX_DISTINCT_SHARE = 0.5;
const TABLE = new EntryTable();

/** Strings and binary, by the hashes computed as they were stored (ColumnData.hashes). */
function byteArrayDictionary(
  bytes: Uint8Array,
  ends: Int32Array,
  hashes: Int32Array,
  n: number,
  maxBytes: number,
): Dictionary | undefined {
  const table = TABLE;
  table.reset(n);
  const indices = new Int32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let plainBytes = 0;
  let complete = true;
  let start = 0;
  for (let v = 0; v < n; v++) {
    const end = ends[v]!;
    const h = hashes[v]!;
    const slots = table.slots;
    const mask = table.mask;
    let slot = h & mask;
    let entry = -1;
    for (;;) {
      const s = slots[slot]!;
      if (s === 0) break;
      if (table.hashes[s - 1] === h) {
        const first = table.firstValue[s - 1]!;
        const fs = first === 0 ? 0 : ends[first - 1]!;
        if (ends[first]! - fs === end - start && sameBytes(bytes, view, fs, start, end - start)) {
          entry = s - 1;
          break;
        }
      }
      slot = (slot + 1) & mask;
    }
    if (entry < 0) {
      plainBytes += 4 + end - start;
      if (plainBytes > maxBytes) {
        complete = false;
        break;
      }
      entry = table.add(slot, h, v);
    }
    indices[v] = entry;
    if (v === PROBE_VALUES && table.size > PROBE_VALUES * MAX_DISTINCT_SHARE) {
      complete = false;
      break;
    }
    start = end;
  }
  return table.finish(indices, plainBytes, complete);
}

function sameBytes(bytes: Uint8Array, view: DataView, a: number, b: number, length: number): boolean {
  let i = 0;
  for (; i + 4 <= length; i += 4) if (view.getInt32(a + i, true) !== view.getInt32(b + i, true)) return false;
  for (; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/** INT32 values, and FLOATs by their bits. */
function wordDictionary(words: Int32Array, n: number, maxBytes: number): Dictionary | undefined {
  const table = TABLE;
  table.reset(n);
  const indices = new Int32Array(n);
  let plainBytes = 0;
  let complete = true;
  for (let v = 0; v < n; v++) {
    const word = words[v]!;
    let h = Math.imul(word, 0x9e3779b1);
    h ^= h >>> 15;
    const slots = table.slots;
    const mask = table.mask;
    let slot = h & mask;
    let entry = -1;
    for (;;) {
      const s = slots[slot]!;
      if (s === 0) break;
      if (table.hashes[s - 1] === h && words[table.firstValue[s - 1]!] === word) {
        entry = s - 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (entry < 0) {
      plainBytes += 4;
      if (plainBytes > maxBytes) {
        complete = false;
        break;
      }
      entry = table.add(slot, h, v);
    }
    indices[v] = entry;
    if (v === PROBE_VALUES && table.size > PROBE_VALUES * MAX_DISTINCT_SHARE) {
      complete = false;
      break;
    }
  }
  return table.finish(indices, plainBytes, complete);
}

/** INT64 values as (low, high) word pairs, and DOUBLEs by their bits. */
function wordPairDictionary(words: Int32Array, n: number, maxBytes: number): Dictionary | undefined {
  const table = TABLE;
  table.reset(n);
  const indices = new Int32Array(n);
  let plainBytes = 0;
  let complete = true;
  for (let v = 0; v < n; v++) {
    const low = words[2 * v]!;
    const high = words[2 * v + 1]!;
    let h = Math.imul(low, 0x9e3779b1) ^ Math.imul(high ^ 0x5bd1e995, 0x85ebca77);
    h ^= h >>> 15;
    const slots = table.slots;
    const mask = table.mask;
    let slot = h & mask;
    let entry = -1;
    for (;;) {
      const s = slots[slot]!;
      if (s === 0) break;
      if (table.hashes[s - 1] === h) {
        const first = table.firstValue[s - 1]!;
        if (words[2 * first] === low && words[2 * first + 1] === high) {
          entry = s - 1;
          break;
        }
      }
      slot = (slot + 1) & mask;
    }
    if (entry < 0) {
      plainBytes += 8;
      if (plainBytes > maxBytes) {
        complete = false;
        break;
      }
      entry = table.add(slot, h, v);
    }
    indices[v] = entry;
    if (v === PROBE_VALUES && table.size > PROBE_VALUES * MAX_DISTINCT_SHARE) {
      complete = false;
      break;
    }
  }
  return table.finish(indices, plainBytes, complete);
}

function grow(array: Int32Array): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
