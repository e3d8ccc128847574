import type { ResolvedBufferingHints } from '../config/resolved.ts';
import type { FirehoseRecord } from '../records.ts';

/**
 * The records of one stream (one partition, once dynamic partitioning lands) waiting for delivery, in
 * arrival order. Pure: the caller passes the time in. Delivery is triggered by whichever hint is reached
 * first, measured on the bytes before compression (spec §2.1).
 */
export class StreamBuffer {
  private records: FirehoseRecord[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private hints: ResolvedBufferingHints) {}

  setHints(hints: ResolvedBufferingHints): void {
    this.hints = hints;
  }

  add(records: readonly FirehoseRecord[]): void {
    for (const record of records) {
      this.records.push(record);
      this.bytes += record.data.byteLength;
    }
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  get bufferedRecords(): number {
    return this.records.length - this.head;
  }

  /** Arrival time of the oldest buffered record, or undefined when empty. */
  get oldestArrivalMs(): number | undefined {
    return this.records[this.head]?.arrivalMs;
  }

  /** Why a batch should be cut now, or undefined when no hint has been reached. */
  due(nowMs: number): 'size' | 'interval' | undefined {
    const oldest = this.oldestArrivalMs;
    if (oldest === undefined) return undefined;
    if (this.bytes >= this.hints.sizeBytes) return 'size';
    if (nowMs - oldest >= this.hints.intervalSeconds * 1000) return 'interval';
    return undefined;
  }

  /**
   * Removes and returns the oldest records up to the size hint. A single record larger than the hint is still
   * taken alone, so a batch is never empty when the buffer is not.
   */
  take(): FirehoseRecord[] {
    const batch: FirehoseRecord[] = [];
    let batchBytes = 0;
    while (this.head < this.records.length) {
      const record = this.records[this.head]!;
      if (batch.length > 0 && batchBytes + record.data.byteLength > this.hints.sizeBytes) break;
      batch.push(record);
      batchBytes += record.data.byteLength;
      this.head++;
    }
    this.bytes -= batchBytes;
    this.compact();
    return batch;
  }

  /** Empties the buffer (the stream was deleted: buffered data is discarded, spec §1.8). */
  clear(): FirehoseRecord[] {
    const rest = this.records.slice(this.head);
    this.records = [];
    this.head = 0;
    this.bytes = 0;
    return rest;
  }

  // Shifting an array per batch is O(n); dropping the consumed head occasionally keeps take() amortised O(batch).
  private compact(): void {
    if (this.head === this.records.length) {
      this.records = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }
}
