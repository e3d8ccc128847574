import { describe, expect, it } from 'vitest';
import { describeStream } from '../../../lib/core/config/describe.ts';
import { resolveCreateInput } from '../../../lib/core/config/resolve-stream.ts';
import { BUCKET, ctx, fullInput, minimalInput, ROLE } from './fixtures.ts';

describe('describeStream', () => {
  it('fills every default for a minimal create (spec §1.6)', () => {
    const stored = resolveCreateInput(minimalInput(), ctx);
    const s3Defaults = {
      RoleARN: ROLE,
      BucketARN: BUCKET,
      Prefix: '',
      BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
      CompressionFormat: 'UNCOMPRESSED',
      EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
      CloudWatchLoggingOptions: { Enabled: false },
    };
    expect(describeStream(stored, ctx)).toEqual({
      DeliveryStreamName: 'clicks',
      DeliveryStreamARN: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks',
      DeliveryStreamStatus: 'CREATING',
      DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
      DeliveryStreamType: 'DirectPut',
      VersionId: '1',
      CreateTimestamp: 1_700_000_000.123,
      Source: { DirectPutSourceDescription: {} },
      Destinations: [
        {
          DestinationId: 'destinationId-000000000001',
          S3DestinationDescription: s3Defaults,
          ExtendedS3DestinationDescription: { ...s3Defaults, S3BackupMode: 'Disabled' },
        },
      ],
      HasMoreDestinations: false,
    });
  });

  it('echoes every member of a full create', () => {
    const stored = {
      ...resolveCreateInput(fullInput(), ctx),
      status: 'ACTIVE' as const,
      lastUpdateTimestampMs: 1_700_000_100_000,
    };
    const primary = {
      RoleARN: ROLE,
      BucketARN: BUCKET,
      Prefix: 'logs/!{timestamp:yyyy/MM/dd}/',
      ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 0 },
      CompressionFormat: 'GZIP',
      EncryptionConfiguration: {
        KMSEncryptionConfig: { AWSKMSKeyARN: 'arn:aws:kms:us-east-1:123456789012:alias/s3' },
      },
      CloudWatchLoggingOptions: {
        Enabled: true,
        LogGroupName: '/aws/kinesisfirehose/full',
        LogStreamName: 'S3Delivery',
      },
    };
    expect(describeStream(stored, ctx)).toEqual({
      DeliveryStreamName: 'full.stream_1',
      DeliveryStreamARN: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/full.stream_1',
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamEncryptionConfiguration: {
        KeyARN: 'arn:aws:kms:us-east-1:123456789012:key/abcd-1234',
        KeyType: 'CUSTOMER_MANAGED_CMK',
        Status: 'ENABLED',
      },
      DeliveryStreamType: 'DirectPut',
      VersionId: '1',
      CreateTimestamp: 1_700_000_000.123,
      LastUpdateTimestamp: 1_700_000_100,
      Source: { DirectPutSourceDescription: { ThroughputHintInMBs: 10 } },
      Destinations: [
        {
          DestinationId: 'destinationId-000000000001',
          S3DestinationDescription: primary,
          ExtendedS3DestinationDescription: {
            ...primary,
            ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
            S3BackupMode: 'Enabled',
            S3BackupDescription: {
              RoleARN: ROLE,
              BucketARN: 'arn:aws:s3:::backup-bucket',
              Prefix: 'raw/',
              BufferingHints: { SizeInMBs: 10, IntervalInSeconds: 120 },
              CompressionFormat: 'Snappy',
              EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
              CloudWatchLoggingOptions: { Enabled: false },
            },
            DataFormatConversionConfiguration: { Enabled: false },
            DynamicPartitioningConfiguration: { Enabled: false, RetryOptions: { DurationInSeconds: 300 } },
            FileExtension: '.json.gz',
            CustomTimeZone: 'Asia/Tokyo',
          },
        },
      ],
      HasMoreDestinations: false,
    });
  });

  it('describes a Kinesis source without stream-level SSE', () => {
    const stored = resolveCreateInput(
      {
        ...minimalInput('k'),
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
          RoleARN: ROLE,
        },
      },
      ctx,
    );
    const description = describeStream(stored, ctx);
    expect(description.Source).toEqual({
      KinesisStreamSourceDescription: {
        KinesisStreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
        RoleARN: ROLE,
        DeliveryStartTimestamp: 1_700_000_000.123,
      },
    });
    expect(description).not.toHaveProperty('DeliveryStreamEncryptionConfiguration');
    expect(description.DeliveryStreamType).toBe('KinesisStreamAsSource');
  });
});
