// snappyjs 0.7 ships no typings; the tests and the Parquet bench use it as a reference snappy implementation.
declare module 'snappyjs' {
  const SnappyJS: {
    /** Raw snappy block (no framing). Returns the same kind of array it was given. */
    compress(uncompressed: Uint8Array): Uint8Array;
    uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  };
  export default SnappyJS;
}
