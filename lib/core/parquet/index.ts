export type { ConversionFailure, ConversionResult } from './convert.ts';
export { convertToParquet } from './convert.ts';
export { MALFORMED_DATA, PARSE_ERROR } from './json-rows.ts';
export type { ConversionOptions } from './options.ts';
export { checkDataFormatConversion, conversionOptionsOf, PARQUET_LIMITS } from './options.ts';
export type { HiveField, HiveType, LeafColumn, ParquetSchema } from './schema.ts';
export { compileSchema } from './schema.ts';
export { MAX_ROW_GROUP_BYTES } from './writer.ts';
