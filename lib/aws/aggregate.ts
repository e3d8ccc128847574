import type { PendingRun } from '../core/records.ts';

/**
 * Sluice's aggregation frame: many producer records of one put, packed into one Kinesis record (DESIGN.md
 * AWS invariant 2) and, back to back, into one staged chunk. Big-endian:
 *
 *   'SLC1' | arrivalMs: float64 | count: uint32 | ends: uint32 × count | data
 *
 * `ends` is the records' end offsets in `data`, the same layout as RecordBytes, so decoding is two views and
 * no per-record copy.
 */
export const FRAME_MAGIC = new Uint8Array([0x53, 0x4c, 0x43, 0x31]);
const HEADER_BYTES = 16;

/** Kinesis accepts 1 MiB of data plus partition key per record; keys are at most 256 bytes. */
export const MAX_KINESIS_RECORD_BYTES = 1_048_576 - 256;

export function frameBytes(recordCount: number, dataBytes: number): number {
  return HEADER_BYTES + 4 * recordCount + dataBytes;
}

export function encodeFrame(run: PendingRun): Uint8Array {
  const count = run.ends.length;
  const out = new Uint8Array(frameBytes(count, run.data.byteLength));
  const view = new DataView(out.buffer);
  out.set(FRAME_MAGIC, 0);
  view.setFloat64(4, run.arrivalMs);
  view.setUint32(12, count);
  for (let i = 0; i < count; i++) view.setUint32(HEADER_BYTES + 4 * i, run.ends[i]!);
  out.set(run.data, frameBytes(count, 0));
  return out;
}

export class FrameError extends Error {
  override name = 'FrameError';
}

function hasMagic(bytes: Uint8Array, at: number): boolean {
  return (
    bytes.byteLength - at >= HEADER_BYTES &&
    bytes[at] === FRAME_MAGIC[0] &&
    bytes[at + 1] === FRAME_MAGIC[1] &&
    bytes[at + 2] === FRAME_MAGIC[2] &&
    bytes[at + 3] === FRAME_MAGIC[3]
  );
}

/** Every frame in `bytes` (a staged chunk is frames back to back). Throws on a truncated or foreign body. */
export function decodeFrames(bytes: Uint8Array): PendingRun[] {
  const runs: PendingRun[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.byteLength) {
    if (!hasMagic(bytes, at)) throw new FrameError(`No Sluice frame at byte ${at} of ${bytes.byteLength}`);
    const arrivalMs = view.getFloat64(at + 4);
    const count = view.getUint32(at + 12);
    const endsAt = at + HEADER_BYTES;
    const dataAt = endsAt + 4 * count;
    if (dataAt > bytes.byteLength) throw new FrameError(`Frame at byte ${at} is truncated`);
    const ends = new Uint32Array(count);
    for (let i = 0; i < count; i++) ends[i] = view.getUint32(endsAt + 4 * i);
    const dataBytes = count === 0 ? 0 : ends[count - 1]!;
    if (dataAt + dataBytes > bytes.byteLength) throw new FrameError(`Frame at byte ${at} is truncated`);
    runs.push({ arrivalMs, ends, data: bytes.subarray(dataAt, dataAt + dataBytes) });
    at = dataAt + dataBytes;
  }
  return runs;
}

/**
 * The records of one Kinesis record. A record written to the stream by something other than the ingest Lambda
 * (no frame magic) is taken as one producer record, so a stream can also be fed with Kinesis's own API.
 */
export function decodeKinesisData(bytes: Uint8Array, approximateArrivalMs: number): PendingRun[] {
  if (hasMagic(bytes, 0)) {
    try {
      return decodeFrames(bytes);
    } catch {
      // A foreign record that happens to start with the magic: keep it whole rather than drop it.
    }
  }
  return [{ arrivalMs: approximateArrivalMs, data: bytes, ends: Uint32Array.of(bytes.byteLength) }];
}

/**
 * Groups the records of one put into frames of at most `maxFrameBytes` each, in order. A single record is
 * never split: the Direct PUT limit (1,024,000 bytes) leaves room for a header within a Kinesis record.
 */
export function packFrames(
  run: PendingRun,
  maxFrameBytes = MAX_KINESIS_RECORD_BYTES,
): Array<{
  frame: Uint8Array;
  /** Index in the put of the first record in this frame. */
  first: number;
  count: number;
}> {
  const frames: Array<{ frame: Uint8Array; first: number; count: number }> = [];
  const total = run.ends.length;
  let first = 0;
  while (first < total) {
    const startByte = first === 0 ? 0 : run.ends[first - 1]!;
    let last = first + 1;
    while (last < total && frameBytes(last + 1 - first, run.ends[last]! - startByte) <= maxFrameBytes) last++;
    const ends = new Uint32Array(last - first);
    for (let i = first; i < last; i++) ends[i - first] = run.ends[i]! - startByte;
    const data = run.data.subarray(startByte, run.ends[last - 1]!);
    frames.push({ frame: encodeFrame({ arrivalMs: run.arrivalMs, data, ends }), first, count: last - first });
    first = last;
  }
  return frames;
}
