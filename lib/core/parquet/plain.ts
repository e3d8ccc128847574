import type { ByteWriter } from './byte-writer.ts';
import { type LeafColumn, PhysicalType } from './schema.ts';

/** Where PLAIN-encodable values live: a ColumnBuffer, or a dictionary built from one. */
export interface ValueSource {
  readonly int32: Int32Array;
  readonly int64: BigInt64Array;
  readonly float32: Float32Array;
  readonly float64: Float64Array;
  readonly bools: Uint8Array;
  readonly byteData: Uint8Array;
  readonly byteEnds: Uint32Array;
  readonly bigints: readonly bigint[];
}

// Fixed-width values are copied straight out of the typed arrays, which are little-endian only on
// little-endian machines (every platform Node supports in practice, but a wrong file would be silent).
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('The Parquet writer needs a little-endian platform.');
}

/** PLAIN encoding (parquet-format Encodings.md) of values[from, to) of a leaf. */
export function encodePlain(
  leaf: LeafColumn,
  source: ValueSource,
  from: number,
  to: number,
  out: ByteWriter,
): void {
  switch (leaf.physical) {
    case PhysicalType.BOOLEAN: {
      const bytes = (to - from + 7) >> 3;
      out.ensure(bytes);
      const base = out.length;
      out.bytes.fill(0, base, base + bytes);
      for (let i = from; i < to; i++) {
        if (source.bools[i]) out.bytes[base + ((i - from) >> 3)]! |= 1 << ((i - from) & 7);
      }
      out.length += bytes;
      return;
    }
    case PhysicalType.INT32:
      copyTyped(source.int32, from, to, out);
      return;
    case PhysicalType.INT64:
      copyTyped(source.int64, from, to, out);
      return;
    case PhysicalType.FLOAT:
      copyTyped(source.float32, from, to, out);
      return;
    case PhysicalType.DOUBLE:
      copyTyped(source.float64, from, to, out);
      return;
    case PhysicalType.BYTE_ARRAY:
      encodeByteArrays(source.byteData, source.byteEnds, from, to, out);
      return;
    case PhysicalType.FIXED_LEN_BYTE_ARRAY:
      for (let i = from; i < to; i++)
        out.append(bigEndianTwosComplement(source.bigints[i]!, leaf.typeLength));
      return;
  }
}

function copyTyped(
  array: Int32Array | BigInt64Array | Float32Array | Float64Array,
  from: number,
  to: number,
  out: ByteWriter,
): void {
  const width = array.BYTES_PER_ELEMENT;
  out.append(new Uint8Array(array.buffer, array.byteOffset + from * width, (to - from) * width));
}

/** Length-prefixed bytes, copied from the column's byte store. */
function encodeByteArrays(
  data: Uint8Array,
  ends: Uint32Array,
  from: number,
  to: number,
  out: ByteWriter,
): void {
  const start = from === 0 ? 0 : ends[from - 1]!;
  const end = to === 0 ? 0 : ends[to - 1]!;
  out.ensure(4 * (to - from) + end - start);
  const bytes = out.bytes;
  let at = out.length;
  let previous = start;
  for (let i = from; i < to; i++) {
    const valueEnd = ends[i]!;
    const length = valueEnd - previous;
    bytes[at] = length & 0xff;
    bytes[at + 1] = (length >>> 8) & 0xff;
    bytes[at + 2] = (length >>> 16) & 0xff;
    bytes[at + 3] = length >>> 24;
    at += 4;
    if (length < 32) for (let k = previous; k < valueEnd; k++) bytes[at++] = data[k]!;
    else {
      bytes.set(data.subarray(previous, valueEnd), at);
      at += length;
    }
    previous = valueEnd;
  }
  out.length = at;
}

export function bigEndianTwosComplement(value: bigint, width: number): Uint8Array {
  const bytes = new Uint8Array(width);
  let v = BigInt.asUintN(width * 8, value);
  for (let i = width - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return bytes;
}

/** A single value's PLAIN bytes without a length prefix, as Statistics min/max hold them. */
export function statisticBytes(leaf: LeafColumn, value: number | bigint | Uint8Array | boolean): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  switch (leaf.physical) {
    case PhysicalType.BOOLEAN:
      return new Uint8Array([value ? 1 : 0]);
    case PhysicalType.INT32:
      view.setInt32(0, value as number, true);
      return bytes.slice(0, 4);
    case PhysicalType.INT64:
      view.setBigInt64(0, value as bigint, true);
      return bytes;
    case PhysicalType.FLOAT:
      view.setFloat32(0, value as number, true);
      return bytes.slice(0, 4);
    case PhysicalType.DOUBLE:
      view.setFloat64(0, value as number, true);
      return bytes;
    case PhysicalType.BYTE_ARRAY:
      return (value as Uint8Array).slice();
    default:
      return bigEndianTwosComplement(value as bigint, leaf.typeLength);
  }
}
