import type { ProcessorType } from '../processors/processing-configuration.ts';
import { parsePrefix, partitionKeyNames } from '../s3/prefix-template.ts';

/** Spec §6: at most 50 partition keys. */
export const MAX_PARTITION_KEYS = 50;
/** Spec §2.1: dynamic partitioning needs at least 64 MiB and 60 s of buffering (no zero buffering). */
export const DYNAMIC_PARTITIONING_MIN_SIZE_MB = 64;
export const DYNAMIC_PARTITIONING_MIN_INTERVAL_SECONDS = 60;
/** Spec §2.1: the hints Firehose applies when a stream with dynamic partitioning gives none. */
export const DYNAMIC_PARTITIONING_DEFAULT_SIZE_MB = 128;
export const DYNAMIC_PARTITIONING_DEFAULT_INTERVAL_SECONDS = 300;

/** Messages as CloudFormation / the service print them (quoted by the CDK, spec §2.1 and §3.3 rule 11). */
export const DYNAMIC_PARTITIONING_MESSAGES = {
  processingNotEnabled: 'Processing Configuration is not enabled when DataPartitioning is enabled',
  lambdaMissing:
    'Lambda should be present when S3 Prefix contains keys from partitionKeyFromLambda namespace',
  metadataExtractionMissing:
    'MetadataExtraction processor should be present when S3 Prefix has partitionKeyFromQuery namespace',
  bufferSizeTooSmall: 'BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled',
  bufferIntervalTooShort:
    'BufferingHints.IntervalInSeconds must be at least 60 seconds when Dynamic Partitioning is enabled',
  // Sluice's wording: the limit is documented (spec §6), its message is not.
  tooManyKeys: `The Prefix uses more than ${MAX_PARTITION_KEYS} partition keys; at most ${MAX_PARTITION_KEYS} are allowed`,
} as const;

export interface DynamicPartitioningCheckInput {
  readonly dynamicPartitioningEnabled: boolean;
  readonly prefix: string | undefined;
  /** ProcessingConfiguration.Enabled. */
  readonly processingEnabled: boolean;
  /** The configured processor types (enabled or not). */
  readonly processorTypes: readonly ProcessorType[];
  /** BufferingHints after defaults (with DP on, Firehose's default size is 128). */
  readonly bufferingHints: { readonly sizeInMBs: number; readonly intervalInSeconds: number };
}

/**
 * The rules of dynamic partitioning that need more than the prefixes (spec §3.3 rule 11, §2.1, §6). Prefix-only
 * rules (namespaces present, ErrorOutputPrefix required, no partition keys without DP) are checkS3Prefixes'.
 * An unparsable prefix is reported there too, so it is skipped here.
 */
export function checkDynamicPartitioning(input: DynamicPartitioningCheckInput): string[] {
  const messages: string[] = [];
  let names: ReturnType<typeof partitionKeyNames> | undefined;
  try {
    names = partitionKeyNames(parsePrefix(input.prefix ?? ''));
  } catch {
    names = undefined;
  }
  const has = (type: ProcessorType) => input.processingEnabled && input.processorTypes.includes(type);
  if (input.dynamicPartitioningEnabled) {
    if (!input.processingEnabled) messages.push(DYNAMIC_PARTITIONING_MESSAGES.processingNotEnabled);
    if (input.bufferingHints.sizeInMBs < DYNAMIC_PARTITIONING_MIN_SIZE_MB) {
      messages.push(DYNAMIC_PARTITIONING_MESSAGES.bufferSizeTooSmall);
    }
    if (input.bufferingHints.intervalInSeconds < DYNAMIC_PARTITIONING_MIN_INTERVAL_SECONDS) {
      messages.push(DYNAMIC_PARTITIONING_MESSAGES.bufferIntervalTooShort);
    }
  }
  if (names) {
    if (names.partitionKeyFromLambda.length > 0 && !has('Lambda'))
      messages.push(DYNAMIC_PARTITIONING_MESSAGES.lambdaMissing);
    if (names.partitionKeyFromQuery.length > 0 && !has('MetadataExtraction')) {
      messages.push(DYNAMIC_PARTITIONING_MESSAGES.metadataExtractionMissing);
    }
    const distinct = new Set([...names.partitionKeyFromLambda, ...names.partitionKeyFromQuery]);
    if (distinct.size > MAX_PARTITION_KEYS) messages.push(DYNAMIC_PARTITIONING_MESSAGES.tooManyKeys);
  }
  return messages;
}
