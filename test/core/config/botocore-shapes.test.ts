import { describe, expect, it } from 'vitest';
import { botocoreShape } from '../../../lib/core/config/botocore-shapes.ts';
import { collectShapeProblems } from '../../../lib/core/config/validate-shape.ts';

const problems = (value: unknown, shape: Parameters<typeof botocoreShape>[0]) =>
  collectShapeProblems(value, botocoreShape(shape), 'x');

describe('shapes from the botocore model', () => {
  it('checks the conversion blocks: bounds, enums, maps and unknown members', () => {
    const found = problems(
      {
        Serializer: {
          ParquetSerDe: { BlockSizeBytes: 1024, Compression: 'snappy', PageSizeBytes: 65536 },
        },
      },
      'OutputFormatConfiguration',
    );
    expect(found.violations).toEqual([
      "Value '1024' at 'x.serializer.parquetSerDe.blockSizeBytes' failed to satisfy constraint: Member must have value greater than or equal to 67108864",
      "Value 'snappy' at 'x.serializer.parquetSerDe.compression' failed to satisfy constraint: Member must satisfy enum value set: [UNCOMPRESSED, GZIP, SNAPPY]",
    ]);
    const mapping = problems(
      {
        Deserializer: { OpenXJsonSerDe: { ColumnToJsonKeyMappings: { 'bad key': 'ts', ok: '' }, Extra: 1 } },
      },
      'InputFormatConfiguration',
    );
    expect(mapping.violations).toEqual([
      "Value 'bad key' at 'x.deserializer.openXJsonSerDe.columnToJsonKeyMappings.bad key.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\S+$",
      "Value '' at 'x.deserializer.openXJsonSerDe.columnToJsonKeyMappings.ok.value' failed to satisfy constraint: Member must have length greater than or equal to 1",
      "Value '' at 'x.deserializer.openXJsonSerDe.columnToJsonKeyMappings.ok.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!\\s*$).+",
      "Value '1' at 'x.deserializer.openXJsonSerDe.extra' failed to satisfy constraint: Member must be a known member of OpenXJsonSerDe",
    ]);
  });

  it('accepts a local PostgreSQL JDBC URL for Redshift as well as the model’s Redshift host names', () => {
    const url = (ClusterJDBCURL: string) =>
      collectShapeProblems({ ClusterJDBCURL }, botocoreShape('RedshiftDestinationUpdate'), 'x').violations;
    expect(url('jdbc:postgresql://127.0.0.1:5432/dev')).toEqual([]);
    expect(url('jdbc:redshift://c1.abc123.us-east-1.redshift.amazonaws.com:5439/dev')).toEqual([]);
    expect(url('jdbc:mysql://127.0.0.1:3306/dev')).toHaveLength(1);
  });

  it('requires what the model requires of an HTTP endpoint destination', () => {
    expect(
      problems(
        { EndpointConfiguration: { Url: 'https://example.com' } },
        'HttpEndpointDestinationConfiguration',
      ).violations,
    ).toEqual(["Value null at 'x.s3Configuration' failed to satisfy constraint: Member must not be null"]);
  });
});
