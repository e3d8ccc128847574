import { crc32 } from 'node:zlib';

/**
 * On-disk frames of the write-ahead log. All integers are little-endian; a seq is stored as two u32
 * halves so it stays exact up to 2^53 without BigInt on the hot path.
 *
 * Record frame (segment files):
 *   0  u32 crc32 of bytes [4, end of frame)
 *   4  u32 data length
 *   8  u8  kind = 1
 *   9  u8  recordId length (bytes)
 *   10 u16 reserved, 0
 *   12 u32 seq low, 16 u32 seq high
 *   20 f64 arrivalMs
 *   28 recordId (UTF-8), then the data bytes
 *
 * Done frame (done-mark file):
 *   0  u32 crc32 of bytes [4, end of frame)
 *   4  u32 range count
 *   8  u8  kind = 2, 9..11 reserved
 *   12 count × (from low, from high, to low, to high) as u32
 *
 * The CRC covers the length field, so a torn or zero-filled header never passes as a frame.
 */
export const RECORD_KIND = 1;
export const DONE_KIND = 2;
export const RECORD_FIXED_BYTES = 28;
export const DONE_FIXED_BYTES = 12;
export const DONE_RANGE_BYTES = 16;
/** Record IDs are stored with a one-byte length; Firehose's own IDs are far shorter. */
export const MAX_RECORD_ID_BYTES = 255;

const TWO_32 = 0x1_0000_0000;

export function writeSeq(buf: Buffer, offset: number, seq: number): void {
  buf.writeUInt32LE(seq % TWO_32, offset);
  buf.writeUInt32LE(Math.floor(seq / TWO_32), offset + 4);
}

export function readSeq(buf: Uint8Array, offset: number): number {
  const view = buf as Buffer;
  return view.readUInt32LE(offset) + view.readUInt32LE(offset + 4) * TWO_32;
}

/**
 * Writes a record header (everything but the data) at `offset` of `target` and returns the CRC of the
 * whole frame. The data is hashed in place so the payload is never copied just to be checksummed.
 */
export function writeRecordHeader(
  target: Buffer,
  offset: number,
  seq: number,
  arrivalMs: number,
  recordIdBytes: number,
  recordId: string,
  data: Uint8Array,
): number {
  target.writeUInt32LE(data.byteLength, offset + 4);
  target[offset + 8] = RECORD_KIND;
  target[offset + 9] = recordIdBytes;
  target.writeUInt16LE(0, offset + 10);
  writeSeq(target, offset + 12, seq);
  target.writeDoubleLE(arrivalMs, offset + 20);
  target.write(recordId, offset + RECORD_FIXED_BYTES, recordIdBytes, 'utf8');
  const headerEnd = offset + RECORD_FIXED_BYTES + recordIdBytes;
  const crc = crc32(data, crc32(target.subarray(offset + 4, headerEnd)));
  target.writeUInt32LE(crc, offset);
  return crc;
}

export interface DecodedRecordFrame {
  readonly seq: number;
  readonly recordId: string;
  readonly arrivalMs: number;
  readonly data: Uint8Array;
  /** Offset just past this frame. */
  readonly end: number;
}

/**
 * Decodes the record frame at `offset`, or returns undefined when the bytes there are not a complete,
 * intact frame (torn, truncated or corrupt). The returned data is a view into `buf`, not a copy.
 */
export function decodeRecordFrame(buf: Buffer, offset: number): DecodedRecordFrame | undefined {
  if (buf.length - offset < RECORD_FIXED_BYTES) return undefined;
  const dataBytes = buf.readUInt32LE(offset + 4);
  const idBytes = buf[offset + 9]!;
  const end = offset + RECORD_FIXED_BYTES + idBytes + dataBytes;
  if (buf[offset + 8] !== RECORD_KIND || end > buf.length) return undefined;
  if (crc32(buf.subarray(offset + 4, end)) !== buf.readUInt32LE(offset)) return undefined;
  const idStart = offset + RECORD_FIXED_BYTES;
  return {
    seq: readSeq(buf, offset + 12),
    arrivalMs: buf.readDoubleLE(offset + 20),
    recordId: buf.toString('utf8', idStart, idStart + idBytes),
    data: buf.subarray(idStart + idBytes, end),
    end,
  };
}

export type SeqRange = readonly [from: number, to: number];

export function encodeDoneFrame(ranges: readonly SeqRange[]): Buffer {
  const frame = Buffer.allocUnsafe(DONE_FIXED_BYTES + ranges.length * DONE_RANGE_BYTES);
  frame.writeUInt32LE(ranges.length, 4);
  frame.writeUInt32LE(DONE_KIND, 8);
  let at = DONE_FIXED_BYTES;
  for (const [from, to] of ranges) {
    writeSeq(frame, at, from);
    writeSeq(frame, at + 8, to);
    at += DONE_RANGE_BYTES;
  }
  frame.writeUInt32LE(crc32(frame.subarray(4)), 0);
  return frame;
}

export interface DecodedDoneFrame {
  readonly ranges: SeqRange[];
  readonly end: number;
}

export function decodeDoneFrame(buf: Buffer, offset: number): DecodedDoneFrame | undefined {
  if (buf.length - offset < DONE_FIXED_BYTES) return undefined;
  const count = buf.readUInt32LE(offset + 4);
  const end = offset + DONE_FIXED_BYTES + count * DONE_RANGE_BYTES;
  if (buf.readUInt32LE(offset + 8) !== DONE_KIND || end > buf.length) return undefined;
  if (crc32(buf.subarray(offset + 4, end)) !== buf.readUInt32LE(offset)) return undefined;
  const ranges: SeqRange[] = [];
  for (let at = offset + DONE_FIXED_BYTES; at < end; at += DONE_RANGE_BYTES) {
    ranges.push([readSeq(buf, at), readSeq(buf, at + 8)]);
  }
  return { ranges, end };
}
