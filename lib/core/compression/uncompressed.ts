import type { Codec } from './codec.ts';

/** Records concatenated with no delimiter (spec §3.4); no extension, no Content-Encoding. */
export const uncompressedCodec: Codec = {
  format: 'UNCOMPRESSED',
  extension: '',
  contentEncoding: undefined,
  // The chunks are handed back as they are (no copy): callers must not mutate records after handing them over.
  compress: async (chunks) => chunks,
};
