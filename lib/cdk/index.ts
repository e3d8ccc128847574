export {
  BackupMode,
  type CommonDestinationProps,
  type CommonDestinationS3Props,
  Compression,
  type DestinationS3BackupProps,
} from './common.ts';
export {
  type DataFormatConversionProps,
  InputFormat,
  OutputFormat,
  SchemaConfiguration,
  type SchemaConfigurationProps,
} from './data-format-conversion.ts';
export { DeliveryStream, type DeliveryStreamProps } from './delivery-stream.ts';
export type { DestinationBindOptions, DestinationConfig, IDestination } from './destination.ts';
export { StreamEncryption, StreamEncryptionType } from './encryption.ts';
export {
  HttpCompression,
  HttpEndpoint,
  type HttpEndpointConfig,
  type HttpEndpointProps,
} from './http-endpoint.ts';
export { IngestEndpoint, type IngestEndpointProps } from './ingest-endpoint.ts';
export { IndexRotation, OpenSearchDomain, type OpenSearchDomainProps } from './opensearch.ts';
export {
  AppendDelimiterToRecordProcessor,
  CloudWatchLogProcessingProcessor,
  type DataProcessorBindOptions,
  type DataProcessorConfig,
  type DataProcessorProps,
  DecompressionProcessor,
  type IDataProcessor,
  LambdaFunctionProcessor,
  MetadataExtractionProcessor,
  RecordDeAggregationProcessor,
} from './processors.ts';
export { RedshiftTable, type RedshiftTableProps } from './redshift.ts';
export { BUNDLING_CONTEXT } from './runtime-function.ts';
export { S3Bucket, type S3BucketProps } from './s3-bucket.ts';
export { DeliveryStreamConfigError } from './validation.ts';
