export {
  checkDynamicPartitioning,
  DYNAMIC_PARTITIONING_MESSAGES,
  DYNAMIC_PARTITIONING_MIN_INTERVAL_SECONDS,
  DYNAMIC_PARTITIONING_MIN_SIZE_MB,
  type DynamicPartitioningCheckInput,
  MAX_PARTITION_KEYS,
} from './checks.ts';
export {
  DEFAULT_ACTIVE_PARTITION_LIMIT,
  PARTITIONING_ERRORS,
  type Partition,
  type PartitionerSettings,
  partitionRecords,
} from './partitioner.ts';
