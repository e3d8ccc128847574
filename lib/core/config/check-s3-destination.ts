/**
 * Semantic rules for an (extended) S3 destination: the checks AWS answers with
 * InvalidArgumentException once the request is structurally valid. Each rule returns messages; the
 * caller joins them so a user sees every problem in one round trip.
 */

import { checkDataFormatConversion } from '../conversion/index.ts';
import { bounded } from '../errors.ts';
import {
  checkDynamicPartitioning,
  DYNAMIC_PARTITIONING_DEFAULT_INTERVAL_SECONDS,
  DYNAMIC_PARTITIONING_DEFAULT_SIZE_MB,
} from '../partitioning/index.ts';
import { resolveProcessingConfiguration } from '../processors/index.ts';
import { checkS3Prefixes } from '../s3/prefix-rules.ts';
import type {
  BufferingHints,
  CloudWatchLoggingOptions,
  EncryptionConfiguration,
  ExtendedS3DestinationConfiguration,
  S3DestinationConfiguration,
} from './shapes.ts';

// The model only says `arn:.*`; a usable S3 destination needs a bucket name we can write to.
const BUCKET_ARN = /^arn:aws[a-zA-Z-]*:s3:::([\w.-]{1,255})$/;
const ROLE_ARN = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/[a-zA-Z_0-9+=,.@\-/]+$/;
// §3.6: a key or alias ARN.
const KMS_KEY_ARN = /^arn:aws[a-zA-Z-]*:kms:[a-zA-Z0-9-]+:\d{12}:(key|alias)\/[a-zA-Z_0-9+=,.@\-/]+$/;

/** Bucket name from a BucketARN, or undefined when the ARN is not an S3 bucket ARN. */
export function bucketFromArn(bucketArn: string): string | undefined {
  return BUCKET_ARN.exec(bucketArn)?.[1];
}

export function isKmsKeyArn(arn: string): boolean {
  return KMS_KEY_ARN.test(arn);
}

/** True when the IANA zone is known to the runtime's Intl database. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function checkBufferingHints(hints: BufferingHints | undefined, where: string): string[] {
  if (!hints) return [];
  // §2.1: the two hints are only accepted together (model doc of BufferingHints).
  const hasSize = hints.SizeInMBs !== undefined;
  const hasInterval = hints.IntervalInSeconds !== undefined;
  if (hasSize === hasInterval) return [];
  return [
    `${where}.BufferingHints: SizeInMBs and IntervalInSeconds must be specified together (got only ${hasSize ? 'SizeInMBs' : 'IntervalInSeconds'}).`,
  ];
}

function checkEncryption(config: EncryptionConfiguration | undefined, where: string): string[] {
  if (!config) return [];
  const hasNone = config.NoEncryptionConfig !== undefined;
  const hasKms = config.KMSEncryptionConfig !== undefined;
  if (hasNone && hasKms) {
    return [
      `${where}.EncryptionConfiguration: specify either NoEncryptionConfig or KMSEncryptionConfig, not both.`,
    ];
  }
  const keyArn = config.KMSEncryptionConfig?.AWSKMSKeyARN;
  if (keyArn !== undefined && !isKmsKeyArn(keyArn)) {
    return [
      `${where}.EncryptionConfiguration.KMSEncryptionConfig.AWSKMSKeyARN '${bounded(keyArn)}' is not a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>).`,
    ];
  }
  return [];
}

function checkLogging(options: CloudWatchLoggingOptions | undefined, where: string): string[] {
  if (options?.Enabled !== true) return [];
  // Model doc: both names are required when logging is enabled.
  if (options.LogGroupName && options.LogStreamName) return [];
  return [
    `${where}.CloudWatchLoggingOptions: LogGroupName and LogStreamName are required when Enabled is true.`,
  ];
}

/** Rules shared by the primary S3 destination and the S3 backup. */
export function checkS3Destination(
  config: S3DestinationConfiguration,
  where: string,
  destination: 'ExtendedS3' | 'S3',
  dynamicPartitioningEnabled = false,
): string[] {
  const problems: string[] = [];
  if (bucketFromArn(config.BucketARN) === undefined) {
    problems.push(
      `${where}.BucketARN '${bounded(config.BucketARN)}' is not an S3 bucket ARN (expected arn:aws:s3:::<bucket-name>).`,
    );
  }
  if (!ROLE_ARN.test(config.RoleARN)) {
    problems.push(
      `${where}.RoleARN '${bounded(config.RoleARN)}' is not an IAM role ARN (expected arn:aws:iam::<account-id>:role/<name>).`,
    );
  }
  problems.push(...checkBufferingHints(config.BufferingHints, where));
  problems.push(...checkEncryption(config.EncryptionConfiguration, where));
  problems.push(...checkLogging(config.CloudWatchLoggingOptions, where));
  problems.push(
    ...checkS3Prefixes({
      prefix: config.Prefix,
      errorOutputPrefix: config.ErrorOutputPrefix,
      dynamicPartitioningEnabled,
      destination,
    }),
  );
  return problems;
}

const unsupported = (feature: string) =>
  `Sluice does not support ${feature} yet; remove it or disable it to use this configuration with Sluice.`;

/** Every rule of an extended S3 destination (the deprecated S3 shape is normalized to it first). */
export function checkExtendedS3Destination(config: ExtendedS3DestinationConfiguration): string[] {
  const where = 'ExtendedS3DestinationConfiguration';
  // DataFormatConversionConfiguration.Enabled defaults to true (model doc), so a present block without
  // Enabled turns conversion on.
  const conversionEnabled =
    config.DataFormatConversionConfiguration !== undefined &&
    config.DataFormatConversionConfiguration.Enabled !== false;
  const partitioningEnabled = config.DynamicPartitioningConfiguration?.Enabled === true;
  const problems = checkS3Destination(config, where, 'ExtendedS3', partitioningEnabled);

  if (config.DataFormatConversionConfiguration !== undefined) {
    // §7: bounds are checked even when disabled; the destination rules (UNCOMPRESSED, ≥ 64 MiB) when enabled.
    problems.push(
      ...checkDataFormatConversion(config.DataFormatConversionConfiguration, {
        compressionFormat: config.CompressionFormat ?? 'UNCOMPRESSED',
        bufferingSizeBytes:
          config.BufferingHints?.SizeInMBs === undefined
            ? undefined
            : config.BufferingHints.SizeInMBs * 1024 * 1024,
      }),
    );
  }
  if (conversionEnabled && partitioningEnabled) {
    problems.push(unsupported('data format conversion together with dynamic partitioning'));
  }

  const processing = config.ProcessingConfiguration;
  if (processing !== undefined) {
    // §2.2, §5, §6: each processor's parameters, ranges and combinations.
    problems.push(...resolveProcessingConfiguration(processing, { destination: 'ExtendedS3' }).problems);
  }
  // §3.3 rule 11, §2.1, §6: processors the prefix's keys need, and the minimum buffering.
  problems.push(
    ...checkDynamicPartitioning({
      dynamicPartitioningEnabled: partitioningEnabled,
      prefix: config.Prefix,
      processingEnabled: processing?.Enabled === true,
      processorTypes: (processing?.Processors ?? []).map((p) => p.Type),
      bufferingHints: {
        sizeInMBs: config.BufferingHints?.SizeInMBs ?? DYNAMIC_PARTITIONING_DEFAULT_SIZE_MB,
        intervalInSeconds:
          config.BufferingHints?.IntervalInSeconds ?? DYNAMIC_PARTITIONING_DEFAULT_INTERVAL_SECONDS,
      },
    }),
  );

  if (config.CustomTimeZone && !isKnownTimeZone(config.CustomTimeZone)) {
    problems.push(
      `${where}.CustomTimeZone '${bounded(config.CustomTimeZone)}' is not a known IANA time zone.`,
    );
  }

  if (config.S3BackupMode === 'Enabled') {
    if (config.S3BackupConfiguration === undefined) {
      problems.push(`${where}.S3BackupConfiguration is required when S3BackupMode is Enabled.`);
    }
  }
  if (config.S3BackupConfiguration !== undefined) {
    problems.push(
      ...checkS3Destination(config.S3BackupConfiguration, `${where}.S3BackupConfiguration`, 'S3'),
    );
  }
  return problems;
}

export { unsupported as unsupportedFeatureMessage };
