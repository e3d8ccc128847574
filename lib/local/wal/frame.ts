import { crc32 } from 'node:zlib';
import type { RecordRun } from '../../core/records.ts';

/**
 * On-disk frames of the write-ahead log. All integers are little-endian; a seq is stored as two u32
 * halves so it stays exact up to 2^53 without BigInt on the hot path.
 *
 * Run frame (segment files), one per appended run (the records of one put):
 *   0  u32 crc32 of bytes [4, end of frame)
 *   4  u32 data length
 *   8  u8  kind = 3
 *   9  u8  reserved, 0; 10 u16 reserved, 0
 *   12 u32 record count, at least 1
 *   16 u32 first seq low, 20 u32 first seq high
 *   24 f64 arrivalMs
 *   32 count × u32 end offset of each record in the data
 *   then the data bytes (the records back to back)
 *
 * Done frame (done-mark file):
 *   0  u32 crc32 of bytes [4, end of frame)
 *   4  u32 range count
 *   8  u8  kind = 2, 9..11 reserved
 *   12 count × (from low, from high, to low, to high) as u32
 *
 * The CRC covers the length field, so a torn or zero-filled header never passes as a frame.
 */
export const DONE_KIND = 2;
/** Kind 1 was a frame per record, before runs; such logs are refused rather than read. */
export const LEGACY_RECORD_KIND = 1;
export const RUN_KIND = 3;
export const RUN_FIXED_BYTES = 32;
export const DONE_FIXED_BYTES = 12;
export const DONE_RANGE_BYTES = 16;

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
 * The header of a run's frame (everything but the data), CRC included. The data is hashed in place and
 * written from its own buffer, so appending never copies the payload.
 */
export function encodeRunHeader(run: RecordRun): Buffer {
  const count = run.ends.length;
  const header = Buffer.allocUnsafe(RUN_FIXED_BYTES + 4 * count);
  header.writeUInt32LE(run.data.byteLength, 4);
  header.writeUInt32LE(RUN_KIND, 8);
  header.writeUInt32LE(count, 12);
  writeSeq(header, 16, run.firstSeq);
  header.writeDoubleLE(run.arrivalMs, 24);
  for (let i = 0; i < count; i++) header.writeUInt32LE(run.ends[i]!, RUN_FIXED_BYTES + 4 * i);
  header.writeUInt32LE(crc32(run.data, crc32(header.subarray(4))), 0);
  return header;
}

export interface DecodedRunFrame extends RecordRun {
  /** Offset just past this frame. */
  readonly end: number;
}

/**
 * Decodes the run frame at `offset`, or returns undefined when the bytes there are not a complete, intact
 * frame (torn, truncated or corrupt). The returned data is a view into `buf`, not a copy.
 */
export function decodeRunFrame(buf: Buffer, offset: number): DecodedRunFrame | undefined {
  if (buf.length - offset < RUN_FIXED_BYTES) return undefined;
  const dataBytes = buf.readUInt32LE(offset + 4);
  const count = buf.readUInt32LE(offset + 12);
  const dataStart = offset + RUN_FIXED_BYTES + 4 * count;
  const end = dataStart + dataBytes;
  if (buf.readUInt32LE(offset + 8) !== RUN_KIND || count === 0 || end > buf.length) return undefined;
  if (crc32(buf.subarray(offset + 4, end)) !== buf.readUInt32LE(offset)) return undefined;
  const ends = new Uint32Array(count);
  for (let i = 0; i < count; i++) ends[i] = buf.readUInt32LE(offset + RUN_FIXED_BYTES + 4 * i);
  if (ends[count - 1] !== dataBytes) return undefined;
  return {
    firstSeq: readSeq(buf, offset + 16),
    arrivalMs: buf.readDoubleLE(offset + 24),
    data: buf.subarray(dataStart, end),
    ends,
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
