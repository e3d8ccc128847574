import { yieldToEventLoop } from '../compression/yield-to-event-loop.ts';
import type { RecordBytes } from '../records.ts';
import { JsonRowReader, RecordConversionError } from './json-rows.ts';
import type { ConversionOptions } from './options.ts';
import type { ParquetSchema } from './schema.ts';
import { ParquetWriter } from './writer.ts';

/** A record that could not be converted; it goes to the `format-conversion-failed` error output (§7.4). */
export interface ConversionFailure {
  /** Position of the record across all the runs given to convertToParquet, from 0. */
  recordIndex: number;
  /** `DataFormatConversion.ParseError` (not JSON objects) or `DataFormatConversion.MalformedData`. */
  errorCode: string;
  errorMessage: string;
}

export interface ConversionResult {
  /** The Parquet file as consecutive chunks (concatenate or stream them); empty when no record converted. */
  body: Uint8Array[];
  /** Rows written: one per JSON object, so more than `convertedRecords` when records hold several objects. */
  rows: number;
  convertedRecords: number;
  failures: ConversionFailure[];
}

/**
 * JSON input bytes converted between two yields. The core may not read a clock, so "about 20 ms of work" is
 * measured in bytes: conversion runs at roughly 50 MB/s, so 1 MiB is ~20 ms. Encoding yields after every page.
 */
const YIELD_EVERY_INPUT_BYTES = 1024 * 1024;

/**
 * Converts the records of one delivery to a single Parquet file (Firehose writes one object per buffer flush).
 * Records that are not JSON objects or whose values do not fit their columns are returned as failures and add
 * no rows; the rest still convert (§7.4). Throws only for whole-batch problems (a TimestampFormats pattern
 * Sluice cannot parse).
 */
export async function convertToParquet(
  records: readonly RecordBytes[],
  schema: ParquetSchema,
  options: ConversionOptions,
): Promise<ConversionResult> {
  const writer = new ParquetWriter(schema, options);
  const reader = new JsonRowReader(schema, writer.columns, options);
  const failures: ConversionFailure[] = [];
  let recordIndex = 0;
  let rows = 0;
  let convertedRecords = 0;
  let bytesSinceYield = 0;
  for (const run of records) {
    reader.setRun(run.data);
    const ends = run.ends;
    let start = 0;
    for (let i = 0; i < ends.length; i++, recordIndex++) {
      const end = ends[i]!;
      try {
        const added = reader.readRecordAt(start, end);
        writer.rowsAdded(added);
        rows += added;
        convertedRecords++;
      } catch (error) {
        if (!(error instanceof RecordConversionError)) throw error;
        failures.push({ recordIndex, errorCode: error.errorCode, errorMessage: error.message });
      }
      bytesSinceYield += end - start;
      start = end;
      // Row groups end between records, so a record's rows never straddle two of them.
      if (writer.rowGroupFull()) await drive(writer.flushRowGroup());
      if (bytesSinceYield >= YIELD_EVERY_INPUT_BYTES) {
        bytesSinceYield = 0;
        await yieldToEventLoop();
      }
    }
  }
  if (convertedRecords === 0) return { body: [], rows: 0, convertedRecords, failures };
  await drive(writer.finish());
  return { body: writer.parts, rows, convertedRecords, failures };
}

async function drive(steps: Generator<void>): Promise<void> {
  for (const _ of steps) await yieldToEventLoop();
}
