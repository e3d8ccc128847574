import type { ByteSink } from './byte-sink.ts';

/** Bits needed for values up to `max` (0 for 0). */
export function bitWidthOf(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/**
 * Parquet's RLE/bit-packed hybrid encoding of values[start, end) at `width` bits (≤ 24): runs of 8 or more equal
 * values become RLE runs, the rest bit-packed groups of 8. A bit-packed run may only be padded at the very end,
 * so a run that follows pending literals first lends them the values that complete their last group.
 */
export function writeRleHybrid(
  out: ByteSink,
  values: Uint8Array | Int32Array,
  start: number,
  end: number,
  width: number,
): void {
  const byteWidth = (width + 7) >> 3;
  let literalStart = start;
  let i = start;
  while (i < end) {
    const v = values[i]!;
    let j = i + 1;
    while (j < end && values[j] === v) j++;
    if (j - i >= 8) {
      const pending = i - literalStart;
      let runStart = i;
      if (pending > 0) {
        const pad = (8 - (pending & 7)) & 7;
        if (j - i - pad < 8) {
          i = j;
          continue;
        }
        bitPack(out, values, literalStart, i + pad, width);
        runStart = i + pad;
      }
      out.varint((j - runStart) * 2);
      for (let k = 0; k < byteWidth; k++) out.byte((v >>> (8 * k)) & 0xff);
      literalStart = j;
    }
    i = j;
  }
  if (literalStart < end) bitPack(out, values, literalStart, end, width);
}

/** One RLE run: `count` times `value`. */
export function writeRleRun(out: ByteSink, value: number, count: number, width: number): void {
  out.varint(count * 2);
  for (let k = 0; k < (width + 7) >> 3; k++) out.byte((value >>> (8 * k)) & 0xff);
}

function bitPack(
  out: ByteSink,
  values: Uint8Array | Int32Array,
  start: number,
  end: number,
  width: number,
): void {
  const groups = (end - start + 7) >> 3;
  out.varint(groups * 2 + 1);
  out.ensure(groups * width);
  const bytes = out.bytes;
  let n = out.length;
  let acc = 0;
  let bits = 0;
  const total = groups * 8;
  for (let k = 0; k < total; k++) {
    const v = start + k < end ? values[start + k]! : 0;
    acc |= v << bits;
    bits += width;
    while (bits >= 8) {
      bytes[n++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  out.length = n;
}

/** Booleans PLAIN: one bit each, least significant first. */
export function writeBitPackedBooleans(out: ByteSink, values: Int32Array, start: number, end: number): void {
  const count = end - start;
  out.ensure((count + 7) >> 3);
  const bytes = out.bytes;
  let n = out.length;
  for (let i = 0; i < count; i += 8) {
    let byte = 0;
    for (let k = 0; k < 8 && i + k < count; k++) byte |= (values[start + i + k]! & 1) << k;
    bytes[n++] = byte;
  }
  out.length = n;
}
