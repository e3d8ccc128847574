export type {
  ConversionSchemaConfiguration,
  HiveJsonSerDeOptions,
  OpenXJsonSerDeOptions,
  ParquetSerDeOptions,
  ResolvedDataFormatConversion,
} from './config.ts';
export {
  checkDataFormatConversion,
  convertedObjectExtension,
  PARQUET_FILE_EXTENSION,
  PARQUET_SERDE_LIMITS,
  resolveDataFormatConversion,
} from './config.ts';
export type { ConversionResult } from './convert.ts';
export { convertToParquet } from './convert.ts';
export type { ConversionErrorCode, ConversionFailure } from './failures.ts';
export { MALFORMED_DATA, PARSE_ERROR } from './failures.ts';
export type { HiveField, HiveType } from './hive-types.ts';
export { parseHiveType } from './hive-types.ts';
export { MAX_ROW_GROUP_DECODED_BYTES } from './parquet-writer.ts';
export type { GlueColumn, GlueTable, LeafColumn, ParquetSchema } from './schema.ts';
export { compileSchema } from './schema.ts';
