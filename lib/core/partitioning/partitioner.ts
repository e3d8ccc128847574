import { bounded, SluiceError } from '../errors.ts';
import { METADATA_EXTRACTION_FAILED } from '../processors/metadata-extraction.ts';
import type { FailedProcessorRecord, ProcessorRecord } from '../processors/processor-record.ts';
import { MAX_EVALUATED_PREFIX_LENGTH } from '../s3/object-key.ts';
import { type PartitionKeys, type PrefixTemplate, renderPartitionId } from '../s3/prefix-template.ts';

/** Active partitions per stream unless raised (spec §6: default 500, up to 5,000). */
export const DEFAULT_ACTIVE_PARTITION_LIMIT = 500;

/** Sluice's codes where Firehose publishes none (spec §6 names the error type `activePartitionExceeded` only). */
export const PARTITIONING_ERRORS = {
  activePartitionExceeded: 'DynamicPartitioning.ActivePartitionsLimitExceeded',
  prefixTooLong: 'DynamicPartitioning.PrefixTooLong',
  /** A key the prefix needs is missing: the observed code for failed key extraction. */
  keyMissing: METADATA_EXTRACTION_FAILED,
  /** Sluice's code for records whose routing to partitions kept failing; Firehose publishes none (no such failure). */
  routingFailed: 'DynamicPartitioning.RoutingFailed',
} as const;

export interface PartitionerSettings {
  /** The destination's compiled `Prefix` (with `!{partitionKeyFrom*}` expressions). */
  readonly prefix: PrefixTemplate;
  /** CustomTimeZone (spec §3.1). */
  readonly timeZone: string;
  /** Default DEFAULT_ACTIVE_PARTITION_LIMIT. */
  readonly activePartitionLimit?: number;
}

/** A processed record with the keys its processors gave it. */
export interface KeyedRecord {
  readonly record: ProcessorRecord;
  readonly keys: PartitionKeys;
}

export interface Partition {
  /** The evaluated prefix with random strings unrendered (see renderPartitionId). */
  readonly id: string;
  /** In batch order; all render the same prefix. */
  readonly records: ProcessorRecord[];
  /** The partition keys of its first record: what object keys are rendered with. */
  readonly partitionKeys: PartitionKeys;
}

/**
 * Groups records by evaluated prefix (spec §6: each distinct prefix is a partition with its own buffer). Each
 * record's prefix uses its own arrival time for `!{timestamp}` and its partition keys. A record fails with
 * `processing-failed` when a key its prefix needs is missing or the prefix evaluates past 512 characters (§3.3
 * rule 5), and with `activePartitionExceeded` when it would open a partition beyond the limit: `active` holds
 * the partitions already buffered (they keep counting until delivered, even when undeliverable), and new ones
 * are admitted in batch order. Records of partitions already admitted are never refused.
 */
export function partitionRecords(
  records: readonly KeyedRecord[],
  settings: PartitionerSettings,
  active: ReadonlySet<string> = new Set(),
): { partitions: Partition[]; failed: FailedProcessorRecord[] } {
  const limit = settings.activePartitionLimit ?? DEFAULT_ACTIVE_PARTITION_LIMIT;
  const partitions = new Map<string, Partition>();
  const failed: FailedProcessorRecord[] = [];
  let activeCount = active.size;
  const fail = (
    record: ProcessorRecord,
    errorCode: string,
    errorMessage: string,
    type = 'processing-failed' as const,
  ) =>
    failed.push({
      record,
      errorOutputType: type,
      errorCode,
      errorMessage,
      rawData: record.data,
      attemptsMade: 1,
    });

  for (const { record, keys } of records) {
    let id: string;
    try {
      id = renderPartitionId(settings.prefix, {
        instantMs: record.arrivalMs,
        timeZone: settings.timeZone,
        partitionKeysByNamespace: keys,
      });
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      fail(
        record,
        error.code === 'PartitionKeyMissing' ? PARTITIONING_ERRORS.keyMissing : error.code,
        error.message,
      );
      continue;
    }
    if (id.length > MAX_EVALUATED_PREFIX_LENGTH) {
      fail(
        record,
        PARTITIONING_ERRORS.prefixTooLong,
        `Prefix evaluated to ${id.length} characters; at most ${MAX_EVALUATED_PREFIX_LENGTH} are allowed: ${bounded(id)}`,
      );
      continue;
    }
    const partition = partitions.get(id);
    if (partition) {
      partition.records.push(record);
      continue;
    }
    if (!active.has(id)) {
      if (activeCount >= limit) {
        failed.push({
          record,
          errorOutputType: 'activePartitionExceeded',
          errorCode: PARTITIONING_ERRORS.activePartitionExceeded,
          errorMessage: `The stream already has ${limit} active partitions, its limit; the record's partition ${bounded(id)} was not opened.`,
          rawData: record.data,
          attemptsMade: 1,
        });
        continue;
      }
      activeCount++;
    }
    partitions.set(id, { id, records: [record], partitionKeys: keys });
  }
  return { partitions: [...partitions.values()], failed };
}
