import type { KinesisRecordMetadata } from '../records.ts';

/**
 * One record as the processing stages see it. Stages are generic over `R extends ProcessingRecord`, so the
 * pipeline can carry its own fields (log position, partition keys so far) through a stage and get its own
 * objects back; a stage that replaces a record's bytes returns the new bytes next to the original record.
 */
export interface ProcessingRecord {
  readonly data: Uint8Array;
  /** Approximate arrival time, ms since the epoch (the event's `approximateArrivalTimestamp`, §5.1). */
  readonly arrivalMs: number;
  /** Present when the stream reads a Kinesis data stream (§5.1 `kinesisRecordMetadata`). */
  readonly kinesis?: KinesisRecordMetadata;
}

/** Partition keys by name, as the Lambda (`partitionKeyFromLambda`) or the JQ query (`partitionKeyFromQuery`) gave them. */
export type PartitionKeys = Readonly<Record<string, string>>;
