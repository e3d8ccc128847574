import { Buffer } from 'node:buffer';
import { blocksOf } from './chunks.ts';
import type { Codec } from './codec.ts';
import { compressSnappyBlock, int32BE } from './raw-snappy.ts';
import { YIELD_EVERY_BYTES, yieldToEventLoop } from './yield-to-event-loop.ts';

/** snappy-java's stream magic: 0x82 'SNAPPY' 0x00. */
export const XERIAL_MAGIC = Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00);
/** Header version and minimum compatible version, both 1 in every snappy-java release. */
const XERIAL_VERSION = 1;
const XERIAL_MIN_COMPATIBLE_VERSION = 1;
/** snappy-java's `SnappyOutputStream` default block size. */
export const XERIAL_BLOCK_SIZE_BYTES = 32 * 1024;

const HEADER = Buffer.concat([XERIAL_MAGIC, int32BE(XERIAL_VERSION), int32BE(XERIAL_MIN_COMPATIBLE_VERSION)]);

/**
 * Firehose's `Snappy` is the xerial snappy-java stream, not Google's framing format (spec §3.4, Content-Encoding
 * `snappy-java`): a 16-byte header, then per 32 KiB of input an int32 BE compressed length and a raw snappy block.
 * Empty input yields the bare header (snappy-java writes nothing at all; both read back as empty), so every
 * `.snappy` object still starts with the magic that readers sniff for.
 */
export const xerialSnappyCodec: Codec = {
  format: 'Snappy',
  extension: '.snappy',
  contentEncoding: 'snappy-java',
  compress: async (chunks) => {
    const parts: Uint8Array[] = [HEADER];
    let bytesSinceYield = 0;
    for (const block of blocksOf(chunks, XERIAL_BLOCK_SIZE_BYTES)) {
      const compressed = compressSnappyBlock(block);
      parts.push(int32BE(compressed.byteLength), compressed);
      bytesSinceYield += block.byteLength;
      if (bytesSinceYield >= YIELD_EVERY_BYTES) {
        bytesSinceYield = 0;
        await yieldToEventLoop();
      }
    }
    return parts;
  },
};
