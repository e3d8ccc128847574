import type { ByteWriter } from './byte-writer.ts';

/** Bits needed for values 0..max (0 for max 0). */
export function bitWidthOf(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/**
 * The Parquet RLE/bit-packed hybrid encoding of values[start, end) (levels and dictionary indices). Runs of
 * eight or more equal values become RLE runs; everything else is bit-packed in groups of eight. A bit-packed
 * group is only padded at the very end, where readers stop at the value count they were given.
 */
export function encodeHybrid(
  values: Uint8Array | Int32Array,
  start: number,
  end: number,
  bitWidth: number,
  out: ByteWriter,
): void {
  if (bitWidth === 0) {
    // Every value is 0: one RLE run with a zero-byte value.
    if (end > start) out.varint((end - start) * 2);
    return;
  }
  const valueBytes = (bitWidth + 7) >> 3;
  let i = start;
  while (i < end) {
    const value = values[i]!;
    let run = 1;
    while (i + run < end && values[i + run] === value) run++;
    if (run >= 8) {
      out.varint(run * 2);
      for (let b = 0; b < valueBytes; b++) out.byte((value >>> (8 * b)) & 0xff);
      i += run;
      continue;
    }
    // Bit-pack groups of eight until the next group would start a worthwhile RLE run (or 63 groups, so the
    // header stays one byte).
    const groupStart = i;
    let groups = 0;
    while (i < end && groups < 63) {
      i += 8;
      groups++;
      if (i < end && startsRun(values, i, end)) break;
    }
    out.varint((groups << 1) | 1);
    packGroups(values, groupStart, Math.min(i, end), groups, bitWidth, out);
    if (i > end) i = end;
  }
}

function startsRun(values: Uint8Array | Int32Array, at: number, end: number): boolean {
  if (at + 8 > end) return false;
  const value = values[at];
  for (let k = 1; k < 8; k++) if (values[at + k] !== value) return false;
  return true;
}

function packGroups(
  values: Uint8Array | Int32Array,
  from: number,
  to: number,
  groups: number,
  bitWidth: number,
  out: ByteWriter,
): void {
  const byteCount = groups * bitWidth;
  out.ensure(byteCount);
  const bytes = out.bytes;
  const base = out.length;
  bytes.fill(0, base, base + byteCount);
  // LSB-first packing, as the Parquet spec's bit-packed runs require.
  let bit = 0;
  for (let i = from; i < to; i++) {
    let v = values[i]!;
    let remaining = bitWidth;
    let at = bit;
    while (remaining > 0) {
      const byte = base + (at >> 3);
      const offset = at & 7;
      const take = Math.min(remaining, 8 - offset);
      bytes[byte] = bytes[byte]! | ((v & ((1 << take) - 1)) << offset);
      v >>>= take;
      remaining -= take;
      at += take;
    }
    bit += bitWidth;
  }
  out.length = base + byteCount;
}
