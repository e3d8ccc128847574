import { bounded, FirehoseApiError } from '../errors.ts';
import { compileTimestampFormat } from './timestamps.ts';

const MiB = 1024 * 1024;

/** Firehose's ParquetSerDe bounds and defaults (spec §7.3) and the buffering rule of §2.1/§7. */
export const PARQUET_SERDE_LIMITS = {
  minBlockSizeBytes: 64 * MiB,
  defaultBlockSizeBytes: 256 * MiB,
  minPageSizeBytes: 64 * 1024,
  defaultPageSizeBytes: MiB,
  defaultMaxPaddingBytes: 0,
  minBufferingSizeBytes: 64 * MiB,
  defaultBufferingSizeBytes: 128 * MiB,
} as const;

/** The object key's extension when conversion is on (spec §3.4): `.parquet`, replaced by a FileExtension. */
export const PARQUET_FILE_EXTENSION = '.parquet';

/**
 * The extension of a converted object's key (spec §3.4): the destination's FileExtension when set (it replaces
 * the default rather than being appended; `""` means unset), else `.parquet`. The Parquet codec adds no suffix:
 * SNAPPY/GZIP compress the pages inside the file, and CompressionFormat must be UNCOMPRESSED (§7).
 */
export function convertedObjectExtension(fileExtension: string | undefined): string {
  return fileExtension ? fileExtension : PARQUET_FILE_EXTENSION;
}

export interface OpenXJsonSerDeOptions {
  readonly kind: 'OpenXJsonSerDe';
  /** Default true: JSON keys are lower-cased before they are matched with the (lower-case) columns. */
  readonly caseInsensitive: boolean;
  /** Default false: `a.b` in a JSON key matches a column `a_b`. */
  readonly convertDotsInJsonKeysToUnderscores: boolean;
  /** Column name → the JSON key it reads instead of its own name. */
  readonly columnToJsonKeyMappings: Readonly<Record<string, string>>;
}

export interface HiveJsonSerDeOptions {
  readonly kind: 'HiveJsonSerDe';
  /** Joda-Time patterns or `millis`, tried in order before `java.sql.Timestamp.valueOf`'s format. */
  readonly timestampFormats: readonly string[];
}

export interface ParquetSerDeOptions {
  readonly compression: 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';
  readonly blockSizeBytes: number;
  readonly pageSizeBytes: number;
  readonly enableDictionaryCompression: boolean;
  readonly maxPaddingBytes: number;
  readonly writerVersion: 'V1' | 'V2';
}

/** Where the table's schema comes from (SchemaConfiguration, spec §7.1). Absent optional fields take AWS's defaults. */
export interface ConversionSchemaConfiguration {
  readonly databaseName: string;
  readonly tableName: string;
  readonly roleArn: string;
  /** Default: the stream's account id. */
  readonly catalogId: string | undefined;
  /** Default: the stream's region. */
  readonly region: string | undefined;
  /** `LATEST` (the default) follows the newest table version. */
  readonly versionId: string;
}

/** An enabled DataFormatConversionConfiguration with Firehose's defaults applied. */
export interface ResolvedDataFormatConversion {
  readonly enabled: true;
  readonly deserializer: OpenXJsonSerDeOptions | HiveJsonSerDeOptions;
  readonly serializer: ParquetSerDeOptions;
  readonly schema: ConversionSchemaConfiguration;
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const WHERE = 'DataFormatConversionConfiguration';
const NO_WHITESPACE = /^\S+$/;
const SCHEMA_FIELDS = ['RoleARN', 'CatalogId', 'DatabaseName', 'TableName', 'Region', 'VersionId'] as const;
const REQUIRED_SCHEMA_FIELDS = ['RoleARN', 'DatabaseName', 'TableName'] as const;

/**
 * Every problem of a raw DataFormatConversionConfiguration (CreateDeliveryStream's shape), as messages the
 * resolver joins into one InvalidArgumentException. Model-level bounds (types, enums, ranges, string
 * lengths) are checked even when Enabled is false, as AWS does (§7.3); the rules that only bind an enabled
 * conversion — one deserializer, one serializer, the schema's required fields, UNCOMPRESSED destination
 * compression, a buffer of at least 64 MiB — only when it is enabled (Enabled defaults to true, §7).
 */
export function checkDataFormatConversion(
  raw: unknown,
  destination: { compressionFormat: string; bufferingSizeBytes: number | undefined },
): string[] {
  if (raw === undefined || raw === null) return [];
  if (!isObject(raw)) return [`${WHERE} must be an object.`];
  const problems: string[] = [];
  const enabled = raw.Enabled === undefined ? true : raw.Enabled;
  if (typeof enabled !== 'boolean') problems.push(`${WHERE}.Enabled must be a boolean.`);

  const schema = raw.SchemaConfiguration;
  if (schema !== undefined && !isObject(schema))
    problems.push(`${WHERE}.SchemaConfiguration must be an object.`);
  const schemaConfig = isObject(schema) ? schema : {};
  for (const field of SCHEMA_FIELDS) {
    const value = schemaConfig[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length < 1 || value.length > 1024 || !NO_WHITESPACE.test(value)) {
      problems.push(
        `${WHERE}.SchemaConfiguration.${field} must be 1 to 1024 characters without whitespace; got '${bounded(value)}'.`,
      );
    }
  }

  const deserializer = member(raw, 'InputFormatConfiguration', 'Deserializer', problems);
  const serializer = member(raw, 'OutputFormatConfiguration', 'Serializer', problems);
  // §7.3: bounds of both SerDes are checked even when disabled, Parquet first.
  if (serializer && serializer.ParquetSerDe !== undefined)
    problems.push(...checkParquetSerDe(serializer.ParquetSerDe));
  if (deserializer) problems.push(...checkDeserializers(deserializer));

  if (enabled !== true) return problems;

  for (const field of REQUIRED_SCHEMA_FIELDS) {
    if (schemaConfig[field] === undefined) {
      problems.push(
        `${WHERE}.SchemaConfiguration.${field} is required when data format conversion is enabled.`,
      );
    }
  }
  const deserializers = deserializer
    ? Object.keys(deserializer).filter((k) => deserializer[k] !== undefined)
    : [];
  if (deserializers.length !== 1) {
    problems.push(
      `${WHERE}.InputFormatConfiguration.Deserializer must specify exactly one of OpenXJsonSerDe or HiveJsonSerDe when data format conversion is enabled (got ${deserializers.length}).`,
    );
  }
  const serializers = serializer ? Object.keys(serializer).filter((k) => serializer[k] !== undefined) : [];
  if (serializers.length !== 1) {
    problems.push(
      `${WHERE}.OutputFormatConfiguration.Serializer must specify exactly one of ParquetSerDe or OrcSerDe when data format conversion is enabled (got ${serializers.length}).`,
    );
  }
  if (serializer?.OrcSerDe !== undefined) {
    problems.push(
      `Sluice does not support ${WHERE}.OutputFormatConfiguration.Serializer.OrcSerDe yet (ORC output); use ParquetSerDe, or disable data format conversion.`,
    );
  }
  // §3.4 and §7: compression comes from the serializer, so the object itself must not be compressed again.
  if (destination.compressionFormat !== 'UNCOMPRESSED') {
    problems.push(
      `CompressionFormat must be UNCOMPRESSED when data format conversion is enabled (got ${bounded(destination.compressionFormat)}); set the Parquet compression with ParquetSerDe.Compression instead.`,
    );
  }
  // §2.1: 64–128 MiB with conversion; unset means the 128 MiB default.
  const size = destination.bufferingSizeBytes;
  if (size !== undefined && size < PARQUET_SERDE_LIMITS.minBufferingSizeBytes) {
    problems.push(
      `BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled (got ${size / MiB}).`,
    );
  }
  return problems;
}

function member(raw: Raw, outer: string, inner: string, problems: string[]): Raw | undefined {
  const container = raw[outer];
  if (container === undefined) return undefined;
  if (!isObject(container)) {
    problems.push(`${WHERE}.${outer} must be an object.`);
    return undefined;
  }
  const value = container[inner];
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    problems.push(`${WHERE}.${outer}.${inner} must be an object.`);
    return undefined;
  }
  return value;
}

function checkParquetSerDe(raw: unknown): string[] {
  const at = `${WHERE}.OutputFormatConfiguration.Serializer.ParquetSerDe`;
  if (!isObject(raw)) return [`${at} must be an object.`];
  const problems: string[] = [];
  const integerAtLeast = (field: string, min: number) => {
    const value = raw[field];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      problems.push(
        `${at}.${field} must be an integer greater than or equal to ${min}; got ${bounded(value)}.`,
      );
    }
  };
  integerAtLeast('BlockSizeBytes', PARQUET_SERDE_LIMITS.minBlockSizeBytes);
  integerAtLeast('PageSizeBytes', PARQUET_SERDE_LIMITS.minPageSizeBytes);
  integerAtLeast('MaxPaddingBytes', 0);
  // Enum values are case-sensitive, as in the API model.
  const oneOf = (field: string, values: readonly string[]) => {
    const value = raw[field];
    if (value !== undefined && !values.includes(value as string)) {
      problems.push(`${at}.${field} must be one of ${values.join(', ')}; got '${bounded(value)}'.`);
    }
  };
  oneOf('Compression', ['UNCOMPRESSED', 'GZIP', 'SNAPPY']);
  oneOf('WriterVersion', ['V1', 'V2']);
  if (raw.EnableDictionaryCompression !== undefined && typeof raw.EnableDictionaryCompression !== 'boolean') {
    problems.push(`${at}.EnableDictionaryCompression must be a boolean.`);
  }
  return problems;
}

function checkDeserializers(raw: Raw): string[] {
  const at = `${WHERE}.InputFormatConfiguration.Deserializer`;
  const problems: string[] = [];
  const openX = raw.OpenXJsonSerDe;
  if (openX !== undefined) {
    if (!isObject(openX)) problems.push(`${at}.OpenXJsonSerDe must be an object.`);
    else {
      for (const field of ['CaseInsensitive', 'ConvertDotsInJsonKeysToUnderscores']) {
        if (openX[field] !== undefined && typeof openX[field] !== 'boolean') {
          problems.push(`${at}.OpenXJsonSerDe.${field} must be a boolean.`);
        }
      }
      const mappings = openX.ColumnToJsonKeyMappings;
      if (mappings !== undefined && !isObject(mappings)) {
        problems.push(
          `${at}.OpenXJsonSerDe.ColumnToJsonKeyMappings must be a map of column names to JSON keys.`,
        );
      } else if (mappings) {
        for (const [column, key] of Object.entries(mappings)) {
          if (column.length < 1 || column.length > 1024 || !NO_WHITESPACE.test(column)) {
            problems.push(
              `${at}.OpenXJsonSerDe.ColumnToJsonKeyMappings key '${bounded(column)}' must be 1 to 1024 characters without whitespace.`,
            );
          }
          if (typeof key !== 'string' || key.length < 1 || key.length > 1024 || key.trim() === '') {
            problems.push(
              `${at}.OpenXJsonSerDe.ColumnToJsonKeyMappings value for '${bounded(column)}' must be 1 to 1024 characters and not blank.`,
            );
          }
        }
      }
    }
  }
  const hive = raw.HiveJsonSerDe;
  if (hive !== undefined) {
    if (!isObject(hive)) problems.push(`${at}.HiveJsonSerDe must be an object.`);
    else if (hive.TimestampFormats !== undefined) {
      if (!Array.isArray(hive.TimestampFormats))
        problems.push(`${at}.HiveJsonSerDe.TimestampFormats must be a list.`);
      else {
        for (const pattern of hive.TimestampFormats) {
          if (
            typeof pattern !== 'string' ||
            pattern.length < 1 ||
            pattern.length > 1024 ||
            pattern.trim() === ''
          ) {
            problems.push(
              `${at}.HiveJsonSerDe.TimestampFormats entries must be 1 to 1024 characters and not blank.`,
            );
            continue;
          }
          const compiled = compileTimestampFormat(pattern);
          if (typeof compiled === 'string') problems.push(`${at}.HiveJsonSerDe.${compiled}`);
        }
      }
    }
  }
  return problems;
}

/**
 * The enabled conversion with Firehose's defaults (§7.2, §7.3), or undefined when the configuration is absent or
 * Enabled is false. Throws an InvalidArgumentException when the model-level checks fail; the destination
 * rules are the resolver's to check with `checkDataFormatConversion`.
 *
 * `EnableDictionaryCompression` has no documented default (§7.3); Sluice defaults it to true, the default of
 * the Parquet writer Firehose builds on, because dictionary pages make repetitive columns much smaller.
 */
export function resolveDataFormatConversion(raw: unknown): ResolvedDataFormatConversion | undefined {
  if (raw === undefined || raw === null) return undefined;
  const problems = checkDataFormatConversion(raw, {
    compressionFormat: 'UNCOMPRESSED',
    bufferingSizeBytes: undefined,
  });
  if (problems.length > 0) throw new FirehoseApiError('InvalidArgumentException', problems.join('; '));
  const config = raw as Raw;
  if (config.Enabled === false) return undefined;
  const schema = config.SchemaConfiguration as Raw;
  const deserializer = (config.InputFormatConfiguration as Raw).Deserializer as Raw;
  const parquet = ((config.OutputFormatConfiguration as Raw).Serializer as Raw).ParquetSerDe as Raw;
  const openX = deserializer.OpenXJsonSerDe as Raw | undefined;
  const hive = deserializer.HiveJsonSerDe as Raw | undefined;
  return {
    enabled: true,
    deserializer: openX
      ? {
          kind: 'OpenXJsonSerDe',
          caseInsensitive: openX.CaseInsensitive !== false,
          convertDotsInJsonKeysToUnderscores: openX.ConvertDotsInJsonKeysToUnderscores === true,
          columnToJsonKeyMappings: { ...((openX.ColumnToJsonKeyMappings as Record<string, string>) ?? {}) },
        }
      : { kind: 'HiveJsonSerDe', timestampFormats: [...((hive?.TimestampFormats as string[]) ?? [])] },
    serializer: {
      compression: (parquet.Compression as ParquetSerDeOptions['compression']) ?? 'SNAPPY',
      blockSizeBytes: (parquet.BlockSizeBytes as number) ?? PARQUET_SERDE_LIMITS.defaultBlockSizeBytes,
      pageSizeBytes: (parquet.PageSizeBytes as number) ?? PARQUET_SERDE_LIMITS.defaultPageSizeBytes,
      enableDictionaryCompression: parquet.EnableDictionaryCompression !== false,
      maxPaddingBytes: (parquet.MaxPaddingBytes as number) ?? PARQUET_SERDE_LIMITS.defaultMaxPaddingBytes,
      writerVersion: (parquet.WriterVersion as ParquetSerDeOptions['writerVersion']) ?? 'V1',
    },
    schema: {
      databaseName: schema.DatabaseName as string,
      tableName: schema.TableName as string,
      roleArn: schema.RoleARN as string,
      catalogId: schema.CatalogId as string | undefined,
      region: schema.Region as string | undefined,
      versionId: (schema.VersionId as string | undefined) ?? 'LATEST',
    },
  };
}
