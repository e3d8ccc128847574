import type { CompressionFormat } from '../config/resolved.ts';
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
   * Compresses the concatenation of `chunks` (the records of one object, in order). Must not block the event loop
   * for long on large inputs.
   */
  compress(chunks: readonly Uint8Array[], ctx: CompressContext): Promise<Uint8Array>;
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
