/**
 * Firehose's input shapes for the control plane, field names exactly as the JSON 1.1 wire (spec §1.5, §1.9).
 * Only the families Sluice runs are typed in detail; the others are carried as opaque records so a
 * config naming them can still be stored and rejected with a clear message.
 */
import type { CompressionFormat, DeliveryStreamType, Tag } from './resolved.ts';

export type { CompressionFormat, DeliveryStreamType, Tag };

export interface BufferingHints {
  SizeInMBs?: number;
  IntervalInSeconds?: number;
}

export interface EncryptionConfiguration {
  NoEncryptionConfig?: 'NoEncryption';
  KMSEncryptionConfig?: { AWSKMSKeyARN: string };
}

export interface CloudWatchLoggingOptions {
  Enabled?: boolean;
  LogGroupName?: string;
  LogStreamName?: string;
}

export type ProcessorType =
  | 'RecordDeAggregation'
  | 'Decompression'
  | 'CloudWatchLogProcessing'
  | 'Lambda'
  | 'MetadataExtraction'
  | 'AppendDelimiterToRecord';

export interface ProcessorParameter {
  ParameterName: string;
  ParameterValue: string;
}

export interface Processor {
  Type: ProcessorType;
  Parameters?: ProcessorParameter[];
}

export interface ProcessingConfiguration {
  Enabled?: boolean;
  Processors?: Processor[];
}

export interface DataFormatConversionConfiguration {
  Enabled?: boolean;
  SchemaConfiguration?: Record<string, unknown>;
  InputFormatConfiguration?: Record<string, unknown>;
  OutputFormatConfiguration?: Record<string, unknown>;
}

export interface DynamicPartitioningConfiguration {
  Enabled?: boolean;
  RetryOptions?: { DurationInSeconds?: number };
}

export interface S3DestinationConfiguration {
  RoleARN: string;
  BucketARN: string;
  Prefix?: string;
  ErrorOutputPrefix?: string;
  BufferingHints?: BufferingHints;
  CompressionFormat?: CompressionFormat;
  EncryptionConfiguration?: EncryptionConfiguration;
  CloudWatchLoggingOptions?: CloudWatchLoggingOptions;
}

export type S3BackupMode = 'Disabled' | 'Enabled';

export interface ExtendedS3DestinationConfiguration extends S3DestinationConfiguration {
  ProcessingConfiguration?: ProcessingConfiguration;
  S3BackupMode?: S3BackupMode;
  S3BackupConfiguration?: S3DestinationConfiguration;
  DataFormatConversionConfiguration?: DataFormatConversionConfiguration;
  DynamicPartitioningConfiguration?: DynamicPartitioningConfiguration;
  FileExtension?: string;
  CustomTimeZone?: string;
}

export type S3DestinationUpdate = Partial<S3DestinationConfiguration>;

export interface ExtendedS3DestinationUpdate
  extends Partial<Omit<ExtendedS3DestinationConfiguration, 'S3BackupConfiguration'>> {
  S3BackupUpdate?: S3DestinationUpdate;
}

export interface KinesisStreamSourceConfiguration {
  KinesisStreamARN: string;
  RoleARN: string;
}

export interface DirectPutSourceConfiguration {
  ThroughputHintInMBs: number;
}

export interface DeliveryStreamEncryptionConfigurationInput {
  KeyType: 'AWS_OWNED_CMK' | 'CUSTOMER_MANAGED_CMK';
  KeyARN?: string;
}

/** Destination members of CreateDeliveryStreamInput, in the model's order. */
export const DESTINATION_CONFIGURATION_MEMBERS = [
  'S3DestinationConfiguration',
  'ExtendedS3DestinationConfiguration',
  'RedshiftDestinationConfiguration',
  'ElasticsearchDestinationConfiguration',
  'AmazonopensearchserviceDestinationConfiguration',
  'SplunkDestinationConfiguration',
  'HttpEndpointDestinationConfiguration',
  'AmazonOpenSearchServerlessDestinationConfiguration',
  'SnowflakeDestinationConfiguration',
  'IcebergDestinationConfiguration',
] as const;

export type DestinationConfigurationMember = (typeof DESTINATION_CONFIGURATION_MEMBERS)[number];

/** Destination update members of UpdateDestinationInput. */
export const DESTINATION_UPDATE_MEMBERS = [
  'S3DestinationUpdate',
  'ExtendedS3DestinationUpdate',
  'RedshiftDestinationUpdate',
  'ElasticsearchDestinationUpdate',
  'AmazonopensearchserviceDestinationUpdate',
  'SplunkDestinationUpdate',
  'HttpEndpointDestinationUpdate',
  'AmazonOpenSearchServerlessDestinationUpdate',
  'SnowflakeDestinationUpdate',
  'IcebergDestinationUpdate',
] as const;

export interface CreateDeliveryStreamInput {
  DeliveryStreamName: string;
  DeliveryStreamType?: DeliveryStreamType;
  DirectPutSourceConfiguration?: DirectPutSourceConfiguration;
  KinesisStreamSourceConfiguration?: KinesisStreamSourceConfiguration;
  DeliveryStreamEncryptionConfigurationInput?: DeliveryStreamEncryptionConfigurationInput;
  S3DestinationConfiguration?: S3DestinationConfiguration;
  ExtendedS3DestinationConfiguration?: ExtendedS3DestinationConfiguration;
  RedshiftDestinationConfiguration?: Record<string, unknown>;
  ElasticsearchDestinationConfiguration?: Record<string, unknown>;
  AmazonopensearchserviceDestinationConfiguration?: Record<string, unknown>;
  SplunkDestinationConfiguration?: Record<string, unknown>;
  HttpEndpointDestinationConfiguration?: Record<string, unknown>;
  AmazonOpenSearchServerlessDestinationConfiguration?: Record<string, unknown>;
  SnowflakeDestinationConfiguration?: Record<string, unknown>;
  IcebergDestinationConfiguration?: Record<string, unknown>;
  MSKSourceConfiguration?: Record<string, unknown>;
  DatabaseSourceConfiguration?: Record<string, unknown>;
  Tags?: Tag[];
}

export interface UpdateDestinationInput {
  DeliveryStreamName: string;
  CurrentDeliveryStreamVersionId: string;
  DestinationId: string;
  S3DestinationUpdate?: S3DestinationUpdate;
  ExtendedS3DestinationUpdate?: ExtendedS3DestinationUpdate;
  [otherFamily: string]: unknown;
}
