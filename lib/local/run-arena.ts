import type { RecordBytes } from '../core/records.ts';

/** Big enough for any put: PutRecordBatch carries at most 4 MiB of record data (spec §1.3). */
export const SLAB_BYTES = 4 * 1024 * 1024;

/** A slab filled front to back with the runs of consecutive puts. */
export interface Slab {
  readonly buffer: Buffer;
  used: number;
  /** Copies whose append has not settled yet; the slab is not released while any is pending. */
  pending: number;
  /** Highest seq of a record in the slab; -1 while none has been appended. */
  lastSeq: number;
}

/**
 * The memory of one stream's buffered records, managed explicitly. Each put's records are copied into a
 * 4 MiB slab, and a slab is reused once every record in it is delivered. Left to the garbage collector,
 * delivered buffers wait for a major GC, which a small, quiet V8 heap rarely needs: the process grew to
 * several times its buffered bytes (bench/README.md). Records enter a stream in seq order and its delivered
 * watermark only moves forward, so slabs are released oldest first.
 */
export class RunArena {
  private current: Slab | undefined;
  private readonly filled: Slab[] = [];
  private readonly spare: Buffer[] = [];
  private readonly maxSpareSlabs: number;

  /**
   * @param maxBufferedBytes the stream's limit on undelivered bytes: released slabs are kept for reuse up to
   * that much, since the process must have room for it anyway and a slab handed to the garbage collector
   * comes back as RSS until a major GC (old-generation ArrayBuffers).
   */
  constructor(maxBufferedBytes: number) {
    this.maxSpareSlabs = Math.ceil(maxBufferedBytes / SLAB_BYTES);
  }

  /** Copies records into the current slab (starting a new one when they do not fit). */
  copy(records: RecordBytes): { records: RecordBytes; slab: Slab | undefined } {
    const bytes = records.data.byteLength;
    if (bytes > SLAB_BYTES) return { records, slab: undefined };
    let slab = this.current;
    if (!slab || slab.used + bytes > SLAB_BYTES) {
      if (slab) this.filled.push(slab);
      slab = {
        buffer: this.spare.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES),
        used: 0,
        pending: 0,
        lastSeq: -1,
      };
      this.current = slab;
    }
    const data = slab.buffer.subarray(slab.used, slab.used + bytes);
    data.set(records.data);
    slab.used += bytes;
    slab.pending++;
    return { records: { data, ends: records.ends }, slab };
  }

  /** The copy is in the log: its records end at `lastSeq`. */
  appended(slab: Slab | undefined, lastSeq: number): void {
    if (!slab) return;
    slab.pending--;
    slab.lastSeq = Math.max(slab.lastSeq, lastSeq);
  }

  /** The copy was not appended (the log failed): its bytes are dead. */
  abandoned(slab: Slab | undefined): void {
    if (slab) slab.pending--;
  }

  /** Every record up to `deliveredSeq` is delivered: recycles the slabs holding only such records. */
  release(deliveredSeq: number): void {
    while (this.filled.length > 0) {
      const oldest = this.filled[0]!;
      if (oldest.pending > 0 || oldest.lastSeq > deliveredSeq) return;
      this.filled.shift();
      if (this.spare.length < this.maxSpareSlabs) this.spare.push(oldest.buffer);
    }
    const current = this.current;
    if (current && current.pending === 0 && current.lastSeq <= deliveredSeq) {
      // Nothing live in the current slab: start it over instead of leaving its tail unused.
      current.used = 0;
    }
  }

  /** Bytes of slabs held, in use or spare. */
  get heldBytes(): number {
    return (this.filled.length + this.spare.length + (this.current ? 1 : 0)) * SLAB_BYTES;
  }
}
