import { blocksOf } from './chunks.ts';
import type { Codec } from './codec.ts';
import { compressSnappyBlock, int32BE } from './raw-snappy.ts';
import { YIELD_EVERY_BYTES, yieldToEventLoop } from './yield-to-event-loop.ts';

/** `io.compression.codec.snappy.buffersize` default in Hadoop. */
export const HADOOP_SNAPPY_BUFFER_SIZE_BYTES = 256 * 1024;
/**
 * Hadoop's `SnappyCodec` reserves `bufferSize / 6 + 32` bytes for snappy's worst-case expansion, and its
 * `BlockCompressorStream` never puts more than the rest (218,422 bytes) into one block, so that even incompressible
 * data fits the reader's 256 KiB buffer. Larger blocks would break Hadoop's own `BlockDecompressorStream`.
 */
export const HADOOP_SNAPPY_MAX_BLOCK_BYTES =
  HADOOP_SNAPPY_BUFFER_SIZE_BYTES - (Math.floor(HADOOP_SNAPPY_BUFFER_SIZE_BYTES / 6) + 32);

/**
 * Hadoop block framing (spec §3.4, Content-Encoding `hadoop-snappy`): per block an int32 BE uncompressed length,
 * then one int32 BE compressed length and raw snappy chunk. The extension is `.snappy` as observed on AWS, not the
 * documented `.hsnappy` (§3.4 ⚠). Empty input yields a single zero block length, as `BlockCompressorStream.finish()`
 * writes for a stream that received no data.
 */
export const hadoopSnappyCodec: Codec = {
  format: 'HADOOP_SNAPPY',
  extension: '.snappy',
  contentEncoding: 'hadoop-snappy',
  compress: async (chunks) => {
    const parts: Uint8Array[] = [];
    let bytesSinceYield = 0;
    for (const block of blocksOf(chunks, HADOOP_SNAPPY_MAX_BLOCK_BYTES)) {
      const compressed = compressSnappyBlock(block);
      parts.push(int32BE(block.byteLength), int32BE(compressed.byteLength), compressed);
      bytesSinceYield += block.byteLength;
      if (bytesSinceYield >= YIELD_EVERY_BYTES) {
        bytesSinceYield = 0;
        await yieldToEventLoop();
      }
    }
    if (parts.length === 0) parts.push(int32BE(0));
    return parts;
  },
};
