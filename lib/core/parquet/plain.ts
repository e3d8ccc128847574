import { Buffer } from 'node:buffer';
import type { ByteWriter } from './byte-writer.ts';
import { type LeafColumn, PhysicalType } from './schema.ts';

/** Where PLAIN-encodable values live: a ColumnBuffer, or a dictionary built from one. */
export interface ValueSource {
  readonly int32: Int32Array;
  readonly int64: BigInt64Array;
  readonly float32: Float32Array;
  readonly float64: Float64Array;
  readonly bools: Uint8Array;
  readonly strings: readonly string[];
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
      encodeStrings(source.strings, from, to, out);
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

/** Length-prefixed UTF-8. Buffer#write encodes straight into the page buffer, with no per-string allocation. */
function encodeStrings(strings: readonly string[], from: number, to: number, out: ByteWriter): void {
  let target = Buffer.from(out.bytes.buffer, out.bytes.byteOffset, out.bytes.byteLength);
  for (let i = from; i < to; i++) {
    const text = strings[i]!;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    out.ensure(4 + text.length * 3);
    if (target.buffer !== out.bytes.buffer) {
      target = Buffer.from(out.bytes.buffer, out.bytes.byteOffset, out.bytes.byteLength);
    }
    const at = out.length;
    const written = text.length === 0 ? 0 : target.write(text, at + 4, 'utf8');
    target.writeUInt32LE(written, at);
    out.length = at + 4 + written;
  }
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
export function statisticBytes(leaf: LeafColumn, value: number | bigint | string | boolean): Uint8Array {
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
      return Buffer.from(value as string, 'utf8');
    default:
      return bigEndianTwosComplement(value as bigint, leaf.typeLength);
  }
}
