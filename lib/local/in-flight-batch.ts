import type { ResolvedStream } from '../core/config/resolved.ts';
import type { DynamicPartitioning } from '../core/partitioning/index.ts';
import type { RecordRun } from '../core/records.ts';

/**
 * Records cut from a stream's buffer and not yet complete. Without dynamic partitioning a batch is one delivery;
 * with it, a batch is processed once and its records spread over partitions, so it counts what is outstanding.
 */
export interface InFlightBatch {
  readonly records: readonly RecordRun[];
  /** The configuration the batch was cut under: an UpdateDestination applies to batches cut after it. */
  readonly stream: ResolvedStream;
  /** The dynamic partitioning the batch was cut under (spec §6), which routes it; undefined without it. */
  readonly dynamicPartitioning: DynamicPartitioning | undefined;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly bytes: number;
  /** Room kept for the batch's compressed object while it is made (see outputReserveOf). */
  readonly outputReserve: number;
  /** Pieces not yet written (see PartitionedDelivery); a plain delivery is one piece. */
  outstanding: number;
  /** Complete: its records are marked done in the log. */
  done: boolean;
  /**
   * Dynamic partitioning: routed (its partitions hold copies) and its own objects written, so nothing reads its
   * bytes in the arena any more.
   */
  routed: boolean;
}
