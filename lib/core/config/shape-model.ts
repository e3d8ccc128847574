/**
 * The slice of Firehose's service model (botocore `firehose/2015-08-04/service-2.json`) that Sluice
 * validates requests against: the same min/max/pattern/enum constraints, so a request AWS refuses
 * with a ValidationException is refused here with the same member path and constraint text.
 */
import { botocoreShape } from './botocore-shapes.ts';
import type { ShapeSpec } from './validate-shape.ts';

const str = (min?: number, max?: number, pattern?: string): ShapeSpec => ({
  kind: 'string',
  min,
  max,
  pattern,
});
const int = (min?: number, max?: number): ShapeSpec => ({ kind: 'integer', min, max });
const bool: ShapeSpec = { kind: 'boolean' };
const opaque: ShapeSpec = { kind: 'opaque' };
const enumOf = (values: readonly string[], enumDisplay?: readonly string[]): ShapeSpec => ({
  kind: 'string',
  enum: values,
  enumDisplay,
});

export const DELIVERY_STREAM_NAME = str(1, 64, '[a-zA-Z0-9_.-]+');
const ARN_512 = str(1, 512, 'arn:.*');
const BUCKET_ARN = str(1, 2048, 'arn:.*');
const PREFIX = str(0, 1024);
export const DELIVERY_STREAM_TYPE = enumOf([
  'DirectPut',
  'KinesisStreamAsSource',
  'MSKAsSource',
  'DatabaseAsSource',
]);

/** The enum set exactly as AWS printed it in a recorded error (spec §1.1), not the model's order. */
const COMPRESSION_FORMAT = enumOf(
  ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'],
  ['ZIP', 'HADOOP_SNAPPY', 'Snappy', 'GZIP', 'UNCOMPRESSED'],
);

const BUFFERING_HINTS: ShapeSpec = {
  kind: 'structure',
  name: 'BufferingHints',
  members: { SizeInMBs: int(1, 128), IntervalInSeconds: int(0, 900) },
};

const ENCRYPTION_CONFIGURATION: ShapeSpec = {
  kind: 'structure',
  name: 'EncryptionConfiguration',
  members: {
    NoEncryptionConfig: enumOf(['NoEncryption']),
    KMSEncryptionConfig: {
      kind: 'structure',
      name: 'KMSEncryptionConfig',
      members: { AWSKMSKeyARN: ARN_512 },
      required: ['AWSKMSKeyARN'],
    },
  },
};

const CLOUDWATCH_LOGGING_OPTIONS: ShapeSpec = {
  kind: 'structure',
  name: 'CloudWatchLoggingOptions',
  members: {
    Enabled: bool,
    LogGroupName: str(0, 512, '[\\.\\-_/#A-Za-z0-9]*'),
    LogStreamName: str(0, 512, '[^:*]*'),
  },
};

const PROCESSING_CONFIGURATION: ShapeSpec = {
  kind: 'structure',
  name: 'ProcessingConfiguration',
  members: {
    Enabled: bool,
    Processors: {
      kind: 'list',
      member: {
        kind: 'structure',
        name: 'Processor',
        required: ['Type'],
        members: {
          Type: enumOf([
            'RecordDeAggregation',
            'Decompression',
            'CloudWatchLogProcessing',
            'Lambda',
            'MetadataExtraction',
            'AppendDelimiterToRecord',
          ]),
          Parameters: {
            kind: 'list',
            member: {
              kind: 'structure',
              name: 'ProcessorParameter',
              required: ['ParameterName', 'ParameterValue'],
              members: {
                ParameterName: enumOf([
                  'LambdaArn',
                  'NumberOfRetries',
                  'MetadataExtractionQuery',
                  'JsonParsingEngine',
                  'RoleArn',
                  'BufferSizeInMBs',
                  'BufferIntervalInSeconds',
                  'SubRecordType',
                  'Delimiter',
                  'CompressionFormat',
                  'DataMessageExtraction',
                ]),
                ParameterValue: str(1, 5120, '^(?!\\s*$).+'),
              },
            },
          },
        },
      },
    },
  },
};

const DATA_FORMAT_CONVERSION: ShapeSpec = {
  kind: 'structure',
  name: 'DataFormatConversionConfiguration',
  members: {
    Enabled: bool,
    SchemaConfiguration: botocoreShape('SchemaConfiguration'),
    InputFormatConfiguration: botocoreShape('InputFormatConfiguration'),
    OutputFormatConfiguration: botocoreShape('OutputFormatConfiguration'),
  },
};

const DYNAMIC_PARTITIONING: ShapeSpec = {
  kind: 'structure',
  name: 'DynamicPartitioningConfiguration',
  members: {
    Enabled: bool,
    RetryOptions: { kind: 'structure', name: 'RetryOptions', members: { DurationInSeconds: int(0, 7200) } },
  },
};

const S3_MEMBERS: Record<string, ShapeSpec> = {
  RoleARN: ARN_512,
  BucketARN: BUCKET_ARN,
  Prefix: PREFIX,
  ErrorOutputPrefix: PREFIX,
  BufferingHints: BUFFERING_HINTS,
  CompressionFormat: COMPRESSION_FORMAT,
  EncryptionConfiguration: ENCRYPTION_CONFIGURATION,
  CloudWatchLoggingOptions: CLOUDWATCH_LOGGING_OPTIONS,
};

const S3_DESTINATION_CONFIGURATION: ShapeSpec = {
  kind: 'structure',
  name: 'S3DestinationConfiguration',
  members: S3_MEMBERS,
  required: ['RoleARN', 'BucketARN'],
};

const S3_BACKUP_MODE = enumOf(['Disabled', 'Enabled']);

const EXTENDED_S3_MEMBERS: Record<string, ShapeSpec> = {
  ...S3_MEMBERS,
  ProcessingConfiguration: PROCESSING_CONFIGURATION,
  S3BackupMode: S3_BACKUP_MODE,
  DataFormatConversionConfiguration: DATA_FORMAT_CONVERSION,
  DynamicPartitioningConfiguration: DYNAMIC_PARTITIONING,
  FileExtension: str(0, 128, "^$|\\.[0-9a-z!\\-_.*'()]+"),
  CustomTimeZone: str(0, 50, '^$|[a-zA-Z/_]+'),
};

const EXTENDED_S3_DESTINATION_CONFIGURATION: ShapeSpec = {
  kind: 'structure',
  name: 'ExtendedS3DestinationConfiguration',
  members: { ...EXTENDED_S3_MEMBERS, S3BackupConfiguration: S3_DESTINATION_CONFIGURATION },
  required: ['RoleARN', 'BucketARN'],
};

const S3_DESTINATION_UPDATE: ShapeSpec = {
  kind: 'structure',
  name: 'S3DestinationUpdate',
  members: S3_MEMBERS,
};

const EXTENDED_S3_DESTINATION_UPDATE: ShapeSpec = {
  kind: 'structure',
  name: 'ExtendedS3DestinationUpdate',
  members: { ...EXTENDED_S3_MEMBERS, S3BackupUpdate: S3_DESTINATION_UPDATE },
};

const TAG_KEY = str(1, 128, '^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$');
const TAG: ShapeSpec = {
  kind: 'structure',
  name: 'Tag',
  required: ['Key'],
  members: { Key: TAG_KEY, Value: str(0, 256, '^[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$') },
};
const TAG_LIST: ShapeSpec = { kind: 'list', member: TAG, min: 1, max: 50 };

export const CREATE_DELIVERY_STREAM_INPUT: ShapeSpec = {
  kind: 'structure',
  name: 'CreateDeliveryStreamInput',
  required: ['DeliveryStreamName'],
  members: {
    DeliveryStreamName: DELIVERY_STREAM_NAME,
    DeliveryStreamType: DELIVERY_STREAM_TYPE,
    DirectPutSourceConfiguration: {
      kind: 'structure',
      name: 'DirectPutSourceConfiguration',
      required: ['ThroughputHintInMBs'],
      members: { ThroughputHintInMBs: int(1, 100) },
    },
    KinesisStreamSourceConfiguration: {
      kind: 'structure',
      name: 'KinesisStreamSourceConfiguration',
      required: ['KinesisStreamARN', 'RoleARN'],
      members: { KinesisStreamARN: ARN_512, RoleARN: ARN_512 },
    },
    DeliveryStreamEncryptionConfigurationInput: {
      kind: 'structure',
      name: 'DeliveryStreamEncryptionConfigurationInput',
      required: ['KeyType'],
      members: { KeyARN: ARN_512, KeyType: enumOf(['AWS_OWNED_CMK', 'CUSTOMER_MANAGED_CMK']) },
    },
    S3DestinationConfiguration: S3_DESTINATION_CONFIGURATION,
    ExtendedS3DestinationConfiguration: EXTENDED_S3_DESTINATION_CONFIGURATION,
    RedshiftDestinationConfiguration: botocoreShape('RedshiftDestinationConfiguration'),
    ElasticsearchDestinationConfiguration: botocoreShape('ElasticsearchDestinationConfiguration'),
    AmazonopensearchserviceDestinationConfiguration: botocoreShape(
      'AmazonopensearchserviceDestinationConfiguration',
    ),
    SplunkDestinationConfiguration: opaque,
    HttpEndpointDestinationConfiguration: botocoreShape('HttpEndpointDestinationConfiguration'),
    AmazonOpenSearchServerlessDestinationConfiguration: botocoreShape(
      'AmazonOpenSearchServerlessDestinationConfiguration',
    ),
    SnowflakeDestinationConfiguration: opaque,
    IcebergDestinationConfiguration: opaque,
    MSKSourceConfiguration: opaque,
    DatabaseSourceConfiguration: opaque,
    Tags: TAG_LIST,
  },
};

const VERSION_ID = str(1, 50, '[0-9]+');
const DESTINATION_ID = str(1, 100, '[a-zA-Z0-9-]+');

export const UPDATE_DESTINATION_INPUT: ShapeSpec = {
  kind: 'structure',
  name: 'UpdateDestinationInput',
  required: ['DeliveryStreamName', 'CurrentDeliveryStreamVersionId', 'DestinationId'],
  members: {
    DeliveryStreamName: DELIVERY_STREAM_NAME,
    CurrentDeliveryStreamVersionId: VERSION_ID,
    DestinationId: DESTINATION_ID,
    S3DestinationUpdate: S3_DESTINATION_UPDATE,
    ExtendedS3DestinationUpdate: EXTENDED_S3_DESTINATION_UPDATE,
    RedshiftDestinationUpdate: botocoreShape('RedshiftDestinationUpdate'),
    ElasticsearchDestinationUpdate: botocoreShape('ElasticsearchDestinationUpdate'),
    AmazonopensearchserviceDestinationUpdate: botocoreShape('AmazonopensearchserviceDestinationUpdate'),
    SplunkDestinationUpdate: opaque,
    HttpEndpointDestinationUpdate: botocoreShape('HttpEndpointDestinationUpdate'),
    AmazonOpenSearchServerlessDestinationUpdate: botocoreShape('AmazonOpenSearchServerlessDestinationUpdate'),
    SnowflakeDestinationUpdate: opaque,
    IcebergDestinationUpdate: opaque,
  },
};

const nameOnly = (name: string, extra: Record<string, ShapeSpec> = {}): ShapeSpec => ({
  kind: 'structure',
  name,
  required: ['DeliveryStreamName'],
  members: { DeliveryStreamName: DELIVERY_STREAM_NAME, ...extra },
});

export const DESCRIBE_DELIVERY_STREAM_INPUT = nameOnly('DescribeDeliveryStreamInput', {
  Limit: int(1, 10000),
  ExclusiveStartDestinationId: DESTINATION_ID,
});

export const DELETE_DELIVERY_STREAM_INPUT = nameOnly('DeleteDeliveryStreamInput', { AllowForceDelete: bool });

export const LIST_DELIVERY_STREAMS_INPUT: ShapeSpec = {
  kind: 'structure',
  name: 'ListDeliveryStreamsInput',
  members: {
    Limit: int(1, 10000),
    DeliveryStreamType: DELIVERY_STREAM_TYPE,
    ExclusiveStartDeliveryStreamName: DELIVERY_STREAM_NAME,
  },
};

export const TAG_DELIVERY_STREAM_INPUT: ShapeSpec = {
  kind: 'structure',
  name: 'TagDeliveryStreamInput',
  required: ['DeliveryStreamName', 'Tags'],
  members: { DeliveryStreamName: DELIVERY_STREAM_NAME, Tags: TAG_LIST },
};

export const UNTAG_DELIVERY_STREAM_INPUT: ShapeSpec = {
  kind: 'structure',
  name: 'UntagDeliveryStreamInput',
  required: ['DeliveryStreamName', 'TagKeys'],
  members: {
    DeliveryStreamName: DELIVERY_STREAM_NAME,
    TagKeys: { kind: 'list', member: TAG_KEY, min: 1, max: 50 },
  },
};

export const LIST_TAGS_FOR_DELIVERY_STREAM_INPUT = nameOnly('ListTagsForDeliveryStreamInput', {
  ExclusiveStartTagKey: TAG_KEY,
  Limit: int(1, 50),
});
