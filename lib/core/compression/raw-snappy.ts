import SnappyJS from 'snappyjs';

/** One raw snappy block (the format both snappy framings wrap), compressed by the pure-JS snappyjs. */
export function compressSnappyBlock(block: Uint8Array): Uint8Array {
  return SnappyJS.compress(block);
}

/** A 4-byte big-endian int32, the length prefix used by both xerial and Hadoop framing. */
export function int32BE(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, value, false);
  return out;
}
