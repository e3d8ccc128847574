import type { Duration, TimeZone } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  BackupMode,
  backupBucket,
  bufferingHints,
  type CommonDestinationProps,
  type CommonDestinationS3Props,
  Compression,
  compact,
  grantObjectWrites,
  s3Configuration,
} from './common.ts';
import {
  type DataFormatConversionProps,
  dataFormatConversionConfiguration,
} from './data-format-conversion.ts';
import {
  type DestinationBindOptions,
  type DestinationConfig,
  deliveryRoles,
  type IDestination,
  MIB,
} from './destination.ts';
import { MetadataExtractionProcessor, processingConfiguration } from './processors.ts';
import { checkRange, failIfInvalid, failWith } from './validation.ts';

/** Dynamic partitioning (spec §6), with aws-cdk-lib's names. */
export interface DynamicPartitioningProps {
  /** Firehose allows it only when the stream is created; it cannot be turned off later. */
  readonly enabled: boolean;
  /** RetryOptions.DurationInSeconds: how long a partition's object is retried before its records go to the error prefix. 0–7200 s, default 300 s. */
  readonly retryDuration?: Duration;
  /**
   * Active partitions the stream may hold (spec §6: Firehose's quota, 500 unless raised, up to 5,000). Records that
   * would open a partition beyond it go to the error prefix as `activePartitionExceeded`. Sluice only; default 500.
   */
  readonly activePartitionLimit?: number;
}

export interface S3BucketProps extends CommonDestinationS3Props, CommonDestinationProps {
  /** Replaces the compression's file extension (spec §3.4). */
  readonly fileExtension?: string;
  /** Time zone of prefix and key timestamps (spec §3.1). Default UTC. */
  readonly timeZone?: TimeZone;
  /** JSON → Parquet with a Glue table's schema (spec §7); needs `compression` UNCOMPRESSED and ≥ 64 MiB buffers. */
  readonly dataFormatConversion?: DataFormatConversionProps;
  /**
   * Routes records to prefixes evaluated from their keys: `!{partitionKeyFromQuery:…}` (MetadataExtractionProcessor)
   * or `!{partitionKeyFromLambda:…}` (LambdaFunctionProcessor) in `dataOutputPrefix`; needs an
   * `errorOutputPrefix`, at least 64 MiB / 60 s of buffering (default 128 MiB when enabled).
   */
  readonly dynamicPartitioning?: DynamicPartitioningProps;
}

/** Delivers to an S3 bucket (Firehose's ExtendedS3 destination). */
export class S3Bucket implements IDestination {
  constructor(
    private readonly bucket: s3.IBucket,
    private readonly props: S3BucketProps = {},
  ) {}

  bind(scope: Construct, options: DestinationBindOptions): DestinationConfig {
    const props = this.props;
    const roles = deliveryRoles(options);
    grantObjectWrites(roles, this.bucket, props.encryptionKey);

    const backup = props.s3Backup;
    if (backup?.mode === BackupMode.FAILED) {
      // Firehose's S3 backup holds every source record; "failed only" exists for the other destinations.
      throw new Error(
        'S3Bucket: s3Backup.mode FAILED is not available for S3 destinations; use BackupMode.ALL.',
      );
    }
    let backupConfiguration: Record<string, unknown> | undefined;
    if (backup) {
      const bucket = backupBucket(scope, 'BackupBucket', backup.bucket);
      grantObjectWrites(roles, bucket, backup.encryptionKey);
      backupConfiguration = s3Configuration(bucket, options.role, backup);
    }

    const partitioning = props.dynamicPartitioning;
    checkDynamicPartitioning(scope, props);
    // Spec §2.1: with dynamic partitioning the default size is 128 MiB (64 at least).
    const hints = bufferingHints(
      props.bufferingInterval,
      props.bufferingSize,
      partitioning?.enabled ? { intervalSeconds: 300, sizeMiB: 128 } : undefined,
    );
    const configuration = compact({
      ...s3Configuration(this.bucket, options.role, props),
      BufferingHints: hints,
      CompressionFormat: (props.compression ?? Compression.UNCOMPRESSED).value,
      ProcessingConfiguration: processingConfiguration(scope, props.processors, roles),
      S3BackupMode: backup ? 'Enabled' : undefined,
      S3BackupConfiguration: backupConfiguration,
      DataFormatConversionConfiguration: dataFormatConversionConfiguration(
        scope,
        props.dataFormatConversion,
        roles,
      ),
      FileExtension: props.fileExtension,
      CustomTimeZone: props.timeZone?.timezoneName,
      DynamicPartitioningConfiguration: partitioning
        ? compact({
            Enabled: partitioning.enabled,
            RetryOptions: partitioning.retryDuration
              ? { DurationInSeconds: partitioning.retryDuration.toSeconds() }
              : undefined,
          })
        : undefined,
    });
    failIfInvalid(scope, 'ExtendedS3DestinationConfiguration', configuration);
    return {
      member: 'ExtendedS3DestinationConfiguration',
      configuration,
      bufferingHints: { sizeBytes: hints.SizeInMBs * MIB, intervalSeconds: hints.IntervalInSeconds },
      metricPrefix: 'DeliveryToS3',
      ...(partitioning?.enabled && partitioning.activePartitionLimit !== undefined
        ? { activePartitionLimit: partitioning.activePartitionLimit }
        : {}),
    };
  }
}

/** The construct's own rules for dynamic partitioning; Firehose's (spec §3.3 #11, §6) are the core's, in failIfInvalid. */
function checkDynamicPartitioning(scope: Construct, props: S3BucketProps): void {
  const partitioning = props.dynamicPartitioning;
  const problems: string[] = [];
  if (
    !partitioning?.enabled &&
    (props.processors ?? []).some((p) => p instanceof MetadataExtractionProcessor)
  ) {
    // Its keys only name partitions: without dynamic partitioning Sluice has no use for them (nor a jq engine).
    problems.push('MetadataExtractionProcessor needs dynamicPartitioning: { enabled: true }.');
  }
  if (partitioning?.retryDuration) {
    checkRange(
      problems,
      'dynamicPartitioning.retryDuration',
      partitioning.retryDuration.toSeconds(),
      0,
      7200,
      'seconds',
    );
  }
  const limit = partitioning?.activePartitionLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 5000)) {
    problems.push(
      `dynamicPartitioning.activePartitionLimit must be a whole number from 1 to 5000 (got ${limit}).`,
    );
  }
  if (!partitioning?.enabled && limit !== undefined) {
    problems.push('dynamicPartitioning.activePartitionLimit needs dynamicPartitioning.enabled.');
  }
  if (partitioning?.enabled && props.dataFormatConversion) {
    // The AWS runtime's partition flush writes the routed records as they are; conversion is not wired in yet.
    problems.push(
      'dynamicPartitioning with dataFormatConversion is not supported by Sluice on AWS yet; convert without partitioning, or partition without conversion.',
    );
  }
  failWith(scope, problems);
}
