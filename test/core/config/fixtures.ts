export const ctx = { region: 'us-east-1', accountId: '123456789012', nowMs: 1_700_000_000_123 };

export const ROLE = 'arn:aws:iam::123456789012:role/firehose';
export const BUCKET = 'arn:aws:s3:::my-bucket';

export function minimalInput(name = 'clicks'): Record<string, unknown> {
  return {
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: BUCKET },
  };
}

export function fullInput(): Record<string, unknown> {
  return {
    DeliveryStreamName: 'full.stream_1',
    DeliveryStreamType: 'DirectPut',
    DirectPutSourceConfiguration: { ThroughputHintInMBs: 10 },
    DeliveryStreamEncryptionConfigurationInput: {
      KeyType: 'CUSTOMER_MANAGED_CMK',
      KeyARN: 'arn:aws:kms:us-east-1:123456789012:key/abcd-1234',
    },
    ExtendedS3DestinationConfiguration: {
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
      ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
      S3BackupMode: 'Enabled',
      S3BackupConfiguration: {
        RoleARN: ROLE,
        BucketARN: 'arn:aws:s3:::backup-bucket',
        Prefix: 'raw/',
        BufferingHints: { SizeInMBs: 10, IntervalInSeconds: 120 },
        CompressionFormat: 'Snappy',
      },
      DataFormatConversionConfiguration: { Enabled: false },
      DynamicPartitioningConfiguration: { Enabled: false },
      FileExtension: '.json.gz',
      CustomTimeZone: 'Asia/Tokyo',
    },
    Tags: [{ Key: 'team', Value: 'data' }, { Key: 'env' }],
  };
}

/** Runs fn and returns the thrown error's type and message. */
export function errorOf(fn: () => unknown): { type: string; message: string } {
  try {
    fn();
  } catch (error) {
    const e = error as { type?: string; message: string };
    return { type: e.type ?? 'none', message: e.message };
  }
  throw new Error('expected an error');
}
