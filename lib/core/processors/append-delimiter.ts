const NEWLINE = new Uint8Array([0x0a]);

/**
 * The AppendDelimiterToRecord processor (spec §3.4): a newline after every record. Returns chunks that
 * share the record bytes instead of copying them.
 */
export function appendDelimiter(chunks: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = new Array(chunks.length * 2);
  for (let i = 0; i < chunks.length; i++) {
    out[2 * i] = chunks[i]!;
    out[2 * i + 1] = NEWLINE;
  }
  return out;
}
