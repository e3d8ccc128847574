import type { ResolvedBufferingHints } from '../config/resolved.ts';
import type { CreateDeliveryStreamInput } from '../config/shapes.ts';
import { type PrefixTemplate, parsePrefix } from '../s3/prefix-template.ts';
import {
  DYNAMIC_PARTITIONING_DEFAULT_INTERVAL_SECONDS,
  DYNAMIC_PARTITIONING_DEFAULT_SIZE_MB,
} from './checks.ts';
import { DEFAULT_ACTIVE_PARTITION_LIMIT } from './partitioner.ts';

/** RetryOptions.DurationInSeconds of DynamicPartitioningConfiguration when absent (spec §3.7). */
export const DEFAULT_PARTITION_RETRY_SECONDS = 300;

/** How a stream with dynamic partitioning routes and retries (spec §6). */
export interface DynamicPartitioning {
  /** The destination's `Prefix`, compiled: a distinct evaluation of it is a partition. */
  readonly prefix: PrefixTemplate;
  readonly timeZone: string;
  /** Active partitions the stream may hold (spec §6: 500 unless raised). */
  readonly activePartitionLimit: number;
  /** How long a partition's object is retried before its records go to the error output (RetryOptions). */
  readonly retryDurationSeconds: number;
  /** Each partition's hints: BufferingHints, whose defaults are 128 MiB and 300 s with dynamic partitioning (§2.1). */
  readonly bufferingHints: ResolvedBufferingHints;
}

/**
 * The dynamic partitioning of a stream's create input, or undefined when it is off. The resolved stream does not
 * carry DynamicPartitioningConfiguration, so this reads the input the catalog stores (already checked by resolve).
 */
export function dynamicPartitioningOf(
  input: CreateDeliveryStreamInput,
  options: { activePartitionLimit?: number } = {},
): DynamicPartitioning | undefined {
  const destination = input.ExtendedS3DestinationConfiguration;
  const configuration = destination?.DynamicPartitioningConfiguration;
  if (!destination || configuration?.Enabled !== true) return undefined;
  return {
    prefix: parsePrefix(destination.Prefix ?? ''),
    timeZone: destination.CustomTimeZone || 'UTC',
    activePartitionLimit: options.activePartitionLimit ?? DEFAULT_ACTIVE_PARTITION_LIMIT,
    retryDurationSeconds: configuration.RetryOptions?.DurationInSeconds ?? DEFAULT_PARTITION_RETRY_SECONDS,
    bufferingHints: {
      sizeBytes:
        (destination.BufferingHints?.SizeInMBs ?? DYNAMIC_PARTITIONING_DEFAULT_SIZE_MB) * 1024 * 1024,
      intervalSeconds:
        destination.BufferingHints?.IntervalInSeconds ?? DYNAMIC_PARTITIONING_DEFAULT_INTERVAL_SECONDS,
    },
  };
}
