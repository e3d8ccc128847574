import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { concatChunks } from './chunks.ts';
import type { Codec } from './codec.ts';

const gzipAsync = promisify(gzip);

/** zlib's default level; Firehose does not document its level, and 6 is what gzip(1) and zlib pick. */
export const GZIP_LEVEL = 6;

/**
 * Output chunk size of zlib's thread-pool job. With the 16 KiB default, every 16 KiB of output waits for a turn
 * of the (busy) main thread; 1 MiB lets a 5 MiB object compress in a few hops (measured: 395 ms → 81 ms
 * under ingest load, bench/README.md).
 */
export const ZLIB_CHUNK_BYTES = 1024 * 1024;

/** One gzip member over the whole object (spec §3.4: `.gz`, Content-Encoding `gzip`). Runs in zlib's thread pool. */
export const gzipCodec: Codec = {
  format: 'GZIP',
  extension: '.gz',
  contentEncoding: 'gzip',
  compress: (chunks) => gzipAsync(concatChunks(chunks), { level: GZIP_LEVEL, chunkSize: ZLIB_CHUNK_BYTES }),
};
