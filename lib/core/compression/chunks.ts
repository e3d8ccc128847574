import { Buffer } from 'node:buffer';

/** Total byte length of `chunks`. */
export function totalLength(chunks: readonly Uint8Array[]): number {
  let sizeBytes = 0;
  for (const chunk of chunks) sizeBytes += chunk.byteLength;
  return sizeBytes;
}

/** The concatenation of `chunks`; a lone chunk is returned as is rather than copied. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  return Buffer.concat(chunks, totalLength(chunks));
}

/**
 * Splits the concatenation of `chunks` into consecutive blocks of `blockSizeBytes` (the last one may be shorter)
 * without concatenating everything first: a block that lies inside one chunk is a view of it, and only a block
 * that straddles chunk boundaries is copied, into a buffer from `allocate` (which may hand out recycled ones).
 */
export function* blocksOf(
  chunks: readonly Uint8Array[],
  blockSizeBytes: number,
  allocate: () => Uint8Array = () => new Uint8Array(blockSizeBytes),
): Generator<Uint8Array> {
  let pending: Uint8Array | undefined; // partially filled block spanning chunks
  let pendingBytes = 0;
  let unreadBytes = totalLength(chunks);
  for (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      // A whole block here, or the short last block when nothing follows this chunk.
      const viewBytes = Math.min(blockSizeBytes, unreadBytes);
      if (pending === undefined && chunk.byteLength - offset >= viewBytes) {
        yield chunk.subarray(offset, offset + viewBytes);
        offset += viewBytes;
        unreadBytes -= viewBytes;
        continue;
      }
      pending ??= allocate();
      const take = Math.min(blockSizeBytes - pendingBytes, chunk.byteLength - offset);
      pending.set(chunk.subarray(offset, offset + take), pendingBytes);
      pendingBytes += take;
      offset += take;
      unreadBytes -= take;
      if (pendingBytes === blockSizeBytes) {
        yield pending;
        pending = undefined;
        pendingBytes = 0;
      }
    }
  }
  if (pending !== undefined) yield pending.subarray(0, pendingBytes);
}

/**
 * Splits the concatenation of `chunks` into consecutive groups of `groupSizeBytes` (the last one may be shorter),
 * each a list of views of the chunks: nothing is copied.
 */
export function* groupsOf(chunks: readonly Uint8Array[], groupSizeBytes: number): Generator<Uint8Array[]> {
  let group: Uint8Array[] = [];
  let groupBytes = 0;
  for (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(groupSizeBytes - groupBytes, chunk.byteLength - offset);
      group.push(chunk.subarray(offset, offset + take));
      groupBytes += take;
      offset += take;
      if (groupBytes === groupSizeBytes) {
        yield group;
        group = [];
        groupBytes = 0;
      }
    }
  }
  if (group.length > 0) yield group;
}
