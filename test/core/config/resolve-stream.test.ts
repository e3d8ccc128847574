import { describe, expect, it } from 'vitest';
import { resolveCreateInput, toResolvedStream } from '../../../lib/core/config/resolve-stream.ts';
import { BUCKET, ctx, errorOf, fullInput, minimalInput, ROLE } from './fixtures.ts';

const create = (input: unknown) => resolveCreateInput(input, ctx);
const withS3 = (extra: Record<string, unknown>) => ({
  DeliveryStreamName: 's',
  ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: BUCKET, ...extra },
});

describe('resolveCreateInput: the stored form', () => {
  it('stores a minimal create normalized, CREATING, version 1', () => {
    expect(create(minimalInput())).toEqual({
      input: {
        DeliveryStreamName: 'clicks',
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: BUCKET },
      },
      versionId: '1',
      status: 'CREATING',
      createTimestampMs: 1_700_000_000_123,
      tags: [],
    });
  });

  it('moves the deprecated S3DestinationConfiguration to ExtendedS3', () => {
    const stored = create({
      DeliveryStreamName: 'old',
      S3DestinationConfiguration: { RoleARN: ROLE, BucketARN: BUCKET },
    });
    expect(stored.input).toEqual({
      DeliveryStreamName: 'old',
      DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: BUCKET },
    });
  });

  it('keeps tags apart from the input and is JSON-serialisable', () => {
    const stored = create(fullInput());
    expect(stored.tags).toEqual([{ Key: 'team', Value: 'data' }, { Key: 'env' }]);
    expect(stored.input).not.toHaveProperty('Tags');
    expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);
  });

  it('accepts KinesisStreamAsSource with its configuration', () => {
    const stored = create({
      ...minimalInput('k'),
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: {
        KinesisStreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
        RoleARN: ROLE,
      },
    });
    expect(stored.input.DeliveryStreamType).toBe('KinesisStreamAsSource');
  });
});

describe('toResolvedStream', () => {
  it('fills the defaults for a minimal stream', () => {
    expect(toResolvedStream(create(minimalInput()), ctx)).toEqual({
      name: 'clicks',
      arn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks',
      type: 'DirectPut',
      versionId: '1',
      destinationId: 'destinationId-000000000001',
      createTimestampMs: 1_700_000_000_123,
      lastUpdateTimestampMs: undefined,
      destination: {
        bucketArn: BUCKET,
        bucket: 'my-bucket',
        roleArn: ROLE,
        prefix: '',
        errorOutputPrefix: undefined,
        bufferingHints: { sizeBytes: 5 * 1048576, intervalSeconds: 300 },
        compressionFormat: 'UNCOMPRESSED',
        kmsKeyArn: undefined,
        fileExtension: undefined,
        customTimeZone: 'UTC',
        processors: [],
        s3BackupMode: 'Disabled',
        backup: undefined,
      },
      tags: [],
    });
  });

  it('resolves every field of a full stream, backup included', () => {
    const resolved = toResolvedStream(create(fullInput()), ctx);
    expect(resolved.destination).toEqual({
      bucketArn: BUCKET,
      bucket: 'my-bucket',
      roleArn: ROLE,
      prefix: 'logs/!{timestamp:yyyy/MM/dd}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      bufferingHints: { sizeBytes: 64 * 1048576, intervalSeconds: 0 },
      compressionFormat: 'GZIP',
      kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:alias/s3',
      fileExtension: '.json.gz',
      customTimeZone: 'Asia/Tokyo',
      processors: [{ type: 'AppendDelimiterToRecord', parameters: {} }],
      s3BackupMode: 'Enabled',
      backup: {
        bucketArn: 'arn:aws:s3:::backup-bucket',
        bucket: 'backup-bucket',
        roleArn: ROLE,
        prefix: 'raw/',
        errorOutputPrefix: undefined,
        bufferingHints: { sizeBytes: 10 * 1048576, intervalSeconds: 120 },
        compressionFormat: 'Snappy',
        kmsKeyArn: undefined,
      },
    });
    expect(resolved.tags).toEqual([{ Key: 'team', Value: 'data' }, { Key: 'env' }]);
  });

  it('ignores processors of a disabled ProcessingConfiguration', () => {
    const stored = create(
      withS3({
        ProcessingConfiguration: {
          Enabled: false,
          Processors: [
            {
              Type: 'Lambda',
              Parameters: [
                {
                  ParameterName: 'LambdaArn',
                  ParameterValue: 'arn:aws:lambda:us-east-1:123456789012:function:f',
                },
              ],
            },
          ],
        },
      }),
    );
    expect(toResolvedStream(stored, ctx).destination.processors).toEqual([]);
  });
});

describe('resolveCreateInput: shape rules (ValidationException)', () => {
  it('reports a case-mismatched enum in the recorded AWS format', () => {
    expect(errorOf(() => create(withS3({ CompressionFormat: 'SNAPPY' })))).toEqual({
      type: 'ValidationException',
      message:
        "1 validation error detected: Value 'SNAPPY' at 'extendedS3DestinationConfiguration.compressionFormat' failed to satisfy constraint: Member must satisfy enum value set: [ZIP, HADOOP_SNAPPY, Snappy, GZIP, UNCOMPRESSED]",
    });
  });

  it('collects every violation into one exception', () => {
    const input = {
      DeliveryStreamName: 'bad name!',
      ExtendedS3DestinationConfiguration: {
        BucketARN: BUCKET,
        BufferingHints: { SizeInMBs: 129, IntervalInSeconds: 901 },
        Bufferinghints: { SizeInMBs: 1 },
        FileExtension: '.GZ',
        CustomTimeZone: 'Etc/GMT+1',
      },
      Tags: [{ Key: 'aws:owner', Value: 'x' }],
    };
    expect(errorOf(() => create(input))).toEqual({
      type: 'ValidationException',
      message: [
        "8 validation errors detected: Value 'bad name!' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        "Value null at 'extendedS3DestinationConfiguration.roleARN' failed to satisfy constraint: Member must not be null",
        "Value '129' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128",
        "Value '901' at 'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 900",
        `Value '{"SizeInMBs":1}' at 'extendedS3DestinationConfiguration.bufferinghints' failed to satisfy constraint: Member must be a known member of ExtendedS3DestinationConfiguration`,
        "Value '.GZ' at 'extendedS3DestinationConfiguration.fileExtension' failed to satisfy constraint: Member must satisfy regular expression pattern: ^$|\\.[0-9a-z!\\-_.*'()]+",
        "Value 'Etc/GMT+1' at 'extendedS3DestinationConfiguration.customTimeZone' failed to satisfy constraint: Member must satisfy regular expression pattern: ^$|[a-zA-Z/_]+",
        "Value 'aws:owner' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$",
      ].join('; '),
    });
  });

  it('checks lengths of the name, tags and tag lists', () => {
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}` }));
    const error = errorOf(() => create({ ...minimalInput('x'.repeat(65)), Tags: tags }));
    expect(error.type).toBe('ValidationException');
    expect(error.message).toContain(
      "at 'deliveryStreamName' failed to satisfy constraint: Member must have length less than or equal to 64",
    );
    expect(error.message).toContain(
      "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    );
    expect(errorOf(() => create({ ...minimalInput(), Tags: [] })).message).toBe(
      "1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('accepts the range edges of BufferingHints and rejects one past them', () => {
    expect(() => create(withS3({ BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } }))).not.toThrow();
    expect(() =>
      create(withS3({ BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 } })),
    ).not.toThrow();
    expect(
      errorOf(() => create(withS3({ BufferingHints: { SizeInMBs: 0, IntervalInSeconds: -1 } }))).message,
    ).toBe(
      "2 validation errors detected: Value '0' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '-1' at 'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 0",
    );
  });

  it('rejects values of the wrong JSON type with SerializationException', () => {
    expect(
      errorOf(() => create(withS3({ BufferingHints: { SizeInMBs: '5', IntervalInSeconds: 60 } }))),
    ).toEqual({
      type: 'SerializationException',
      message:
        "Expected an integer at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' but found string.",
    });
    expect(errorOf(() => create('nope')).type).toBe('SerializationException');
  });

  it('requires the KMS key ARN inside KMSEncryptionConfig', () => {
    expect(
      errorOf(() => create(withS3({ EncryptionConfiguration: { KMSEncryptionConfig: {} } }))).message,
    ).toBe(
      "1 validation error detected: Value null at 'extendedS3DestinationConfiguration.encryptionConfiguration.kMSEncryptionConfig.aWSKMSKeyARN' failed to satisfy constraint: Member must not be null",
    );
  });

  it('reports shape problems before semantic ones', () => {
    const error = errorOf(() =>
      create({ DeliveryStreamName: 's', ExtendedS3DestinationConfiguration: { BucketARN: 'nope' } }),
    );
    expect(error.type).toBe('ValidationException');
  });
});

describe('resolveCreateInput: semantic rules (InvalidArgumentException)', () => {
  it('requires exactly one destination, with the observed AWS message', () => {
    expect(errorOf(() => create({ DeliveryStreamName: 's' }))).toEqual({
      type: 'InvalidArgumentException',
      message: 'Exactly one destination configuration is supported for a Firehose',
    });
    const two = {
      DeliveryStreamName: 's',
      S3DestinationConfiguration: { RoleARN: ROLE, BucketARN: BUCKET },
      ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: BUCKET },
    };
    expect(errorOf(() => create(two)).message).toBe(
      'Exactly one destination configuration is supported for a Firehose',
    );
  });

  it('says clearly that other destination families are not supported yet', () => {
    expect(
      errorOf(() =>
        create({
          DeliveryStreamName: 's',
          SplunkDestinationConfiguration: {
            HECEndpoint: 'https://splunk.example.com:8088',
            HECEndpointType: 'Raw',
            HECToken: 'secret-token',
            S3Configuration: {
              RoleARN: 'arn:aws:iam::000000000000:role/firehose',
              BucketARN: 'arn:aws:s3:::b',
            },
          },
        }),
      ),
    ).toEqual({
      type: 'InvalidArgumentException',
      message:
        'Sluice does not support the SplunkDestination (S3, HTTP endpoint, OpenSearch and Redshift destinations are available) yet; remove it or disable it to use this configuration with Sluice.',
    });
  });

  it('rejects MSK and database sources as not supported yet', () => {
    const error = errorOf(() => create({ ...minimalInput(), DeliveryStreamType: 'MSKAsSource' }));
    expect(error).toEqual({
      type: 'InvalidArgumentException',
      message:
        'Sluice does not support Amazon MSK as a source (MSKAsSource) yet; remove it or disable it to use this configuration with Sluice.',
    });
  });

  it('checks the source configuration against DeliveryStreamType', () => {
    expect(
      errorOf(() => create({ ...minimalInput(), DeliveryStreamType: 'KinesisStreamAsSource' })).message,
    ).toBe('KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource.');
  });

  it('rejects a bucket ARN that names no bucket and a malformed role ARN', () => {
    expect(
      errorOf(() =>
        create({
          DeliveryStreamName: 's',
          ExtendedS3DestinationConfiguration: {
            RoleARN: 'arn:aws:iam::1:user/x',
            BucketARN: 'arn:aws:s3:::',
          },
        }),
      ),
    ).toEqual({
      type: 'InvalidArgumentException',
      message:
        "ExtendedS3DestinationConfiguration.BucketARN 'arn:aws:s3:::' is not an S3 bucket ARN (expected arn:aws:s3:::<bucket-name>).; ExtendedS3DestinationConfiguration.RoleARN 'arn:aws:iam::1:user/x' is not an IAM role ARN (expected arn:aws:iam::<account-id>:role/<name>).",
    });
  });

  it('accepts partition-specific ARNs and extracts the bucket', () => {
    const stored = create({
      DeliveryStreamName: 's',
      ExtendedS3DestinationConfiguration: {
        RoleARN: 'arn:aws-cn:iam::123456789012:role/r',
        BucketARN: 'arn:aws-cn:s3:::cn.bucket-1',
      },
    });
    expect(toResolvedStream(stored, ctx).destination.bucket).toBe('cn.bucket-1');
  });

  it('requires SizeInMBs and IntervalInSeconds together', () => {
    expect(errorOf(() => create(withS3({ BufferingHints: { SizeInMBs: 10 } })))).toEqual({
      type: 'InvalidArgumentException',
      message:
        'ExtendedS3DestinationConfiguration.BufferingHints: SizeInMBs and IntervalInSeconds must be specified together (got only SizeInMBs).',
    });
  });

  it('rejects a time zone Intl does not know', () => {
    expect(errorOf(() => create(withS3({ CustomTimeZone: 'Mars/Olympus' })))).toEqual({
      type: 'InvalidArgumentException',
      message:
        "ExtendedS3DestinationConfiguration.CustomTimeZone 'Mars/Olympus' is not a known IANA time zone.",
    });
    expect(() => create(withS3({ CustomTimeZone: '' }))).not.toThrow();
  });

  it('rejects both encryption choices at once and a non-KMS key ARN', () => {
    const both = {
      NoEncryptionConfig: 'NoEncryption',
      KMSEncryptionConfig: { AWSKMSKeyARN: 'arn:aws:kms:us-east-1:123456789012:key/k' },
    };
    expect(errorOf(() => create(withS3({ EncryptionConfiguration: both }))).message).toBe(
      'ExtendedS3DestinationConfiguration.EncryptionConfiguration: specify either NoEncryptionConfig or KMSEncryptionConfig, not both.',
    );
    expect(
      errorOf(() =>
        create(
          withS3({ EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: 'arn:aws:s3:::x' } } }),
        ),
      ).message,
    ).toBe(
      "ExtendedS3DestinationConfiguration.EncryptionConfiguration.KMSEncryptionConfig.AWSKMSKeyARN 'arn:aws:s3:::x' is not a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>).",
    );
  });

  it('requires S3BackupConfiguration when S3BackupMode is Enabled', () => {
    expect(errorOf(() => create(withS3({ S3BackupMode: 'Enabled' })))).toEqual({
      type: 'InvalidArgumentException',
      message:
        'ExtendedS3DestinationConfiguration.S3BackupConfiguration is required when S3BackupMode is Enabled.',
    });
  });

  it('checks format conversion (§7) and refuses it together with dynamic partitioning', () => {
    const error = errorOf(() =>
      create(
        withS3({
          DataFormatConversionConfiguration: { SchemaConfiguration: {} },
          DynamicPartitioningConfiguration: { Enabled: true },
          BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
          Prefix: 'p/!{timestamp:yyyy}/',
          ErrorOutputPrefix: 'e/!{firehose:error-output-type}/',
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              {
                Type: 'Lambda',
                Parameters: [
                  {
                    ParameterName: 'LambdaArn',
                    ParameterValue: 'arn:aws:lambda:us-east-1:123456789012:function:f',
                  },
                ],
              },
            ],
          },
        }),
      ),
    );
    expect(error.type).toBe('InvalidArgumentException');
    expect(error.message).toContain(
      'DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer must specify exactly one of OpenXJsonSerDe or HiveJsonSerDe',
    );
    expect(error.message).toContain(
      'DataFormatConversionConfiguration.SchemaConfiguration.TableName is required',
    );
    expect(error.message).toContain(
      'Sluice does not support data format conversion together with dynamic partitioning yet',
    );
    // Dynamic partitioning itself is supported; its own rules (§3.3 rule 11) are reported with the others.
    expect(error.message).not.toContain('Sluice does not support dynamic partitioning');
    expect(error.message).toContain(
      'S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled',
    );
  });

  it('accepts disabled format conversion and dynamic partitioning', () => {
    expect(() =>
      create(
        withS3({
          DataFormatConversionConfiguration: { Enabled: false },
          DynamicPartitioningConfiguration: { Enabled: false },
        }),
      ),
    ).not.toThrow();
  });

  it('rejects duplicate tag keys', () => {
    expect(
      errorOf(() => create({ ...minimalInput(), Tags: [{ Key: 'a' }, { Key: 'a', Value: 'b' }] })),
    ).toEqual({
      type: 'InvalidArgumentException',
      message: "Tags: the tag key 'a' is given more than once.",
    });
  });

  it('applies the prefix rules of §3.3 (AWS message for a missing error prefix)', () => {
    const error = errorOf(() => create(withS3({ Prefix: 'logs/!{timestamp:yyyy}/' })));
    expect(error.type).toBe('InvalidArgumentException');
    expect(error.message).toContain(
      'ErrorOutputPrefix cannot be null or empty when Prefix contains expressions',
    );
  });

  it('joins every semantic problem into one exception', () => {
    const input = {
      DeliveryStreamName: 's',
      ExtendedS3DestinationConfiguration: {
        RoleARN: ROLE,
        BucketARN: 'arn:aws:sqs:::q',
        BufferingHints: { IntervalInSeconds: 60 },
        S3BackupMode: 'Enabled',
      },
      Tags: [{ Key: 'a' }, { Key: 'a' }],
    };
    expect(errorOf(() => create(input))).toEqual({
      type: 'InvalidArgumentException',
      message: [
        "Tags: the tag key 'a' is given more than once.",
        "ExtendedS3DestinationConfiguration.BucketARN 'arn:aws:sqs:::q' is not an S3 bucket ARN (expected arn:aws:s3:::<bucket-name>).",
        'ExtendedS3DestinationConfiguration.BufferingHints: SizeInMBs and IntervalInSeconds must be specified together (got only IntervalInSeconds).',
        'ExtendedS3DestinationConfiguration.S3BackupConfiguration is required when S3BackupMode is Enabled.',
      ].join('; '),
    });
  });
});
