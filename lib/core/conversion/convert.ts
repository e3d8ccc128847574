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
  const progress = new RecordShredding(
    new JsonShredder(schema, writer.columns, conversion.deserializer),
    writer,
  );
  for (const run of records) {
    let next = 0;
    while (next < run.ends.length) {
      next = progress.shred(run, next);
      if (progress.sinceCheck >= CHECK_EVERY_RECORDS) {
        progress.sinceCheck = 0;
        if (writer.rowGroupFull()) await writer.closeRowGroup();
      }
      if (progress.bytesSinceYield >= YIELD_EVERY_BYTES) {
        progress.bytesSinceYield = 0;
        await yieldToEventLoop();
      }
    }
  }
  const { rows, convertedRecords, convertedBytes, failures } = progress;
  const body = rows === 0 ? [] : await writer.finish();
  writer.release();
  return { body, rows, convertedRecords, convertedBytes, failures };
}

/**
 * The record loop, kept synchronous and apart from the async steps above: the first conversion that fills a row
 * group or yields then adds no new path to an optimised loop, which would make V8 deoptimise and recompile it.
 */
class RecordShredding {
  rows = 0;
  convertedRecords = 0;
  convertedBytes = 0;
  readonly failures: ConversionFailure[] = [];
  /** Records shredded since the row-group cap was last checked. */
  sinceCheck = 0;
  bytesSinceYield = 0;
  private recordIndex = 0;

  constructor(
    private readonly shredder: JsonShredder,
    private readonly writer: ParquetFileWriter,
  ) {}

  /** Shreds the run's records from `from` until a row-group check or a yield is due; returns the next record. */
  shred(run: RecordBytes, from: number): number {
    const { data, ends } = run;
    let start = from === 0 ? 0 : ends[from - 1]!;
    let i = from;
    while (i < ends.length) {
      const end = ends[i]!;
      try {
        const added = this.shredder.record(data, start, end);
        this.writer.addRows(added);
        this.rows += added;
        this.convertedRecords++;
        this.convertedBytes += end - start;
      } catch (error) {
        if (!(error instanceof RecordFailure)) throw error;
        this.failures.push({
          recordIndex: this.recordIndex,
          errorCode: error.errorCode,
          errorMessage: error.message,
        });
      }
      this.recordIndex++;
      this.bytesSinceYield += end - start;
      start = end;
      i++;
      if (++this.sinceCheck >= CHECK_EVERY_RECORDS || this.bytesSinceYield >= YIELD_EVERY_BYTES) break;
    }
    return i;
  }
}
