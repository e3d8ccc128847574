export { appendDelimiter } from './append-delimiter.ts';
export {
  CLOUDWATCH_LOGS_INVALID,
  DECOMPRESSION_FAILED,
  type DecompressionConfig,
  decompressRecord,
  MAX_DECOMPRESSED_BYTES,
} from './decompression.ts';
export { formatJq16Number } from './jq-number.ts';
export {
  deaggregateKplRecord,
  decodeKplAggregate,
  KPL_MAGIC,
  type KplUserRecord,
} from './kpl-deaggregation.ts';
export { md5 } from './md5.ts';
export {
  compileMetadataExtraction,
  JQ_16,
  METADATA_EXTRACTION_FAILED,
  type MetadataExtractor,
  partitionKeysOf,
} from './metadata-extraction.ts';
export {
  DEFAULT_NUMBER_OF_RETRIES,
  LAMBDA_BUFFER_INTERVAL_SECONDS,
  LAMBDA_BUFFER_SIZE_MB,
  PROCESSOR_ORDER,
  type ProcessingOptions,
  type ProcessorType,
  type RawProcessingConfiguration,
  type ResolvedProcessor,
  resolveProcessingConfiguration,
} from './processing-configuration.ts';
export {
  collectOutcomes,
  errorOutputInputOf,
  type FailedProcessorRecord,
  failed,
  ok,
  type ProcessorErrorOutputType,
  type ProcessorRecord,
  type RecordOutcome,
  runRecordStage,
  type StageResult,
} from './processor-record.ts';
export {
  DEAGGREGATION_FAILED,
  deaggregateRecord,
  MAX_SUB_RECORDS,
  type RecordDeAggregationConfig,
  subRecords,
} from './record-deaggregation.ts';
