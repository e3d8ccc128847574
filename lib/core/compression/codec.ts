import type { CompressionFormat } from '../config/resolved.ts';
import { concatChunks } from './chunks.ts';
import { gzipCodec } from './gzip.ts';
import { hadoopSnappyCodec } from './hadoop-snappy.ts';
import { uncompressedCodec } from './uncompressed.ts';
import { xerialSnappyCodec } from './xerial-snappy.ts';
import { zipCodec } from './zip.ts';

/** What a codec may need besides the bytes: the ZIP entry is named by a UUID and stamped with a time (spec §3.4). */
export interface CompressContext {
  uuid: string;
  nowMs: number;
}

/** One S3 `CompressionFormat`: how an object's bytes are packed and how the object is labelled. */
export interface Codec {
  readonly format: CompressionFormat;
  /** Default file extension incl. the dot ('' for UNCOMPRESSED), as observed on AWS (§3.4: HADOOP_SNAPPY → '.snappy'). */
  readonly extension: string;
  /** Content-Encoding set on the object, or undefined. */
  readonly contentEncoding: string | undefined;
  /**
   * Compresses the concatenation of `chunks` (the records of one object, in order) into the object's body, as
   * consecutive chunks: an object store writes them without joining them, so a large object never needs a second
   * copy in memory. Must not block the event loop for long on large inputs.
   */
  compress(chunks: readonly Uint8Array[], ctx: CompressContext): Promise<readonly Uint8Array[]>;
}

/** The compressed body as one buffer (for callers that need one; a lone chunk is not copied). */
export async function compressToBuffer(
  codec: Codec,
  chunks: readonly Uint8Array[],
  ctx: CompressContext,
): Promise<Uint8Array> {
  return concatChunks(await codec.compress(chunks, ctx));
}

const CODECS: Record<CompressionFormat, Codec> = {
  UNCOMPRESSED: uncompressedCodec,
  GZIP: gzipCodec,
  ZIP: zipCodec,
  Snappy: xerialSnappyCodec,
  HADOOP_SNAPPY: hadoopSnappyCodec,
};

/** The codec for an S3 destination's `CompressionFormat` (spec §3.4). */
export function codecFor(format: CompressionFormat): Codec {
  return CODECS[format];
}
