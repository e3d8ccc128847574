/**
 * DescribeDeliveryStream output (spec §1.6) for a stored stream, with the defaults AWS fills in.
 * Shapes and member names follow botocore's `DeliveryStreamDescription`; timestamps are JSON 1.1
 * timestamps, i.e. epoch seconds (fractions allowed).
 */
import { DESTINATION_ID, extendedS3Of, type StoredStream, streamArn, writerOf } from './resolve-stream.ts';
import type { S3DestinationConfiguration } from './shapes.ts';

export type DeliveryStreamDescription = Record<string, unknown>;

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The members an S3 destination always shows, defaults included ([LS] snapshot, steampipe#769). */
function describeS3(config: S3DestinationConfiguration): Record<string, unknown> {
  const description: Record<string, unknown> = {
    RoleARN: config.RoleARN,
    BucketARN: config.BucketARN,
    Prefix: config.Prefix ?? '',
    BufferingHints: {
      SizeInMBs: config.BufferingHints?.SizeInMBs ?? 5,
      IntervalInSeconds: config.BufferingHints?.IntervalInSeconds ?? 300,
    },
    CompressionFormat: config.CompressionFormat ?? 'UNCOMPRESSED',
    EncryptionConfiguration: config.EncryptionConfiguration?.KMSEncryptionConfig
      ? { KMSEncryptionConfig: clone(config.EncryptionConfiguration.KMSEncryptionConfig) }
      : { NoEncryptionConfig: 'NoEncryption' },
    CloudWatchLoggingOptions: config.CloudWatchLoggingOptions
      ? clone(config.CloudWatchLoggingOptions)
      : { Enabled: false },
  };
  if (config.ErrorOutputPrefix !== undefined) description.ErrorOutputPrefix = config.ErrorOutputPrefix;
  const logging = description.CloudWatchLoggingOptions as Record<string, unknown>;
  if (logging.Enabled === undefined) logging.Enabled = false;
  return description;
}

function describeS3Destinations(stored: StoredStream): Record<string, unknown> {
  const config = extendedS3Of(stored);
  const extended: Record<string, unknown> = describeS3(config);
  if (config.ProcessingConfiguration !== undefined) {
    extended.ProcessingConfiguration = clone(config.ProcessingConfiguration);
  }
  extended.S3BackupMode = config.S3BackupMode ?? 'Disabled';
  if (config.S3BackupConfiguration !== undefined) {
    extended.S3BackupDescription = describeS3(config.S3BackupConfiguration);
  }
  if (config.DataFormatConversionConfiguration !== undefined) {
    extended.DataFormatConversionConfiguration = {
      ...clone(config.DataFormatConversionConfiguration),
      Enabled: config.DataFormatConversionConfiguration.Enabled ?? true,
    };
  }
  if (config.DynamicPartitioningConfiguration !== undefined) {
    const dp = config.DynamicPartitioningConfiguration;
    extended.DynamicPartitioningConfiguration = {
      Enabled: dp.Enabled ?? false,
      RetryOptions: { DurationInSeconds: dp.RetryOptions?.DurationInSeconds ?? 300 },
    };
  }
  if (config.FileExtension !== undefined) extended.FileExtension = config.FileExtension;
  if (config.CustomTimeZone !== undefined) extended.CustomTimeZone = config.CustomTimeZone;

  return {
    DestinationId: DESTINATION_ID,
    // AWS returns the legacy S3 description alongside the extended one for every S3 stream (§1.6).
    S3DestinationDescription: describeS3(config),
    ExtendedS3DestinationDescription: extended,
  };
}

export function describeStream(
  stored: StoredStream,
  ctx: { region: string; accountId: string },
): DeliveryStreamDescription {
  const input = stored.input;
  const type = input.DeliveryStreamType ?? 'DirectPut';
  const writer = writerOf(stored);
  const destination = writer
    ? {
        DestinationId: DESTINATION_ID,
        [writer.kind.descriptionMember]: {
          ...writer.kind.describe(writer.config),
          S3DestinationDescription: describeS3(writer.config.S3Configuration as S3DestinationConfiguration),
          ...(writer.config.S3BackupConfiguration !== undefined
            ? {
                S3BackupDescription: describeS3(
                  writer.config.S3BackupConfiguration as S3DestinationConfiguration,
                ),
              }
            : {}),
        },
      }
    : describeS3Destinations(stored);

  const description: DeliveryStreamDescription = {
    DeliveryStreamName: input.DeliveryStreamName,
    DeliveryStreamARN: streamArn(ctx, input.DeliveryStreamName),
    DeliveryStreamStatus: stored.status,
  };
  // SSE only exists for Direct PUT (§12); the Kinesis-source snapshot shows no such member.
  if (type === 'DirectPut') {
    const sse = input.DeliveryStreamEncryptionConfigurationInput;
    description.DeliveryStreamEncryptionConfiguration = sse
      ? {
          ...(sse.KeyARN !== undefined ? { KeyARN: sse.KeyARN } : {}),
          KeyType: sse.KeyType,
          Status: 'ENABLED',
        }
      : { Status: 'DISABLED' };
  }
  description.DeliveryStreamType = type;
  description.VersionId = stored.versionId;
  description.CreateTimestamp = stored.createTimestampMs / 1000;
  if (stored.lastUpdateTimestampMs !== undefined)
    description.LastUpdateTimestamp = stored.lastUpdateTimestampMs / 1000;
  if (type === 'KinesisStreamAsSource' && input.KinesisStreamSourceConfiguration) {
    description.Source = {
      KinesisStreamSourceDescription: {
        KinesisStreamARN: input.KinesisStreamSourceConfiguration.KinesisStreamARN,
        RoleARN: input.KinesisStreamSourceConfiguration.RoleARN,
        // Reading starts at LATEST when the stream is created (§12).
        DeliveryStartTimestamp: stored.createTimestampMs / 1000,
      },
    };
  } else {
    description.Source = {
      DirectPutSourceDescription: input.DirectPutSourceConfiguration
        ? { ThroughputHintInMBs: input.DirectPutSourceConfiguration.ThroughputHintInMBs }
        : {},
    };
  }
  description.Destinations = [destination];
  description.HasMoreDestinations = false;
  return description;
}
