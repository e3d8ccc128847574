import { describe, expect, it } from 'vitest';
import {
  checkDataFormatConversion,
  compileSchema,
  conversionOptionsOf,
} from '../../../lib/core/parquet/index.ts';

describe('compileSchema', () => {
  it('parses every Hive type, case-insensitively and nested, into leaves with their levels', () => {
    const schema = compileSchema({
      Columns: [
        { Name: 'a', Type: 'ARRAY<Struct<x:INT, `y z`:map<string,array<decimal(20,2)>>>>' },
        { Name: 'b', Type: 'decimal' },
        { Name: 'c', Type: 'char(10)' },
        { Name: 'd', Type: 'VarChar(65535)' },
        { Name: 'e', Type: 'timestamp' },
      ],
    });
    expect(schema.columns[1]!.type).toEqual({ kind: 'decimal', precision: 10, scale: 0 });
    expect(schema.columns[3]!.type).toEqual({ kind: 'varchar', length: 65535 });
    expect(
      schema.leaves.map((l) => [
        l.path.join('.'),
        l.physical,
        l.maxDefinitionLevel,
        l.maxRepetitionLevel,
        l.typeLength,
      ]),
    ).toEqual([
      ['a.list.element.x', 1, 4, 1, 0],
      ['a.list.element.y z.key_value.key', 6, 5, 2, 0],
      ['a.list.element.y z.key_value.value.list.element', 7, 8, 3, 9],
      ['b', 2, 1, 0, 0],
      ['c', 6, 1, 0, 0],
      ['d', 6, 1, 0, 0],
      ['e', 2, 1, 0, 0],
    ]);
  });

  it.each([
    ['struct<a:int,b:foo>', "unknown type 'foo'"],
    ['uniontype<int,string>', "unknown type 'uniontype'"],
    ['decimal(39,2)', 'decimal precision must be 1 to 38'],
    ['decimal(5,6)', 'decimal scale must not exceed its precision'],
    ['char(256)', 'char length must be 1 to 255'],
    ['array<int', "expected '>'"],
    ['map<array<int>,int>', 'map keys must be primitive'],
    ['int int', 'unexpected text after the type'],
    ['struct<a:int,A:int>', 'struct field A appears twice'],
  ])('refuses %s naming the column and type', (type, why) => {
    expect(() => compileSchema({ Columns: [{ Name: 'col', Type: type }] })).toThrow(
      expect.objectContaining({
        code: 'InvalidSchema',
        message: expect.stringContaining(
          `Column col has an unsupported or malformed Glue type ${type}: ${why}`,
        ),
      }),
    );
  });

  it('refuses an empty table and duplicate columns', () => {
    expect(() => compileSchema({ Columns: [] })).toThrow(/no Columns/);
    expect(() =>
      compileSchema({
        Columns: [
          { Name: 'A', Type: 'int' },
          { Name: 'a', Type: 'int' },
        ],
      }),
    ).toThrow('Column a appears twice.');
  });
});

const VALID = {
  SchemaConfiguration: { DatabaseName: 'db', TableName: 't', RoleARN: 'arn:aws:iam::123456789012:role/r' },
  InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
  OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
};
const S3 = { compressionFormat: 'UNCOMPRESSED', bufferingSizeMiB: 128 };

describe('conversionOptionsOf', () => {
  it('applies Firehose defaults (§7.3)', () => {
    expect(conversionOptionsOf(VALID)).toEqual({
      deserializer: 'OpenXJsonSerDe',
      caseInsensitive: true,
      columnToJsonKeyMappings: {},
      convertDotsInJsonKeysToUnderscores: false,
      timestampFormats: [],
      compression: 'SNAPPY',
      blockSizeBytes: 268435456,
      pageSizeBytes: 1048576,
      enableDictionaryCompression: false,
      writerVersion: 'V1',
      maxPaddingBytes: 0,
    });
  });

  it('reads every option', () => {
    const options = conversionOptionsOf({
      InputFormatConfiguration: { Deserializer: { HiveJsonSerDe: { TimestampFormats: ['millis'] } } },
      OutputFormatConfiguration: {
        Serializer: {
          ParquetSerDe: {
            Compression: 'GZIP',
            BlockSizeBytes: 67108864,
            PageSizeBytes: 65536,
            EnableDictionaryCompression: true,
            WriterVersion: 'V2',
            MaxPaddingBytes: 10,
          },
        },
      },
    });
    expect(options).toMatchObject({
      deserializer: 'HiveJsonSerDe',
      timestampFormats: ['millis'],
      compression: 'GZIP',
      blockSizeBytes: 67108864,
      pageSizeBytes: 65536,
      enableDictionaryCompression: true,
      writerVersion: 'V2',
      maxPaddingBytes: 10,
    });
    expect(
      conversionOptionsOf({
        InputFormatConfiguration: {
          Deserializer: {
            OpenXJsonSerDe: {
              CaseInsensitive: false,
              ColumnToJsonKeyMappings: { ts: 'timestamp' },
              ConvertDotsInJsonKeysToUnderscores: true,
            },
          },
        },
      }),
    ).toMatchObject({
      caseInsensitive: false,
      columnToJsonKeyMappings: { ts: 'timestamp' },
      convertDotsInJsonKeysToUnderscores: true,
    });
  });
});

describe('checkDataFormatConversion', () => {
  it('accepts a complete configuration', () => {
    expect(checkDataFormatConversion(VALID, S3)).toEqual([]);
    expect(
      checkDataFormatConversion(VALID, { compressionFormat: 'UNCOMPRESSED', bufferingSizeMiB: undefined }),
    ).toEqual([]);
  });

  it('collects every problem', () => {
    const problems = checkDataFormatConversion(
      {
        InputFormatConfiguration: {
          Deserializer: { OpenXJsonSerDe: {}, HiveJsonSerDe: { TimestampFormats: ['hh a'] } },
        },
        OutputFormatConfiguration: { Serializer: { OrcSerDe: {} } },
        SchemaConfiguration: { DatabaseName: 'db', TableName: 'has space' },
      },
      { compressionFormat: 'GZIP', bufferingSizeMiB: 5 },
    );
    expect(problems).toEqual([
      "DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer.HiveJsonSerDe.TimestampFormats entry hh a: pattern letter 'h' is not supported.",
      'DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer must specify exactly one of OpenXJsonSerDe or HiveJsonSerDe.',
      'Sluice does not support OrcSerDe yet; use ParquetSerDe to convert records to Parquet.',
      'DataFormatConversionConfiguration.SchemaConfiguration.TableName is required (1 to 1024 characters, no whitespace).',
      'DataFormatConversionConfiguration.SchemaConfiguration.RoleARN is required (1 to 1024 characters, no whitespace).',
      'CompressionFormat must be UNCOMPRESSED when data format conversion is enabled (got GZIP); set the Parquet compression in ParquetSerDe.Compression instead.',
      'BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled (got 5).',
    ]);
  });

  it('checks ParquetSerDe bounds even when disabled, and nothing else then', () => {
    const raw = {
      Enabled: false,
      OutputFormatConfiguration: {
        Serializer: {
          ParquetSerDe: { BlockSizeBytes: 1024, PageSizeBytes: 10, Compression: 'LZO', WriterVersion: 'V3' },
        },
      },
    };
    expect(checkDataFormatConversion(raw, { compressionFormat: 'GZIP', bufferingSizeMiB: 1 })).toEqual([
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.BlockSizeBytes must be an integer of at least 67108864 (got 1024).',
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.PageSizeBytes must be an integer of at least 65536 (got 10).',
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.Compression must be one of UNCOMPRESSED, GZIP, SNAPPY (got LZO).',
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.WriterVersion must be one of V1, V2 (got V3).',
    ]);
  });

  it('requires exactly one serializer and validates OpenX mappings', () => {
    const raw = {
      ...VALID,
      InputFormatConfiguration: {
        Deserializer: { OpenXJsonSerDe: { ColumnToJsonKeyMappings: { 'bad key': ' ' } } },
      },
      OutputFormatConfiguration: { Serializer: {} },
    };
    expect(checkDataFormatConversion(raw, S3)).toEqual([
      'DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer.OpenXJsonSerDe.ColumnToJsonKeyMappings key bad key must be 1 to 1024 characters without whitespace.',
      'DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer.OpenXJsonSerDe.ColumnToJsonKeyMappings value for bad key must be a non-blank string of at most 1024 characters.',
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer must specify exactly one of ParquetSerDe or OrcSerDe.',
    ]);
  });
});
