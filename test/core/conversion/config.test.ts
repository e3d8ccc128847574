import { describe, expect, it } from 'vitest';
import {
  checkDataFormatConversion,
  convertedObjectExtension,
  PARQUET_FILE_EXTENSION,
  resolveDataFormatConversion,
} from '../../../lib/core/conversion/index.ts';
import { FirehoseApiError } from '../../../lib/core/errors.ts';

const MiB = 1024 * 1024;
const DESTINATION = { compressionFormat: 'UNCOMPRESSED', bufferingSizeBytes: undefined };
const VALID = {
  SchemaConfiguration: { RoleARN: 'arn:aws:iam::123456789012:role/r', DatabaseName: 'db', TableName: 't' },
  InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
  OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
};

function withParquet(parquet: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { ...VALID, ...extra, OutputFormatConfiguration: { Serializer: { ParquetSerDe: parquet } } };
}

describe('checkDataFormatConversion', () => {
  it('accepts a valid configuration and an absent one', () => {
    expect(checkDataFormatConversion(VALID, DESTINATION)).toEqual([]);
    expect(checkDataFormatConversion(undefined, DESTINATION)).toEqual([]);
    expect(
      checkDataFormatConversion(VALID, { compressionFormat: 'UNCOMPRESSED', bufferingSizeBytes: 64 * MiB }),
    ).toEqual([]);
  });

  it('needs exactly one deserializer and one serializer when enabled (Enabled defaults to true)', () => {
    const none = { ...VALID, InputFormatConfiguration: { Deserializer: {} }, OutputFormatConfiguration: {} };
    const problems = checkDataFormatConversion(none, DESTINATION);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/exactly one of OpenXJsonSerDe or HiveJsonSerDe/);
    expect(problems[1]).toMatch(/exactly one of ParquetSerDe or OrcSerDe/);
    const both = {
      ...VALID,
      InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {}, HiveJsonSerDe: {} } },
    };
    expect(checkDataFormatConversion(both, DESTINATION)).toEqual([expect.stringMatching(/got 2/)]);
  });

  it('rejects OrcSerDe, naming the gap', () => {
    const orc = { ...VALID, OutputFormatConfiguration: { Serializer: { OrcSerDe: {} } } };
    expect(checkDataFormatConversion(orc, DESTINATION)).toEqual([
      expect.stringMatching(/^Sluice does not support .*OrcSerDe yet \(ORC output\)/),
    ]);
  });

  it('needs an UNCOMPRESSED destination and a buffer of at least 64 MiB', () => {
    expect(
      checkDataFormatConversion(VALID, { compressionFormat: 'GZIP', bufferingSizeBytes: 32 * MiB }),
    ).toEqual([
      expect.stringMatching(/^CompressionFormat must be UNCOMPRESSED .*got GZIP/),
      'BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled (got 32).',
    ]);
  });

  it('checks SchemaConfiguration: required fields, 1–1024 characters, no whitespace', () => {
    const schema = {
      RoleARN: 'arn:aws:iam::123456789012:role/r',
      DatabaseName: 'my db',
      CatalogId: 'x'.repeat(1025),
    };
    const problems = checkDataFormatConversion({ ...VALID, SchemaConfiguration: schema }, DESTINATION);
    expect(problems).toEqual([
      expect.stringMatching(/SchemaConfiguration\.CatalogId must be 1 to 1024 characters without whitespace/),
      expect.stringMatching(
        /SchemaConfiguration\.DatabaseName must be 1 to 1024 characters without whitespace/,
      ),
      expect.stringMatching(/SchemaConfiguration\.TableName is required/),
    ]);
  });

  it('checks the ParquetSerDe bounds of §7.3 with case-sensitive enums', () => {
    const problems = checkDataFormatConversion(
      withParquet({
        BlockSizeBytes: 64 * MiB - 1,
        PageSizeBytes: 64 * 1024 - 1,
        MaxPaddingBytes: -1,
        Compression: 'snappy',
        WriterVersion: 'v2',
        EnableDictionaryCompression: 'yes',
      }),
      DESTINATION,
    );
    expect(problems.map((p) => p.replace(/ must.*/, ''))).toEqual([
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.BlockSizeBytes',
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.PageSizeBytes',
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.MaxPaddingBytes',
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.Compression',
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.WriterVersion',
      'DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.EnableDictionaryCompression',
    ]);
    expect(
      checkDataFormatConversion(
        withParquet({
          BlockSizeBytes: 64 * MiB,
          PageSizeBytes: 64 * 1024,
          MaxPaddingBytes: 0,
          Compression: 'GZIP',
          WriterVersion: 'V2',
        }),
        DESTINATION,
      ),
    ).toEqual([]);
  });

  it('still rejects model-level bound violations when Enabled is false, but nothing else', () => {
    const disabled = {
      Enabled: false,
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: { PageSizeBytes: 1 } } },
    };
    expect(
      checkDataFormatConversion(disabled, { compressionFormat: 'GZIP', bufferingSizeBytes: MiB }),
    ).toEqual([
      expect.stringMatching(/ParquetSerDe\.PageSizeBytes must be an integer greater than or equal to 65536/),
    ]);
    expect(
      checkDataFormatConversion({ Enabled: false }, { compressionFormat: 'GZIP', bufferingSizeBytes: MiB }),
    ).toEqual([]);
  });

  it('checks deserializer options, including TimestampFormats patterns Sluice cannot apply', () => {
    const hive = {
      ...VALID,
      InputFormatConfiguration: {
        Deserializer: { HiveJsonSerDe: { TimestampFormats: ['yyyy-MM-dd', 'millis', 'yyyy-ww', ' '] } },
      },
    };
    expect(checkDataFormatConversion(hive, DESTINATION)).toEqual([
      expect.stringMatching(/'yyyy-ww' uses 'w'/),
      expect.stringMatching(/TimestampFormats entries must be 1 to 1024 characters and not blank/),
    ]);
    const openX = {
      ...VALID,
      InputFormatConfiguration: {
        Deserializer: {
          OpenXJsonSerDe: { CaseInsensitive: 'no', ColumnToJsonKeyMappings: { 'a b': 'k', c: ' ' } },
        },
      },
    };
    expect(checkDataFormatConversion(openX, DESTINATION)).toEqual([
      expect.stringMatching(/OpenXJsonSerDe\.CaseInsensitive must be a boolean/),
      expect.stringMatching(/ColumnToJsonKeyMappings key 'a b'/),
      expect.stringMatching(/ColumnToJsonKeyMappings value for 'c'/),
    ]);
  });
});

describe('resolveDataFormatConversion', () => {
  it("applies Firehose's defaults", () => {
    expect(resolveDataFormatConversion(VALID)).toEqual({
      enabled: true,
      deserializer: {
        kind: 'OpenXJsonSerDe',
        caseInsensitive: true,
        convertDotsInJsonKeysToUnderscores: false,
        columnToJsonKeyMappings: {},
      },
      serializer: {
        compression: 'SNAPPY',
        blockSizeBytes: 256 * MiB,
        pageSizeBytes: MiB,
        enableDictionaryCompression: true,
        maxPaddingBytes: 0,
        writerVersion: 'V1',
      },
      schema: {
        databaseName: 'db',
        tableName: 't',
        roleArn: 'arn:aws:iam::123456789012:role/r',
        catalogId: undefined,
        region: undefined,
        versionId: 'LATEST',
      },
    });
  });

  it('keeps what is given, and is undefined when absent or disabled', () => {
    const resolved = resolveDataFormatConversion({
      ...withParquet({
        Compression: 'GZIP',
        WriterVersion: 'V2',
        EnableDictionaryCompression: false,
        MaxPaddingBytes: 5,
      }),
      InputFormatConfiguration: { Deserializer: { HiveJsonSerDe: { TimestampFormats: ['millis'] } } },
    });
    expect(resolved?.deserializer).toEqual({ kind: 'HiveJsonSerDe', timestampFormats: ['millis'] });
    expect(resolved?.serializer).toMatchObject({
      compression: 'GZIP',
      writerVersion: 'V2',
      enableDictionaryCompression: false,
      maxPaddingBytes: 5,
    });
    expect(resolveDataFormatConversion(undefined)).toBeUndefined();
    expect(resolveDataFormatConversion({ ...VALID, Enabled: false })).toBeUndefined();
  });

  it('throws an InvalidArgumentException listing the problems', () => {
    const bad = withParquet({ BlockSizeBytes: 1 });
    expect(() => resolveDataFormatConversion(bad)).toThrow(FirehoseApiError);
    try {
      resolveDataFormatConversion(bad);
    } catch (error) {
      expect((error as FirehoseApiError).type).toBe('InvalidArgumentException');
      expect((error as FirehoseApiError).message).toMatch(
        /BlockSizeBytes must be an integer greater than or equal to 67108864/,
      );
    }
  });

  it('names the object extension (spec §3.4: .parquet, no compression suffix, FileExtension replaces it)', () => {
    expect(PARQUET_FILE_EXTENSION).toBe('.parquet');
    expect(convertedObjectExtension(undefined)).toBe('.parquet');
    expect(convertedObjectExtension('')).toBe('.parquet');
    expect(convertedObjectExtension('.pq')).toBe('.pq');
  });
});
