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
  /** What `due` and `take` name the buffer by: its partition id and configuration (see `add`). */
  readonly key: string;
  /** The partition: its evaluated prefix. */
  readonly id: string;
  readonly partitionKeys: PartitionKeys;
  /** In arrival order: the first is the oldest. */
  readonly records: ProcessorRecord[];
  bytes: number;
  /** Each batch that contributed records, once. */
  readonly batches: B[];
}

/** Names the buffer of partition `id` under `configuration`; unambiguous for any two strings. */
export function partitionBufferKey(configuration: string, id: string): string {
  return JSON.stringify([configuration, id]);
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
    const ids = new Set<string>();
    for (const buffer of this.buffers.values()) ids.add(buffer.id);
    for (const id of this.delivering.keys()) ids.add(id);
    return ids;
  }

  get bufferedRecords(): number {
    return this.records;
  }

  /**
   * Adds a processed batch's partitions; returns how many partitions the batch fed. `configuration` names what
   * renders the partitions' objects (the stream's VersionId, which every UpdateDestination increments and object
   * names carry, spec §1.9, §3.1): records of one evaluated prefix routed under the old and the new configuration
   * are buffered apart, each written as its configuration says, while counting as one active partition. Adds all
   * or nothing: a caller that counts the partitions a batch fed must never find the batch in one it was not told of.
   */
  add(partitions: readonly Partition[], batch: B, configuration: string): number {
    // Everything that reads the records happens before the first change.
    const bytes = partitions.map((partition) =>
      partition.records.reduce((sum, record) => sum + record.data.byteLength, 0),
    );
    partitions.forEach((partition, i) => {
      const key = partitionBufferKey(configuration, partition.id);
      let buffer = this.buffers.get(key);
      if (!buffer) {
        buffer = {
          key,
          id: partition.id,
          partitionKeys: partition.partitionKeys,
          records: [],
          bytes: 0,
          batches: [],
        };
        this.buffers.set(key, buffer);
      }
      for (const record of partition.records) buffer.records.push(record);
      buffer.bytes += bytes[i]!;
      this.records += partition.records.length;
      // A batch's records reach a partition in one call, so a repeat can only be the last entry.
      if (buffer.batches[buffer.batches.length - 1] !== batch) buffer.batches.push(batch);
    });
    return partitions.length;
  }

  /** Keys of the buffers due now, oldest first; all of them when `flushing`. */
  due(nowMs: number, flushing: boolean): string[] {
    const intervalMs = this.hints.intervalSeconds * 1000;
    const due: Array<{ key: string; oldestMs: number }> = [];
    for (const buffer of this.buffers.values()) {
      const oldestMs = buffer.records[0]!.arrivalMs;
      if (flushing || buffer.bytes >= this.hints.sizeBytes || nowMs - oldestMs >= intervalMs)
        due.push({ key: buffer.key, oldestMs });
    }
    return due.sort((a, b) => a.oldestMs - b.oldestMs).map((d) => d.key);
  }

  /** Removes a buffer for delivery; its partition stays active until `delivered(buffer.id)`. */
  take(key: string): PartitionBuffer<B> | undefined {
    const buffer = this.buffers.get(key);
    if (!buffer) return undefined;
    this.buffers.delete(key);
    this.records -= buffer.records.length;
    this.delivering.set(buffer.id, (this.delivering.get(buffer.id) ?? 0) + 1);
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
