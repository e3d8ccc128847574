import { SnappyCompressor } from './snappy-compressor.ts';

/** One compressor for the process: it reuses its work buffer and returns each block in an array of its own. */
const compressor = new SnappyCompressor();

/** One raw snappy block (the format both snappy framings wrap); the same bytes snappyjs would write, faster. */
export function compressSnappyBlock(block: Uint8Array): Uint8Array {
  return compressor.compress(block);
}

/** A 4-byte big-endian int32, the length prefix used by both xerial and Hadoop framing. */
export function int32BE(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, value, false);
  return out;
}
