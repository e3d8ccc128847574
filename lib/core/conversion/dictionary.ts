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
 */
export function buildDictionary(column: ColumnData, maxBytes: number): Dictionary | undefined {
  const physical = column.leaf.physical;
  const n = column.valueCount;
  if (n === 0 || physical === Physical.BOOLEAN || physical === Physical.FIXED_LEN_BYTE_ARRAY)
    return undefined;
  const indices = new Int32Array(n);
  let capacity = 1024;
  let slots: Int32Array = new Int32Array(capacity);
  let hashes: Int32Array = new Int32Array(512);
  let firstValue: Int32Array = new Int32Array(512);
  let size = 0;
  let plainBytes = 0;

  const words =
    physical === Physical.FLOAT
      ? new Int32Array(column.floats32.buffer, 0, n)
      : physical === Physical.DOUBLE
        ? new Int32Array(column.floats64.buffer, 0, 2 * n)
        : column.words;
  const wide = physical === Physical.INT64 || physical === Physical.DOUBLE;
  const byteArray = physical === Physical.BYTE_ARRAY;
  const bytes = column.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ends = column.ends;

  for (let v = 0; v < n; v++) {
    let h: number;
    let start = 0;
    let end = 0;
    if (byteArray) {
      start = v === 0 ? 0 : ends[v - 1]!;
      end = ends[v]!;
      h = end - start;
      let i = start;
      // Four bytes per multiply: the bytes are already in cache, the multiplies are the cost.
      for (; i + 4 <= end; i += 4) {
        h = Math.imul(h ^ view.getInt32(i, true), 0x9e3779b1);
        h ^= h >>> 13;
      }
      for (; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    } else if (wide) {
      h = Math.imul(words[2 * v]!, 0x9e3779b1) ^ Math.imul(words[2 * v + 1]! ^ 0x5bd1e995, 0x85ebca77);
    } else h = Math.imul(words[v]!, 0x9e3779b1);
    h ^= h >>> 15;
    const mask = capacity - 1;
    let slot = h & mask;
    let entry = -1;
    for (;;) {
      const s = slots[slot]!;
      if (s === 0) break;
      if (hashes[s - 1] === h) {
        const first = firstValue[s - 1]!;
        let same: boolean;
        if (byteArray) {
          const fs = first === 0 ? 0 : ends[first - 1]!;
          const fe = ends[first]!;
          const length = end - start;
          same = fe - fs === length;
          let i = 0;
          for (; same && i + 4 <= length; i += 4) same = view.getInt32(fs + i) === view.getInt32(start + i);
          for (; same && i < length; i++) same = bytes[fs + i] === bytes[start + i];
        } else if (wide)
          same = words[2 * first] === words[2 * v] && words[2 * first + 1] === words[2 * v + 1];
        else same = words[first] === words[v];
        if (same) {
          entry = s - 1;
          break;
        }
      }
      slot = (slot + 1) & mask;
    }
    if (entry < 0) {
      entry = size++;
      plainBytes += byteArray ? 4 + end - start : column.valueWidth;
      if (plainBytes > maxBytes) return undefined;
      if (size > firstValue.length) {
        firstValue = grow(firstValue);
        hashes = grow(hashes);
      }
      firstValue[entry] = v;
      hashes[entry] = h;
      slots[slot] = size;
      if (size * 2 > capacity) {
        capacity *= 2;
        slots = new Int32Array(capacity);
        for (let k = 0; k < size; k++) {
          let s = hashes[k]! & (capacity - 1);
          while (slots[s] !== 0) s = (s + 1) & (capacity - 1);
          slots[s] = k + 1;
        }
      }
    }
    indices[v] = entry;
    // Mostly distinct values (ids, measurements) gain nothing from a dictionary; give up early rather than
    // hashing the whole chunk, as parquet-mr judges its dictionary after the first page.
    if (v === PROBE_VALUES && size > PROBE_VALUES * MAX_DISTINCT_SHARE) return undefined;
  }
  return { size, firstValue: firstValue.subarray(0, size), indices, plainBytes };
}

const PROBE_VALUES = 16_384;
const MAX_DISTINCT_SHARE = 0.5;

function grow(array: Int32Array): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
