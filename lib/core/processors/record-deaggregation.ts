import { Buffer } from 'node:buffer';
import { bounded } from '../errors.ts';
import { failed, ok, type ProcessorRecord, type RecordOutcome } from './processor-record.ts';

/** Spec §1.3/§6: a blob may hold at most this many sub-records. */
export const MAX_SUB_RECORDS = 500;

/** Sluice's own code: Firehose publishes none for a blob that cannot be split (spec §6 lists no code). */
export const DEAGGREGATION_FAILED = 'RecordDeAggregation.Failed';

export type RecordDeAggregationConfig =
  | { readonly subRecordType: 'JSON' }
  /** `delimiter` is the decoded bytes of the base64 `Delimiter` parameter (e.g. `IyMjIw==` → `####`). */
  | { readonly subRecordType: 'DELIMITED'; readonly delimiter: Uint8Array };

/**
 * The RecordDeAggregation processor (spec §6): splits a blob into its sub-records. JSON blobs are concatenated or
 * newline-delimited JSON objects; the whitespace between objects is not part of any sub-record (de-aggregation
 * strips newlines, hence AppendDelimiterToRecord). DELIMITED blobs are split on the delimiter; empty pieces (a
 * trailing delimiter, two in a row) carry nothing and are left out.
 *
 * More than 500 sub-records: spec §1.3 says the put still succeeds but de-aggregation "misbehaves" and the
 * Lambda sees the whole blob. Sluice reproduces the observable part: the blob passes on as one record, unsplit.
 */
export function deaggregateRecord(config: RecordDeAggregationConfig, record: ProcessorRecord): RecordOutcome {
  const pieces =
    config.subRecordType === 'JSON'
      ? splitJsonObjects(record.data)
      : splitDelimited(record.data, config.delimiter);
  if (typeof pieces === 'string') return failed(record, DEAGGREGATION_FAILED, pieces);
  if (pieces.length > MAX_SUB_RECORDS) return ok(record);
  if (pieces.length === 1 && pieces[0]!.byteLength === record.data.byteLength) return ok(record);
  return ok(...subRecords(record, pieces));
}

/** Sub-records inherit arrival time, keys and Kinesis metadata; IDs become `<parent>.<index>`. */
export function subRecords(parent: ProcessorRecord, pieces: readonly Uint8Array[]): ProcessorRecord[] {
  if (pieces.length === 1) return [{ ...parent, data: pieces[0]! }];
  return pieces.map((data, i) => ({ ...parent, data, recordId: `${parent.recordId}.${i}` }));
}

function splitDelimited(data: Uint8Array, delimiter: Uint8Array): Uint8Array[] | string {
  if (delimiter.byteLength === 0) return 'the Delimiter is empty';
  const pieces: Uint8Array[] = [];
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let start = 0;
  for (;;) {
    const at = buffer.indexOf(delimiter, start);
    const end = at < 0 ? data.byteLength : at;
    if (end > start) pieces.push(data.subarray(start, end));
    if (at < 0) return pieces;
    start = at + delimiter.byteLength;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Top-level JSON objects of the blob, found by tracking braces outside strings (UTF-8 multi-byte sequences never
 * contain ASCII bytes, so a byte scan is safe) and each checked by a real JSON parse.
 */
function splitJsonObjects(data: Uint8Array): Uint8Array[] | string {
  const pieces: Uint8Array[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < data.byteLength; i++) {
    const c = data[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (depth === 0) {
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (c !== 0x7b) return `sub-record ${pieces.length + 1} does not start with '{' (byte ${i})`;
      start = i;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) {
        const piece = data.subarray(start, i + 1);
        const problem = jsonProblem(piece);
        if (problem) return `sub-record ${pieces.length + 1} is not valid JSON: ${problem}`;
        pieces.push(piece);
      }
    }
  }
  if (depth !== 0 || inString) return `sub-record ${pieces.length + 1} is truncated`;
  if (pieces.length === 0) return 'the record holds no JSON object';
  return pieces;
}

function jsonProblem(piece: Uint8Array): string | undefined {
  try {
    JSON.parse(utf8.decode(piece));
    return undefined;
  } catch (error) {
    return bounded(error instanceof Error ? error.message : String(error));
  }
}
