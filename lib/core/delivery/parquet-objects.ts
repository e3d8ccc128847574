import type { ResolvedStream } from '../config/resolved.ts';
import {
  type ConversionResult,
  compileSchema,
  convertToParquet,
  type GlueTable,
  type ParquetSchema,
  type ResolvedDataFormatConversion,
  resolveDataFormatConversion,
} from '../conversion/index.ts';
import { type ErrorOutputInput, errorOutputBody } from '../error-output/index.ts';
import { SluiceError } from '../errors.ts';
import type { RecordRun } from '../records.ts';

export type { GlueTable };

/**
 * Where schemas come from: the config file's `glueTables` locally, Glue's GetTable on AWS (asynchronous, and
 * undefined when the table does not exist).
 */
export type GlueTables = (
  databaseName: string,
  tableName: string,
) => GlueTable | undefined | Promise<GlueTable | undefined>;

const schemas = new WeakMap<GlueTable, ParquetSchema>();
const resolved = new WeakMap<object, ResolvedDataFormatConversion>();

export interface ConvertedBatch {
  /** The Parquet file's chunks; empty when no record converted. */
  body: Uint8Array[];
  result: ConversionResult;
  /** §4.2 `format-conversion-failed` documents of the records that did not convert, as one object body. */
  errorBody: Uint8Array | undefined;
}

/**
 * Converts a batch to one Parquet file (spec §7) with the schema of the stream's Glue table. Records that do not
 * parse or fit the schema become `format-conversion-failed` documents; the rest still convert (§7.4). A table
 * that cannot be found fails the whole batch, which then stays in the log and is retried: the records are fine,
 * the configuration is not (yet).
 */
export async function convertBatch(
  batch: readonly RecordRun[],
  stream: ResolvedStream,
  glueTables: GlueTables | undefined,
  ctx: { region: string; accountId: string; nowMs: number },
): Promise<ConvertedBatch> {
  const config = stream.destination.dataFormatConversion;
  const schemaConfig = config?.SchemaConfiguration as
    | { DatabaseName?: string; TableName?: string; CatalogId?: string; Region?: string; VersionId?: string }
    | undefined;
  const database = schemaConfig?.DatabaseName ?? '';
  const tableName = schemaConfig?.TableName ?? '';
  const table = await glueTables?.(database, tableName);
  if (!table) {
    throw new SluiceError(
      'GlueTableNotFound',
      `Data format conversion of stream ${stream.name} needs the Glue table ${database}.${tableName}, which was not found: locally, add it to "glueTables" in the config file (its Columns as Glue's StorageDescriptor has them); on AWS, create it in the Glue Data Catalog the stream's SchemaConfiguration names.`,
    );
  }
  let schema = schemas.get(table);
  if (!schema) {
    schema = compileSchema(table);
    schemas.set(table, schema);
  }
  let conversion = resolved.get(config as object);
  if (!conversion) {
    conversion = resolveDataFormatConversion(config)!;
    resolved.set(config as object, conversion);
  }
  const result = await convertToParquet(batch, schema, conversion);
  if (result.failures.length === 0) return { body: result.body, result, errorBody: undefined };

  const views = recordIndex(batch);
  const region = schemaConfig?.Region ?? ctx.region;
  const catalogId = schemaConfig?.CatalogId ?? ctx.accountId;
  const inputs = result.failures.map((failure): ErrorOutputInput => {
    const { run, i } = views[failure.recordIndex]!;
    const start = i === 0 ? 0 : run.ends[i - 1]!;
    const kinesis = run.kinesis?.[i];
    return {
      errorOutputType: 'format-conversion-failed',
      record: {
        data: run.data.subarray(start, run.ends[i]!),
        arrivalMs: run.arrivalMs,
        ...(kinesis ? { kinesisRecordMetadata: kinesis } : {}),
      },
      errorCode: failure.errorCode,
      errorMessage: failure.errorMessage,
      attemptsMade: 1,
      attemptEndingMs: ctx.nowMs,
      // Without a Kinesis source, the record's position in the stream's log stands in for the sequence number.
      ...(kinesis ? {} : { sequenceNumber: String(run.firstSeq + i) }),
      dataCatalogTable: {
        catalogId,
        databaseName: database,
        tableName,
        region,
        versionId: schemaConfig?.VersionId ?? 'LATEST',
        catalogArn: `arn:aws:glue:${region}:${catalogId}:catalog`,
      },
    };
  });
  return { body: result.body, result, errorBody: errorOutputBody(inputs) };
}

function recordIndex(batch: readonly RecordRun[]): Array<{ run: RecordRun; i: number }> {
  const index: Array<{ run: RecordRun; i: number }> = [];
  for (const run of batch) for (let i = 0; i < run.ends.length; i++) index.push({ run, i });
  return index;
}
