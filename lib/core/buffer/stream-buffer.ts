import type { ResolvedBufferingHints } from '../config/resolved.ts';
import { type RecordRun, sliceRun } from '../records.ts';

/**
 * The records of one stream waiting for delivery (with dynamic partitioning: waiting to be processed and routed
 * to their partitions), in arrival order, as the runs they arrived in. Pure: the caller passes the time in. Delivery is triggered by
 * whichever hint is reached first, measured on the bytes before compression (spec §2.1).
 */
export class StreamBuffer {
  private runs: RecordRun[] = [];
  private head = 0;
  private bytes = 0;
  private records = 0;

  constructor(private hints: ResolvedBufferingHints) {}

  setHints(hints: ResolvedBufferingHints): void {
    this.hints = hints;
  }

  add(runs: readonly RecordRun[]): void {
    for (const run of runs) {
      if (run.ends.length === 0) continue;
      this.runs.push(run);
      this.bytes += run.data.byteLength;
      this.records += run.ends.length;
    }
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  get bufferedRecords(): number {
    return this.records;
  }

  /** Arrival time of the oldest buffered record, or undefined when empty. */
  get oldestArrivalMs(): number | undefined {
    return this.runs[this.head]?.arrivalMs;
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
   * Removes and returns the oldest records up to `maxBytes` (the size hint by default), splitting a run at a
   * record boundary when needed. A single record larger than that is still taken alone, so a batch is never
   * empty when the buffer is not.
   */
  take(maxBytes = this.hints.sizeBytes): RecordRun[] {
    const batch: RecordRun[] = [];
    let batchBytes = 0;
    let batchRecords = 0;
    while (this.head < this.runs.length) {
      const run = this.runs[this.head]!;
      const room = maxBytes - batchBytes;
      if (run.data.byteLength <= room) {
        batch.push(run);
        batchBytes += run.data.byteLength;
        batchRecords += run.ends.length;
        this.head++;
        continue;
      }
      // Records of this run that still fit; at least one when the batch is empty.
      let fit = 0;
      while (fit < run.ends.length && run.ends[fit]! <= room) fit++;
      if (fit === 0 && batch.length === 0) fit = 1;
      if (fit > 0) {
        const taken = sliceRun(run, 0, fit);
        batch.push(taken);
        batchBytes += taken.data.byteLength;
        batchRecords += fit;
        this.runs[this.head] = sliceRun(run, fit, run.ends.length);
      }
      break;
    }
    this.bytes -= batchBytes;
    this.records -= batchRecords;
    this.compact();
    return batch;
  }

  /** Empties the buffer (the stream was deleted: buffered data is discarded, spec §1.8). */
  clear(): RecordRun[] {
    const rest = this.runs.slice(this.head);
    this.runs = [];
    this.head = 0;
    this.bytes = 0;
    this.records = 0;
    return rest;
  }

  // Shifting an array per batch is O(n); dropping the consumed head occasionally keeps take() amortised O(batch).
  private compact(): void {
    if (this.head === this.runs.length) {
      this.runs = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.runs.length) {
      this.runs = this.runs.slice(this.head);
      this.head = 0;
    }
  }
}
