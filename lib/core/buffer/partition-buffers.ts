import type { ResolvedBufferingHints } from '../config/resolved.ts';
import type { Partition } from '../partitioning/partitioner.ts';
import type { ProcessorRecord } from '../processors/processor-record.ts';
import type { PartitionKeys } from '../s3/prefix-template.ts';

/**
 * One partition's buffered records (spec §6: each distinct evaluated prefix has its own buffer), with the batches
 * they came from: `B` is whatever the caller tracks a processed batch by, so that it learns when every partition a
 * batch fed has been delivered.
 */
export interface PartitionBuffer<B> {
  readonly id: string;
  readonly partitionKeys: PartitionKeys;
  /** In arrival order: the first is the oldest. */
  readonly records: ProcessorRecord[];
  bytes: number;
  /** Each batch that contributed records, once. */
  readonly batches: B[];
}

/**
 * The partitions of one stream with dynamic partitioning. Pure: the caller passes the time in. A partition is due
 * when its bytes reach the size hint or its oldest record the interval (spec §2.1, per partition as §6 says). A
 * partition stays active from its first record until its object is delivered (§6: undeliverable partitions keep
 * counting), so one whose object is being delivered still counts while new records open a new buffer for it.
 */
export class PartitionBuffers<B> {
  private readonly buffers = new Map<string, PartitionBuffer<B>>();
  /** Objects in delivery per partition id. */
  private readonly delivering = new Map<string, number>();
  private records = 0;

  constructor(private hints: ResolvedBufferingHints) {}

  setHints(hints: ResolvedBufferingHints): void {
    this.hints = hints;
  }

  /** Ids of the partitions that count against the active-partition limit. */
  activeIds(): Set<string> {
    const ids = new Set(this.buffers.keys());
    for (const id of this.delivering.keys()) ids.add(id);
    return ids;
  }

  get bufferedRecords(): number {
    return this.records;
  }

  /** Adds a processed batch's partitions; returns how many partitions the batch fed. */
  add(partitions: readonly Partition[], batch: B): number {
    for (const partition of partitions) {
      let buffer = this.buffers.get(partition.id);
      if (!buffer) {
        buffer = {
          id: partition.id,
          partitionKeys: partition.partitionKeys,
          records: [],
          bytes: 0,
          batches: [],
        };
        this.buffers.set(partition.id, buffer);
      }
      for (const record of partition.records) {
        buffer.records.push(record);
        buffer.bytes += record.data.byteLength;
      }
      this.records += partition.records.length;
      // A batch's records reach a partition in one call, so a repeat can only be the last entry.
      if (buffer.batches[buffer.batches.length - 1] !== batch) buffer.batches.push(batch);
    }
    return partitions.length;
  }

  /** Ids of the partitions due now, oldest first; all of them when `flushing`. */
  due(nowMs: number, flushing: boolean): string[] {
    const intervalMs = this.hints.intervalSeconds * 1000;
    const due: Array<{ id: string; oldestMs: number }> = [];
    for (const buffer of this.buffers.values()) {
      const oldestMs = buffer.records[0]!.arrivalMs;
      if (flushing || buffer.bytes >= this.hints.sizeBytes || nowMs - oldestMs >= intervalMs)
        due.push({ id: buffer.id, oldestMs });
    }
    return due.sort((a, b) => a.oldestMs - b.oldestMs).map((d) => d.id);
  }

  /** Removes a partition's buffer for delivery; it stays active until `delivered(id)`. */
  take(id: string): PartitionBuffer<B> | undefined {
    const buffer = this.buffers.get(id);
    if (!buffer) return undefined;
    this.buffers.delete(id);
    this.records -= buffer.records.length;
    this.delivering.set(id, (this.delivering.get(id) ?? 0) + 1);
    return buffer;
  }

  /** A taken buffer's records are delivered (or under the error prefix): the partition may close. */
  delivered(id: string): void {
    const left = (this.delivering.get(id) ?? 1) - 1;
    if (left > 0) this.delivering.set(id, left);
    else this.delivering.delete(id);
  }

  /** Drops everything (the stream closes or is deleted; the records are still in the log). */
  clear(): void {
    this.buffers.clear();
    this.delivering.clear();
    this.records = 0;
  }
}
