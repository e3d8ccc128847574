import type { Buffer } from 'node:buffer';
import { createGzip } from 'node:zlib';
import { blocksOf, groupsOf, totalLength } from './chunks.ts';
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
 * Objects up to this size are one gzip member, like every object at Firehose's default 5 MiB buffer. A larger
 * object is a series of members of this size (RFC 1952 §2.2: a gzip file is a series of members; gunzip, zlib,
 * Python, Java's GZIPInputStream and Hadoop's codec read them as one stream), compressed GZIP_PARALLEL_MEMBERS
 * at a time: one deflate stream uses one core, and a 128 MiB buffer would otherwise take ~2.5 s of one core
 * while the other idles (bench/README.md). At 16 MiB the ratio is unchanged: deflate only looks back 32 KiB.
 */
export const GZIP_MEMBER_BYTES = 16 * 1024 * 1024;
export const GZIP_PARALLEL_MEMBERS = 2;

/** One gzip member over the concatenation of `chunks`, compressed in zlib's thread pool, as output chunks. */
function gzipMember(chunks: readonly Uint8Array[]): Promise<Buffer[]> {
  return new Promise<Buffer[]>((resolve, reject) => {
    const gzip = createGzip({ level: GZIP_LEVEL, chunkSize: ZLIB_CHUNK_BYTES });
    const output: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => output.push(chunk));
    gzip.once('end', () => resolve(output));
    gzip.once('error', reject);
    // Fed in 1 MiB blocks with backpressure rather than concatenated first: no second copy of the input. Blocks
    // that straddle two runs are copies; their buffers are reused once zlib has consumed them (the write's
    // callback), since a fresh 1 MiB buffer per block is garbage the GC collects late: ~50 MB of RSS at 128 MiB.
    const spare: Uint8Array[] = [];
    const copies = new Set<Uint8Array>();
    const allocate = () => {
      const block = spare.pop() ?? new Uint8Array(ZLIB_CHUNK_BYTES);
      copies.add(block);
      return block;
    };
    const recycle = (block: Uint8Array) => () => {
      if (copies.delete(block)) spare.push(block);
    };
    const blocks = blocksOf(chunks, ZLIB_CHUNK_BYTES, allocate);
    const writeMore = () => {
      for (let next = blocks.next(); !next.done; next = blocks.next()) {
        if (!gzip.write(next.value, recycle(next.value))) {
          gzip.once('drain', writeMore);
          return;
        }
      }
      gzip.end();
    };
    writeMore();
  });
}

/**
 * Members being compressed at once in the whole process, whatever the object or stream. More would not go faster
 * (each takes a core), but each would hold its zlib state and output buffers while waiting for one: several
 * megabytes per batch in flight.
 */
export const GZIP_CONCURRENT_MEMBERS = GZIP_PARALLEL_MEMBERS;
let compressing = 0;
const waitingForSlot: Array<() => void> = [];

async function inGzipSlot<T>(work: () => Promise<T>): Promise<T> {
  if (compressing < GZIP_CONCURRENT_MEMBERS) compressing++;
  else await new Promise<void>((resolve) => waitingForSlot.push(resolve));
  try {
    return await work();
  } finally {
    // The slot passes straight to the next waiter, or is freed.
    const next = waitingForSlot.shift();
    if (next) next();
    else compressing--;
  }
}

/** Members compressed `GZIP_PARALLEL_MEMBERS` at a time, returned in order. */
async function gzipMembers(members: readonly (readonly Uint8Array[])[]): Promise<Buffer[][]> {
  const compressed: Buffer[][] = new Array(members.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < members.length; i = next++) {
      const member = members[i]!;
      compressed[i] = await inGzipSlot(() => gzipMember(member));
    }
  };
  await Promise.all(Array.from({ length: Math.min(GZIP_PARALLEL_MEMBERS, members.length) }, worker));
  return compressed;
}

/** Spec §3.4: `.gz`, Content-Encoding `gzip`. */
export const gzipCodec: Codec = {
  format: 'GZIP',
  extension: '.gz',
  contentEncoding: 'gzip',
  compress: async (chunks) => {
    const members =
      totalLength(chunks) <= GZIP_MEMBER_BYTES ? [chunks] : [...groupsOf(chunks, GZIP_MEMBER_BYTES)];
    return (await gzipMembers(members)).flat();
  },
};
