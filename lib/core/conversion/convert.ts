import { YIELD_EVERY_BYTES, yieldToEventLoop } from '../compression/yield-to-event-loop.ts';
import type { RecordBytes } from '../records.ts';
import type { ResolvedDataFormatConversion } from './config.ts';
import { type ConversionFailure, RecordFailure } from './failures.ts';
import { JsonShredder } from './json-shredder.ts';
import { ParquetFileWriter } from './parquet-writer.ts';
import type { ParquetSchema } from './schema.ts';

export interface ConversionResult {
  /** The Parquet file as consecutive chunks; empty (no file) when no record converted. */
  body: Uint8Array[];
  /** Rows written: one per JSON object, so more than convertedRecords when records hold several objects. */
  rows: number;
  convertedRecords: number;
  /** Input bytes of the converted records (SucceedConversion.Bytes, §7.4). */
  convertedBytes: number;
  /** In record order. */
  failures: ConversionFailure[];
}

/** Records between two checks of the row-group cap (a check sums every column's held bytes). */
const CHECK_EVERY_RECORDS = 64;

/**
 * Converts the records of one delivery into one Parquet file (Firehose writes one object per buffer flush,
 * spec §7). Records that are not JSON objects or whose values do not fit their columns are returned as failures
 * and add no rows; the rest still convert (§7.4). Row groups are encoded as they fill, and the work yields to the
 * event loop about every MiB of input and every few MiB of pages, so a 128 MiB batch does not stall a server.
 * Throws only for whole-batch problems (a schema the deserializer cannot use).
 */
export async function convertToParquet(
  records: readonly RecordBytes[],
  schema: ParquetSchema,
  conversion: ResolvedDataFormatConversion,
): Promise<ConversionResult> {
  const writer = new ParquetFileWriter(schema, conversion.serializer);
  const shredder = new JsonShredder(schema, writer.columns, conversion.deserializer);
  const failures: ConversionFailure[] = [];
  let recordIndex = 0;
  let rows = 0;
  let convertedRecords = 0;
  let convertedBytes = 0;
  let bytesSinceYield = 0;
  let sinceCheck = 0;
  for (const run of records) {
    const { data, ends } = run;
    let start = 0;
    for (let i = 0; i < ends.length; i++, recordIndex++) {
      const end = ends[i]!;
      try {
        const added = shredder.record(data, start, end);
        writer.addRows(added);
        rows += added;
        convertedRecords++;
        convertedBytes += end - start;
      } catch (error) {
        if (!(error instanceof RecordFailure)) throw error;
        failures.push({ recordIndex, errorCode: error.errorCode, errorMessage: error.message });
      }
      bytesSinceYield += end - start;
      start = end;
      if (++sinceCheck >= CHECK_EVERY_RECORDS) {
        sinceCheck = 0;
        if (writer.rowGroupFull()) await writer.closeRowGroup();
      }
      if (bytesSinceYield >= YIELD_EVERY_BYTES) {
        bytesSinceYield = 0;
        await yieldToEventLoop();
      }
    }
  }
  const body = rows === 0 ? [] : await writer.finish();
  return { body, rows, convertedRecords, convertedBytes, failures };
}
