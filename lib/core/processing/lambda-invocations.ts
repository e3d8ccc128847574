import { Buffer } from 'node:buffer';
import { rawDataOf } from './error-documents.ts';
import type { ProcessingRecord } from './processing-record.ts';

/**
 * Lambda's limit on a synchronous request and on its response: 6 MB, enforced as 6 MiB (§2.2: both must
 * fit). The event's base64 makes a record ~4/3 of its size, so a 3 MiB Lambda buffer already needs the
 * request limit as a second cut.
 */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

export interface InvocationOptions {
  /** The delivery stream's ARN (`deliveryStreamArn` of the event). */
  streamArn: string;
  region: string;
  /** Only for a stream reading a Kinesis data stream (§5.1). */
  sourceKinesisStreamArn?: string;
  /** A fresh UUID per invocation (IdSource.uuid). */
  invocationId: () => string;
  /** BufferSizeInMBs in bytes: the records' own bytes per invocation (§2.2). */
  bufferSizeBytes: number;
  /** Defaults to LAMBDA_PAYLOAD_LIMIT_BYTES; smaller in tests. */
  payloadLimitBytes?: number;
}

/** One Lambda call: its records, the ids they carry in the event, and the event's bytes. */
export interface Invocation<R extends ProcessingRecord> {
  readonly invocationId: string;
  readonly records: readonly R[];
  /** recordIds[i] is the `recordId` of records[i] in the event. */
  readonly recordIds: readonly string[];
  /** The event, UTF-8 JSON. */
  readonly payload: Uint8Array;
}

/**
 * The recordId of the i-th record of an invocation. Firehose's ids are opaque 56-digit numbers (§5.1);
 * Sluice's have the same form so functions that log or pattern-match them see what they would on AWS. They
 * only have to be unique within one invocation.
 */
export function recordIdAt(index: number): string {
  return String(index).padStart(56, '0');
}

function recordEntry(record: ProcessingRecord, recordId: string): string {
  const entry: Record<string, unknown> = {
    recordId,
    approximateArrivalTimestamp: record.arrivalMs,
    data: rawDataOf(record.data),
  };
  if (record.kinesis) {
    const k = record.kinesis;
    entry.kinesisRecordMetadata = {
      shardId: k.shardId,
      partitionKey: k.partitionKey,
      approximateArrivalTimestamp: k.approximateArrivalTimestamp,
      sequenceNumber: k.sequenceNumber,
      subsequenceNumber: k.subsequenceNumber,
    };
  }
  return JSON.stringify(entry);
}

/**
 * Splits records, in order, into Lambda invocations: a new invocation starts when the next record would take
 * the records' bytes over `bufferSizeBytes` or the event over the 6 MiB request limit. Every invocation has at
 * least one record, so a record too large for the limit on its own still goes alone (Lambda then refuses it
 * and the call fails like any invocation error).
 */
export function buildInvocations<R extends ProcessingRecord>(
  records: readonly R[],
  options: InvocationOptions,
): Invocation<R>[] {
  const limit = options.payloadLimitBytes ?? LAMBDA_PAYLOAD_LIMIT_BYTES;
  const invocations: Invocation<R>[] = [];
  let batch: R[] = [];
  let entries: string[] = [];
  let dataBytes = 0;
  let entryBytes = 0;
  let invocationId = '';
  let head = '';

  const start = () => {
    invocationId = options.invocationId();
    const header: Record<string, string> = { invocationId, deliveryStreamArn: options.streamArn };
    if (options.sourceKinesisStreamArn !== undefined)
      header.sourceKinesisStreamArn = options.sourceKinesisStreamArn;
    header.region = options.region;
    head = `${JSON.stringify(header).slice(0, -1)},"records":[`;
    batch = [];
    entries = [];
    dataBytes = 0;
    entryBytes = 0;
  };
  const finish = () => {
    const payload = new TextEncoder().encode(`${head}${entries.join(',')}]}`);
    invocations.push({
      invocationId,
      records: batch,
      recordIds: batch.map((_, i) => recordIdAt(i)),
      payload,
    });
  };

  start();
  for (const record of records) {
    let entry = recordEntry(record, recordIdAt(batch.length));
    // head + entries + commas + "]}". UTF-8 lengths: a Kinesis partition key may be any Unicode text.
    const eventBytes = Buffer.byteLength(head) + entryBytes + entries.length + Buffer.byteLength(entry) + 2;
    if (
      batch.length > 0 &&
      (dataBytes + record.data.byteLength > options.bufferSizeBytes || eventBytes > limit)
    ) {
      finish();
      start();
      entry = recordEntry(record, recordIdAt(0));
    }
    batch.push(record);
    entries.push(entry);
    dataBytes += record.data.byteLength;
    entryBytes += Buffer.byteLength(entry);
  }
  if (batch.length > 0) finish();
  return invocations;
}
