import { Buffer } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { DECOMPRESSION_FAILED_CODE } from './error-documents.ts';

/**
 * Firehose's built-in record processors (spec §6, "Other processor types"): RecordDeAggregation,
 * Decompression with CloudWatchLogProcessing, AppendDelimiterToRecord. Each works on one record's bytes and
 * returns what became of it as a value; bad data never throws.
 *
 * Order in the pipeline (§6 "Processing order", with the CloudWatch pair first because the Lambda of a
 * CloudWatch Logs stream expects decompressed payloads): Decompression/CloudWatchLogProcessing →
 * RecordDeAggregation → Lambda → MetadataExtraction → AppendDelimiterToRecord → format conversion.
 */

/** Zero or more records replace the input record; a record that failed goes whole to the error prefix. */
export type ProcessorOutcome =
  | { readonly kind: 'ok'; readonly records: Uint8Array[] }
  | {
      readonly kind: 'failed';
      /** `!{firehose:error-output-type}` for the error object (§4.1). */
      readonly errorOutputType: 'decompression-failed' | 'processing-failed';
      readonly errorCode: string;
      readonly errorMessage: string;
      /** The bytes the error document carries: the record as it arrived (kept compressed, §4.1). */
      readonly rawData: Uint8Array;
    };

const MAX_SUB_RECORDS = 500;
/** A gzip record expands at most this far; beyond it is treated as corrupt (a zip bomb would otherwise fill memory). */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

function view(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function failed(
  errorOutputType: 'decompression-failed' | 'processing-failed',
  errorCode: string,
  errorMessage: string,
  rawData: Uint8Array,
): ProcessorOutcome {
  return { kind: 'failed', errorOutputType, errorCode, errorMessage, rawData };
}

// ── RecordDeAggregation ─────────────────────────────────────────────────────────────────────────────────────

export type DeAggregationSettings =
  | { readonly subRecordType: 'JSON' }
  | { readonly subRecordType: 'DELIMITED'; readonly delimiter: Uint8Array };

/**
 * Code of a record RecordDeAggregation could not split. AWS only says such records go to the error prefix
 * (§6); Sluice writes them with partitioningFailedDocument under `processing-failed`.
 */
export const DEAGGREGATION_FAILED_CODE = 'DynamicPartitioning.RecordDeAggregationFailed';

export function checkRecordDeAggregation(parameters: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const type = parameters.SubRecordType;
  if (type !== 'JSON' && type !== 'DELIMITED') {
    problems.push(
      `RecordDeAggregation needs SubRecordType JSON or DELIMITED; got ${JSON.stringify(type ?? null)}`,
    );
  }
  if (type === 'DELIMITED') {
    const delimiter = parameters.Delimiter;
    if (delimiter === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(delimiter) || delimiter.length % 4 !== 0) {
      problems.push(
        'RecordDeAggregation with SubRecordType DELIMITED needs Delimiter, the delimiter in base64 (#### → IyMjIw==)',
      );
    }
  } else if (parameters.Delimiter !== undefined) {
    problems.push('RecordDeAggregation takes a Delimiter only with SubRecordType DELIMITED');
  }
  return problems;
}

export function resolveRecordDeAggregation(
  parameters: Readonly<Record<string, string>>,
): DeAggregationSettings {
  return parameters.SubRecordType === 'DELIMITED'
    ? { subRecordType: 'DELIMITED', delimiter: view(Buffer.from(parameters.Delimiter ?? '', 'base64')) }
    : { subRecordType: 'JSON' };
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The byte ranges of the JSON objects in concatenated or newline-delimited JSON. Strings are skipped so braces
 * inside them do not count; object contents are not validated here (MetadataExtraction parses them later),
 * only that the top level is a sequence of balanced `{…}`.
 */
function jsonObjectRanges(data: Uint8Array): Array<[number, number]> | string {
  const ranges: Array<[number, number]> = [];
  let i = 0;
  while (i < data.length) {
    if (WHITESPACE.has(data[i]!)) {
      i++;
      continue;
    }
    if (data[i] !== 0x7b) return `expected a JSON object at byte ${i}`;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < data.length; i++) {
      const c = data[i]!;
      if (inString) {
        if (c === 0x5c) i++;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) break;
        if (depth < 0) return `unbalanced brackets at byte ${i}`;
      }
    }
    if (depth !== 0 || i >= data.length) return 'the record ends inside a JSON object';
    ranges.push([start, i + 1]);
    i++;
  }
  return ranges;
}

function indexOf(data: Uint8Array, needle: Uint8Array, from: number): number {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(needle, from);
}

/**
 * Splits a record into its sub-records (§6 multi-record de-aggregation). JSON: each top-level object becomes
 * a record, the whitespace and newlines between them are dropped. DELIMITED: the pieces between delimiters,
 * empty pieces dropped (a trailing delimiter yields no empty record; Firehose never accepts empty records).
 *
 * More than 500 sub-records (§6: "max 500 sub-records per blob"): AWS does not say what happens; Sluice fails
 * the whole record to the error prefix instead of truncating it, so no sub-record is lost silently and the
 * error object holds the record as it arrived.
 */
export function deAggregateRecord(data: Uint8Array, settings: DeAggregationSettings): ProcessorOutcome {
  const records: Uint8Array[] = [];
  if (settings.subRecordType === 'JSON') {
    const ranges = jsonObjectRanges(data);
    if (typeof ranges === 'string') {
      return failed(
        'processing-failed',
        DEAGGREGATION_FAILED_CODE,
        `The record is not a sequence of JSON objects: ${ranges}.`,
        data,
      );
    }
    for (const [start, end] of ranges) records.push(data.subarray(start, end));
  } else {
    const { delimiter } = settings;
    let start = 0;
    while (start <= data.length) {
      const at = delimiter.length === 0 ? -1 : indexOf(data, delimiter, start);
      const end = at === -1 ? data.length : at;
      if (end > start) records.push(data.subarray(start, end));
      if (at === -1) break;
      start = at + delimiter.length;
    }
  }
  if (records.length > MAX_SUB_RECORDS) {
    return failed(
      'processing-failed',
      DEAGGREGATION_FAILED_CODE,
      `The record holds ${records.length} sub-records; at most ${MAX_SUB_RECORDS} are de-aggregated from one record.`,
      data,
    );
  }
  return { kind: 'ok', records };
}

// ── Decompression + CloudWatchLogProcessing ─────────────────────────────────────────────────────────────────

export interface DecompressionSettings {
  /** CloudWatchLogProcessing with DataMessageExtraction=true: one record per log event's `message`. */
  readonly extractDataMessages: boolean;
}

export function checkDecompression(parameters: Readonly<Record<string, string>>): string[] {
  const format = parameters.CompressionFormat ?? 'GZIP';
  return format === 'GZIP'
    ? []
    : [`Decompression supports CompressionFormat GZIP only; got ${JSON.stringify(format)}`];
}

export function checkCloudWatchLogProcessing(
  parameters: Readonly<Record<string, string>>,
  hasDecompression: boolean,
): string[] {
  const problems: string[] = [];
  const extraction = parameters.DataMessageExtraction;
  if (extraction !== undefined && extraction !== 'true' && extraction !== 'false') {
    problems.push(
      `CloudWatchLogProcessing DataMessageExtraction must be true or false; got ${JSON.stringify(extraction)}`,
    );
  }
  if (!hasDecompression) problems.push('CloudWatchLogProcessing requires a Decompression processor (§6)');
  return problems;
}

export const CLOUDWATCH_LOGS_ERROR_CODE = 'CloudWatchLogProcessing.InvalidPayload';

interface LogsPayload {
  messageType?: unknown;
  logEvents?: unknown;
}

/**
 * Decompresses a CloudWatch Logs subscription record and, with message extraction, splits it into the log
 * events' messages (UTF-8, without a delimiter: AppendDelimiterToRecord adds one). CONTROL_MESSAGE records
 * (CloudWatch Logs checking the destination is reachable) yield no records. A record that does not gunzip,
 * or with extraction is not a subscription payload, is kept as it arrived, compressed, for the
 * `decompression-failed` error output (§4.1).
 */
export function decompressRecord(data: Uint8Array, settings: DecompressionSettings): ProcessorOutcome {
  let plain: Uint8Array;
  try {
    plain = view(gunzipSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES }));
  } catch (cause) {
    return failed(
      'decompression-failed',
      DECOMPRESSION_FAILED_CODE,
      `The record could not be decompressed as GZIP: ${(cause as Error).message}`,
      data,
    );
  }
  if (!settings.extractDataMessages) return { kind: 'ok', records: [plain] };

  let payload: LogsPayload;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain)) as LogsPayload;
  } catch {
    return failed(
      'decompression-failed',
      CLOUDWATCH_LOGS_ERROR_CODE,
      'The decompressed record is not JSON, so not a CloudWatch Logs subscription payload.',
      data,
    );
  }
  if (payload === null || typeof payload !== 'object') {
    return failed(
      'decompression-failed',
      CLOUDWATCH_LOGS_ERROR_CODE,
      'The decompressed record is not a CloudWatch Logs subscription payload.',
      data,
    );
  }
  if (payload.messageType === 'CONTROL_MESSAGE') return { kind: 'ok', records: [] };
  if (payload.messageType !== 'DATA_MESSAGE' || !Array.isArray(payload.logEvents)) {
    return failed(
      'decompression-failed',
      CLOUDWATCH_LOGS_ERROR_CODE,
      'The decompressed record has no messageType DATA_MESSAGE with logEvents, so it is not a CloudWatch Logs subscription payload.',
      data,
    );
  }
  const encoder = new TextEncoder();
  const records: Uint8Array[] = [];
  for (const event of payload.logEvents as unknown[]) {
    const message = (event as { message?: unknown } | null)?.message;
    if (typeof message === 'string') records.push(encoder.encode(message));
  }
  return { kind: 'ok', records };
}

// ── AppendDelimiterToRecord ─────────────────────────────────────────────────────────────────────────────────

const NEWLINE = 0x0a;

/** AppendDelimiterToRecord (§6): a newline after every record, so de-aggregated JSON becomes JSON Lines. */
export function appendDelimiter(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.byteLength + 1);
  out.set(data);
  out[data.byteLength] = NEWLINE;
  return out;
}
