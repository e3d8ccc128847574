import { Buffer } from 'node:buffer';

/**
 * Large buffers handed out and given back, for what every PutRecordBatch request needs once and only while it is
 * handled: its body (~1.4 MB) and its decoded records (~0.5 MB). Freshly allocated, each request leaves ~2 MB of
 * external memory that V8 frees only at its next collection, and at 100 MB/s of ingest that garbage (not the
 * buffered records) was what took peak RSS over its budget. Reused, the memory stays at about one buffer of each
 * kind per concurrent request.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    /** Buffers are at least this large, so one fits most requests of a producer. */
    private readonly minBytes: number,
    /** Buffers kept for reuse; more concurrent requests allocate and let the extra ones go. */
    private readonly maxKept: number,
  ) {}

  /** A buffer of at least `size` bytes; its contents are whatever the last user left. */
  take(size: number): Buffer {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const buffer = this.free[i]!;
      if (buffer.byteLength >= size) {
        this.free[i] = this.free[this.free.length - 1]!;
        this.free.pop();
        return buffer;
      }
    }
    return Buffer.allocUnsafeSlow(Math.max(size, this.minBytes));
  }

  /** Returns a buffer from `take`; the caller must hold no view of it any more. */
  give(buffer: Buffer): void {
    if (this.free.length < this.maxKept) this.free.push(buffer);
  }
}
