import { crc32 } from 'node:zlib';
import type { KinesisRecordMetadata, RecordRun } from '../../core/records.ts';

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
 * Run frame with Kinesis metadata (records read from a Kinesis data stream, spec §12), kind = 4: as kind 3
 * up to arrivalMs, then
 *   32 u32 metadata length M
 *   36 count × u32 end offset of each record in the data
 *   then M bytes of metadata, one entry per record:
 *        f64 approximateArrivalTimestamp, u32 subsequenceNumber,
 *        then shardId, partitionKey, sequenceNumber, each u16 byte length + UTF-8
 *   then the data bytes
 * Runs without metadata keep kind 3, so logs written before kind 4 existed read unchanged.
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
export const KINESIS_RUN_KIND = 4;
export const RUN_FIXED_BYTES = 32;
export const KINESIS_RUN_FIXED_BYTES = 36;
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
 * written from its own buffer, so appending never copies the payload. A run with Kinesis metadata gets a
 * kind 4 frame, whose header also holds the metadata.
 */
export function encodeRunHeader(run: RecordRun): Buffer {
  const count = run.ends.length;
  const metadata = run.kinesis === undefined ? undefined : encodeKinesisMetadata(run.kinesis);
  const fixed = metadata === undefined ? RUN_FIXED_BYTES : KINESIS_RUN_FIXED_BYTES;
  const header = Buffer.allocUnsafe(fixed + 4 * count + (metadata?.byteLength ?? 0));
  header.writeUInt32LE(run.data.byteLength, 4);
  header.writeUInt32LE(metadata === undefined ? RUN_KIND : KINESIS_RUN_KIND, 8);
  header.writeUInt32LE(count, 12);
  writeSeq(header, 16, run.firstSeq);
  header.writeDoubleLE(run.arrivalMs, 24);
  if (metadata !== undefined) header.writeUInt32LE(metadata.byteLength, 32);
  for (let i = 0; i < count; i++) header.writeUInt32LE(run.ends[i]!, fixed + 4 * i);
  metadata?.copy(header, fixed + 4 * count);
  header.writeUInt32LE(crc32(run.data, crc32(header.subarray(4))), 0);
  return header;
}

export interface DecodedRunFrame extends RecordRun {
  /** Offset just past this frame. */
  readonly end: number;
}

/**
 * Decodes the run frame (kind 3 or 4) at `offset`, or returns undefined when the bytes there are not a
 * complete, intact frame (torn, truncated or corrupt). The returned data is a view into `buf`, not a copy.
 */
export function decodeRunFrame(buf: Buffer, offset: number): DecodedRunFrame | undefined {
  if (buf.length - offset < RUN_FIXED_BYTES) return undefined;
  const kind = buf.readUInt32LE(offset + 8);
  if (kind !== RUN_KIND && kind !== KINESIS_RUN_KIND) return undefined;
  const fixed = kind === RUN_KIND ? RUN_FIXED_BYTES : KINESIS_RUN_FIXED_BYTES;
  if (buf.length - offset < fixed) return undefined;
  const dataBytes = buf.readUInt32LE(offset + 4);
  const count = buf.readUInt32LE(offset + 12);
  const metadataBytes = kind === RUN_KIND ? 0 : buf.readUInt32LE(offset + 32);
  const metadataStart = offset + fixed + 4 * count;
  const dataStart = metadataStart + metadataBytes;
  const end = dataStart + dataBytes;
  if (count === 0 || end > buf.length) return undefined;
  if (crc32(buf.subarray(offset + 4, end)) !== buf.readUInt32LE(offset)) return undefined;
  const ends = new Uint32Array(count);
  for (let i = 0; i < count; i++) ends[i] = buf.readUInt32LE(offset + fixed + 4 * i);
  if (ends[count - 1] !== dataBytes) return undefined;
  const frame = {
    firstSeq: readSeq(buf, offset + 16),
    arrivalMs: buf.readDoubleLE(offset + 24),
    data: buf.subarray(dataStart, end),
    ends,
    end,
  };
  if (kind === RUN_KIND) return frame;
  const kinesis = decodeKinesisMetadata(buf.subarray(metadataStart, dataStart), count);
  return kinesis === undefined ? undefined : { ...frame, kinesis };
}

const METADATA_FIXED_BYTES = 12;

function encodeKinesisMetadata(entries: readonly KinesisRecordMetadata[]): Buffer {
  const strings = entries.map((m) =>
    [m.shardId, m.partitionKey, m.sequenceNumber].map((s) => Buffer.from(s)),
  );
  let bytes = 0;
  for (const parts of strings) {
    bytes += METADATA_FIXED_BYTES;
    for (const part of parts) bytes += 2 + part.byteLength;
  }
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  entries.forEach((m, i) => {
    out.writeDoubleLE(m.approximateArrivalTimestamp, at);
    out.writeUInt32LE(m.subsequenceNumber, at + 8);
    at += METADATA_FIXED_BYTES;
    for (const part of strings[i]!) {
      // Kinesis bounds all three (shard ids and sequence numbers are short, partition keys ≤ 256 characters);
      // a longer string would be a bug upstream and must not silently wrap the length field.
      if (part.byteLength > 0xffff) throw new RangeError('Kinesis metadata string longer than 65535 bytes');
      out.writeUInt16LE(part.byteLength, at);
      part.copy(out, at + 2);
      at += 2 + part.byteLength;
    }
  });
  return out;
}

/** Undefined when the bytes do not hold exactly `count` entries (never throws on bad input). */
function decodeKinesisMetadata(buf: Buffer, count: number): KinesisRecordMetadata[] | undefined {
  const entries: KinesisRecordMetadata[] = [];
  let at = 0;
  const text = (): string | undefined => {
    if (at + 2 > buf.length) return undefined;
    const length = buf.readUInt16LE(at);
    if (at + 2 + length > buf.length) return undefined;
    const value = buf.toString('utf8', at + 2, at + 2 + length);
    at += 2 + length;
    return value;
  };
  for (let i = 0; i < count; i++) {
    if (at + METADATA_FIXED_BYTES > buf.length) return undefined;
    const approximateArrivalTimestamp = buf.readDoubleLE(at);
    const subsequenceNumber = buf.readUInt32LE(at + 8);
    at += METADATA_FIXED_BYTES;
    const shardId = text();
    const partitionKey = text();
    const sequenceNumber = text();
    if (shardId === undefined || partitionKey === undefined || sequenceNumber === undefined) return undefined;
    entries.push({ shardId, partitionKey, approximateArrivalTimestamp, sequenceNumber, subsequenceNumber });
  }
  return at === buf.length ? entries : undefined;
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
