import { Buffer } from 'node:buffer';
import { createGzip } from 'node:zlib';
import { blocksOf } from './chunks.ts';
import type { Codec } from './codec.ts';

/** zlib's default level; Firehose does not document its level, and 6 is what gzip(1) and zlib pick. */
export const GZIP_LEVEL = 6;

/**
 * Input block and output chunk size of zlib's thread-pool jobs. With zlib's 16 KiB default every 16 KiB waits
 * for a turn of the (busy) main thread; 1 MiB makes a 5 MiB object a few hops (measured: 395 ms → 81 ms under
 * ingest load, bench/README.md).
 */
export const ZLIB_CHUNK_BYTES = 1024 * 1024;

/**
 * One gzip member over the whole object (spec §3.4: `.gz`, Content-Encoding `gzip`), compressed in zlib's
 * thread pool. The records are fed in 1 MiB blocks with backpressure rather than concatenated first, so a
 * 128 MiB buffer never needs a second 128 MiB copy.
 */
export const gzipCodec: Codec = {
  format: 'GZIP',
  extension: '.gz',
  contentEncoding: 'gzip',
  compress: (chunks) =>
    new Promise<Uint8Array>((resolve, reject) => {
      const gzip = createGzip({ level: GZIP_LEVEL, chunkSize: ZLIB_CHUNK_BYTES });
      const output: Buffer[] = [];
      gzip.on('data', (chunk: Buffer) => output.push(chunk));
      gzip.once('end', () => resolve(Buffer.concat(output)));
      gzip.once('error', reject);
      const blocks = blocksOf(chunks, ZLIB_CHUNK_BYTES);
      const writeMore = () => {
        for (let next = blocks.next(); !next.done; next = blocks.next()) {
          if (!gzip.write(next.value)) {
            gzip.once('drain', writeMore);
            return;
          }
        }
        gzip.end();
      };
      writeMore();
    }),
};
