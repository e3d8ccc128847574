export type { Codec, CompressContext } from './codec.ts';
export { codecFor, compressToBuffer } from './codec.ts';
export { GZIP_LEVEL, gzipCodec } from './gzip.ts';
export {
  HADOOP_SNAPPY_BUFFER_SIZE_BYTES,
  HADOOP_SNAPPY_MAX_BLOCK_BYTES,
  hadoopSnappyCodec,
} from './hadoop-snappy.ts';
export { uncompressedCodec } from './uncompressed.ts';
export { XERIAL_BLOCK_SIZE_BYTES, XERIAL_MAGIC, xerialSnappyCodec } from './xerial-snappy.ts';
export { zipCodec } from './zip.ts';
