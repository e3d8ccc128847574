export {
  checkDynamicPartitioning,
  DYNAMIC_PARTITIONING_DEFAULT_INTERVAL_SECONDS,
  DYNAMIC_PARTITIONING_DEFAULT_SIZE_MB,
  DYNAMIC_PARTITIONING_MESSAGES,
  DYNAMIC_PARTITIONING_MIN_INTERVAL_SECONDS,
  DYNAMIC_PARTITIONING_MIN_SIZE_MB,
  type DynamicPartitioningCheckInput,
  MAX_PARTITION_KEYS,
} from './checks.ts';
export {
  DEFAULT_ACTIVE_PARTITION_LIMIT,
  type KeyedRecord,
  PARTITIONING_ERRORS,
  type Partition,
  type PartitionerSettings,
  partitionRecords,
} from './partitioner.ts';
export { retriesExhausted } from './retries-exhausted.ts';
export {
  DEFAULT_PARTITION_RETRY_SECONDS,
  type DynamicPartitioning,
  dynamicPartitioningOf,
} from './settings.ts';
