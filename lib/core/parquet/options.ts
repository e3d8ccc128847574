import { bounded } from '../errors.ts';
import { compileTimestampFormat } from './timestamps.ts';

/** Resolved settings of one stream's DataFormatConversionConfiguration (spec §7.2, §7.3), defaults applied. */
export interface ConversionOptions {
  deserializer: 'OpenXJsonSerDe' | 'HiveJsonSerDe';
  /** OpenX `CaseInsensitive` (default true): JSON keys are lower-cased before matching columns. */
  caseInsensitive: boolean;
  /** OpenX `ColumnToJsonKeyMappings`: top-level column name → the JSON key that feeds it. */
  columnToJsonKeyMappings: Record<string, string>;
  /** OpenX `ConvertDotsInJsonKeysToUnderscores` (default false): `a.b` matches column `a_b`. */
  convertDotsInJsonKeysToUnderscores: boolean;
  /** HiveJsonSerDe `TimestampFormats`: Joda patterns or `millis`; empty means `java.sql.Timestamp.valueOf`. */
  timestampFormats: string[];
  compression: 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';
  /** Parquet block (row group) size target; row groups are also capped at 64 MiB of decoded values. */
  blockSizeBytes: number;
  pageSizeBytes: number;
  enableDictionaryCompression: boolean;
  writerVersion: 'V1' | 'V2';
  /** Accepted for compatibility; Sluice writes no padding (an object store has no HDFS blocks to align to). */
  maxPaddingBytes: number;
}

const MiB = 1024 * 1024;

/** Firehose's ParquetSerDe bounds and defaults (§7.3). */
export const PARQUET_LIMITS = {
  minBlockSizeBytes: 64 * MiB,
  defaultBlockSizeBytes: 256 * MiB,
  minPageSizeBytes: 64 * 1024,
  defaultPageSizeBytes: MiB,
} as const;

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;

/**
 * The conversion options of a Firehose `DataFormatConversionConfiguration`, with Firehose's defaults (§7.3).
 * Assumes `checkDataFormatConversion` accepted it. `EnableDictionaryCompression` has no documented default;
 * Sluice uses false, as the AWS CDK's Firehose L2 does.
 */
export function conversionOptionsOf(raw: unknown): ConversionOptions {
  const config = obj(raw) ?? {};
  const deserializer = obj(obj(config.InputFormatConfiguration)?.Deserializer) ?? {};
  const hive = obj(deserializer.HiveJsonSerDe);
  const openX = obj(deserializer.OpenXJsonSerDe) ?? {};
  const parquet = obj(obj(obj(config.OutputFormatConfiguration)?.Serializer)?.ParquetSerDe) ?? {};
  const mappings = obj(openX.ColumnToJsonKeyMappings) ?? {};
  return {
    deserializer: hive ? 'HiveJsonSerDe' : 'OpenXJsonSerDe',
    caseInsensitive: openX.CaseInsensitive !== false,
    columnToJsonKeyMappings: Object.fromEntries(
      Object.entries(mappings).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    ),
    convertDotsInJsonKeysToUnderscores: openX.ConvertDotsInJsonKeysToUnderscores === true,
    timestampFormats: Array.isArray(hive?.TimestampFormats)
      ? hive.TimestampFormats.filter((f): f is string => typeof f === 'string')
      : [],
    compression:
      parquet.Compression === 'GZIP' || parquet.Compression === 'UNCOMPRESSED'
        ? parquet.Compression
        : 'SNAPPY',
    blockSizeBytes:
      typeof parquet.BlockSizeBytes === 'number'
        ? parquet.BlockSizeBytes
        : PARQUET_LIMITS.defaultBlockSizeBytes,
    pageSizeBytes:
      typeof parquet.PageSizeBytes === 'number' ? parquet.PageSizeBytes : PARQUET_LIMITS.defaultPageSizeBytes,
    enableDictionaryCompression: parquet.EnableDictionaryCompression === true,
    writerVersion: parquet.WriterVersion === 'V2' ? 'V2' : 'V1',
    maxPaddingBytes: typeof parquet.MaxPaddingBytes === 'number' ? parquet.MaxPaddingBytes : 0,
  };
}

/**
 * Problems with a `DataFormatConversionConfiguration` on an S3 destination, as InvalidArgumentException-style
 * messages; empty when it is acceptable. Bounds of the model are checked even when `Enabled` is false, as
 * Firehose does (§7.3); the rules that tie conversion to the destination apply only when it is enabled.
 */
export function checkDataFormatConversion(
  raw: unknown,
  destination: { compressionFormat: string; bufferingSizeMiB: number | undefined },
): string[] {
  const problems: string[] = [];
  const config = obj(raw);
  if (!config) return ['DataFormatConversionConfiguration must be an object.'];
  const enabled = config.Enabled !== false;
  const at = 'DataFormatConversionConfiguration';

  const serializer = obj(obj(config.OutputFormatConfiguration)?.Serializer);
  const parquet = obj(serializer?.ParquetSerDe);
  // §7.3: when both SerDes break a bound, Parquet's violations come first.
  if (parquet)
    checkParquetSerDe(parquet, `${at}.OutputFormatConfiguration.Serializer.ParquetSerDe`, problems);

  const deserializer = obj(obj(config.InputFormatConfiguration)?.Deserializer);
  const hive = obj(deserializer?.HiveJsonSerDe);
  const openX = obj(deserializer?.OpenXJsonSerDe);
  if (openX) checkOpenX(openX, `${at}.InputFormatConfiguration.Deserializer.OpenXJsonSerDe`, problems);
  if (hive) checkHive(hive, `${at}.InputFormatConfiguration.Deserializer.HiveJsonSerDe`, problems);
  if (!enabled) return problems;

  if ((hive ? 1 : 0) + (openX ? 1 : 0) !== 1) {
    problems.push(
      `${at}.InputFormatConfiguration.Deserializer must specify exactly one of OpenXJsonSerDe or HiveJsonSerDe.`,
    );
  }
  const orc = obj(serializer?.OrcSerDe);
  if ((parquet ? 1 : 0) + (orc ? 1 : 0) !== 1) {
    problems.push(
      `${at}.OutputFormatConfiguration.Serializer must specify exactly one of ParquetSerDe or OrcSerDe.`,
    );
  } else if (orc) {
    problems.push('Sluice does not support OrcSerDe yet; use ParquetSerDe to convert records to Parquet.');
  }

  const schema = obj(config.SchemaConfiguration);
  for (const field of ['DatabaseName', 'TableName', 'RoleARN']) {
    const value = schema?.[field];
    if (typeof value !== 'string' || !/^\S{1,1024}$/.test(value)) {
      problems.push(`${at}.SchemaConfiguration.${field} is required (1 to 1024 characters, no whitespace).`);
    }
  }
  if (destination.compressionFormat !== 'UNCOMPRESSED') {
    problems.push(
      `CompressionFormat must be UNCOMPRESSED when data format conversion is enabled (got ${bounded(destination.compressionFormat)}); set the Parquet compression in ParquetSerDe.Compression instead.`,
    );
  }
  if (destination.bufferingSizeMiB !== undefined && destination.bufferingSizeMiB < 64) {
    problems.push(
      `BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled (got ${destination.bufferingSizeMiB}).`,
    );
  }
  return problems;
}

function checkParquetSerDe(parquet: Obj, at: string, problems: string[]): void {
  const atLeast = (field: string, min: number) => {
    const value = parquet[field];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min)) {
      problems.push(`${at}.${field} must be an integer of at least ${min} (got ${bounded(value)}).`);
    }
  };
  atLeast('BlockSizeBytes', PARQUET_LIMITS.minBlockSizeBytes);
  atLeast('PageSizeBytes', PARQUET_LIMITS.minPageSizeBytes);
  atLeast('MaxPaddingBytes', 0);
  const oneOf = (field: string, values: readonly string[]) => {
    const value = parquet[field];
    if (value !== undefined && !values.includes(value as string)) {
      problems.push(`${at}.${field} must be one of ${values.join(', ')} (got ${bounded(value)}).`);
    }
  };
  oneOf('Compression', ['UNCOMPRESSED', 'GZIP', 'SNAPPY']);
  oneOf('WriterVersion', ['V1', 'V2']);
  const dictionary = parquet.EnableDictionaryCompression;
  if (dictionary !== undefined && typeof dictionary !== 'boolean') {
    problems.push(`${at}.EnableDictionaryCompression must be a boolean.`);
  }
}

function checkOpenX(openX: Obj, at: string, problems: string[]): void {
  for (const field of ['CaseInsensitive', 'ConvertDotsInJsonKeysToUnderscores']) {
    if (openX[field] !== undefined && typeof openX[field] !== 'boolean')
      problems.push(`${at}.${field} must be a boolean.`);
  }
  const mappings = openX.ColumnToJsonKeyMappings;
  if (mappings === undefined) return;
  const entries = obj(mappings);
  if (!entries) {
    problems.push(`${at}.ColumnToJsonKeyMappings must be a map of column name to JSON key.`);
    return;
  }
  for (const [column, key] of Object.entries(entries)) {
    if (!/^\S{1,1024}$/.test(column)) {
      problems.push(
        `${at}.ColumnToJsonKeyMappings key ${bounded(column)} must be 1 to 1024 characters without whitespace.`,
      );
    }
    if (typeof key !== 'string' || key.trim() === '' || key.length > 1024) {
      problems.push(
        `${at}.ColumnToJsonKeyMappings value for ${bounded(column)} must be a non-blank string of at most 1024 characters.`,
      );
    }
  }
}

function checkHive(hive: Obj, at: string, problems: string[]): void {
  const formats = hive.TimestampFormats;
  if (formats === undefined) return;
  if (!Array.isArray(formats)) {
    problems.push(`${at}.TimestampFormats must be a list of strings.`);
    return;
  }
  for (const format of formats) {
    if (typeof format !== 'string') {
      problems.push(`${at}.TimestampFormats entries must be strings (got ${bounded(format)}).`);
      continue;
    }
    try {
      compileTimestampFormat(format);
    } catch (error) {
      problems.push(`${at}.${(error as Error).message}`);
    }
  }
}
