import type { TimeZone } from 'aws-cdk-lib';
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
import { processingConfiguration } from './processors.ts';
import { failIfInvalid } from './validation.ts';

export interface S3BucketProps extends CommonDestinationS3Props, CommonDestinationProps {
  /** Replaces the compression's file extension (spec §3.4). */
  readonly fileExtension?: string;
  /** Time zone of prefix and key timestamps (spec §3.1). Default UTC. */
  readonly timeZone?: TimeZone;
  /** JSON → Parquet with a Glue table's schema (spec §7); needs `compression` UNCOMPRESSED and ≥ 64 MiB buffers. */
  readonly dataFormatConversion?: DataFormatConversionProps;
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

    const hints = bufferingHints(props.bufferingInterval, props.bufferingSize);
    const configuration = compact({
      ...s3Configuration(this.bucket, options.role, props),
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
    });
    failIfInvalid(scope, 'ExtendedS3DestinationConfiguration', configuration);
    return {
      member: 'ExtendedS3DestinationConfiguration',
      configuration,
      bufferingHints: { sizeBytes: hints.SizeInMBs * MIB, intervalSeconds: hints.IntervalInSeconds },
      metricPrefix: 'DeliveryToS3',
    };
  }
}
