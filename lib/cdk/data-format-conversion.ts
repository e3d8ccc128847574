import { Stack } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { compact } from './common.ts';

/** Where the schema is: a Glue table (spec §7.1). Named as aws-cdk-lib's `SchemaConfiguration`. */
export interface SchemaConfigurationProps {
  readonly databaseName: string;
  readonly tableName: string;
  /** Default: the stack's account (Glue's default catalog). */
  readonly catalogId?: string;
  /** Default: the stack's region. */
  readonly region?: string;
  /** Default `LATEST`: the table's current version, so table changes are picked up (spec §7.1). */
  readonly versionId?: string;
}

export class SchemaConfiguration {
  /** The schema of a Glue table defined in this app. */
  static fromCfnTable(
    table: glue.CfnTable,
    props: { versionId?: string; region?: string } = {},
  ): SchemaConfiguration {
    return new SchemaConfiguration({
      databaseName: table.databaseName,
      tableName: table.ref,
      catalogId: table.catalogId,
      ...props,
    });
  }

  /** The schema of any Glue table, by name. */
  static fromTableName(props: SchemaConfigurationProps): SchemaConfiguration {
    return new SchemaConfiguration(props);
  }

  private constructor(private readonly props: SchemaConfigurationProps) {}

  /**
   * Grants the flush roles what the Glue adapter calls — GetTable, and GetTableVersion for a pinned version —
   * on exactly the catalog, database and table, and returns Firehose's SchemaConfiguration.
   */
  bind(scope: Construct, roles: readonly iam.IRole[]): Record<string, unknown> {
    const stack = Stack.of(scope);
    const { databaseName, tableName } = this.props;
    const region = this.props.region ?? stack.region;
    const catalogId = this.props.catalogId ?? stack.account;
    const versionId = this.props.versionId ?? 'LATEST';
    const arn = (resource: string, resourceName?: string) =>
      stack.formatArn({
        service: 'glue',
        resource,
        region,
        account: catalogId,
        ...(resourceName ? { resourceName } : {}),
      });
    const statement = new iam.PolicyStatement({
      actions: versionId === 'LATEST' ? ['glue:GetTable'] : ['glue:GetTable', 'glue:GetTableVersion'],
      resources: [
        arn('catalog'),
        arn('database', databaseName),
        arn('table', `${databaseName}/${tableName}`),
      ],
    });
    for (const role of roles) role.addToPrincipalPolicy(statement);
    return compact({
      RoleARN: roles[0]?.roleArn,
      CatalogId: this.props.catalogId,
      DatabaseName: databaseName,
      TableName: tableName,
      Region: this.props.region,
      VersionId: versionId,
    });
  }
}

/** The deserializer (spec §7.2), named as aws-cdk-lib's `InputFormat`. */
export class InputFormat {
  static readonly OPENX_JSON = InputFormat.openXJson();
  static readonly HIVE_JSON = InputFormat.hiveJson();

  static openXJson(
    options: {
      lowercaseColumnNames?: boolean;
      columnToJsonKeyMappings?: Record<string, string>;
      convertDotsInJsonKeysToUnderscores?: boolean;
    } = {},
  ): InputFormat {
    return new InputFormat({
      OpenXJsonSerDe: compact({
        CaseInsensitive: options.lowercaseColumnNames,
        ColumnToJsonKeyMappings: options.columnToJsonKeyMappings,
        ConvertDotsInJsonKeysToUnderscores: options.convertDotsInJsonKeysToUnderscores,
      }),
    });
  }

  /** `timestampFormats`: Joda-Time patterns, or `millis`. */
  static hiveJson(options: { timestampFormats?: string[] } = {}): InputFormat {
    return new InputFormat({ HiveJsonSerDe: compact({ TimestampFormats: options.timestampFormats }) });
  }

  private constructor(readonly deserializer: Record<string, unknown>) {}
}

/** The serializer (spec §7.3): Parquet only (Sluice has no ORC writer). Named as aws-cdk-lib's `OutputFormat`. */
export class OutputFormat {
  static readonly PARQUET = OutputFormat.parquet();

  static parquet(
    options: {
      compression?: 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';
      blockSizeBytes?: number;
      pageSizeBytes?: number;
      enableDictionaryCompression?: boolean;
      maxPaddingBytes?: number;
      writerVersion?: 'V1' | 'V2';
    } = {},
  ): OutputFormat {
    return new OutputFormat({
      ParquetSerDe: compact({
        Compression: options.compression,
        BlockSizeBytes: options.blockSizeBytes,
        PageSizeBytes: options.pageSizeBytes,
        EnableDictionaryCompression: options.enableDictionaryCompression,
        MaxPaddingBytes: options.maxPaddingBytes,
        WriterVersion: options.writerVersion,
      }),
    });
  }

  private constructor(readonly serializer: Record<string, unknown>) {}
}

export interface DataFormatConversionProps {
  readonly schemaConfiguration: SchemaConfiguration;
  readonly inputFormat: InputFormat;
  readonly outputFormat: OutputFormat;
  /** Default true. */
  readonly enabled?: boolean;
}

/** Firehose's DataFormatConversionConfiguration, granting the flush roles the Glue reads it needs. */
export function dataFormatConversionConfiguration(
  scope: Construct,
  props: DataFormatConversionProps | undefined,
  roles: readonly iam.IRole[],
): Record<string, unknown> | undefined {
  if (!props) return undefined;
  return compact({
    Enabled: props.enabled,
    SchemaConfiguration: props.schemaConfiguration.bind(scope, roles),
    InputFormatConfiguration: { Deserializer: props.inputFormat.deserializer },
    OutputFormatConfiguration: { Serializer: props.outputFormat.serializer },
  });
}
