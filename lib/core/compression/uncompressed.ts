import { concatChunks } from './chunks.ts';
import type { Codec } from './codec.ts';

/** Records concatenated with no delimiter (spec §3.4); no extension, no Content-Encoding. */
export const uncompressedCodec: Codec = {
  format: 'UNCOMPRESSED',
  extension: '',
  contentEncoding: undefined,
  // A lone chunk is handed back as is (no copy): callers must not mutate records after handing them over.
  compress: async (chunks) => concatChunks(chunks),
};
