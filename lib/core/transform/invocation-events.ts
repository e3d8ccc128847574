import { Buffer } from 'node:buffer';
import type { IdSource, TransformEvent, TransformEventRecord } from '../ports.ts';
import type { ProcessorRecord } from '../processors/processor-record.ts';

/**
 * Lambda's synchronous payload limit, for the request and the response alike (spec §2.2). Lambda documents
 * "6 MB" and enforces 6 MiB.
 */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
const MIB = 1024 * 1024;

export interface InvocationEventSettings {
  readonly deliveryStreamArn: string;
  readonly region: string;
  /** Only for a KinesisStreamAsSource stream (spec §5.1). */
  readonly sourceKinesisStreamArn?: string;
  /** ProcessorParameters BufferSizeInMBs (0.2–3, default 1; spec §2.2): records' bytes per invocation. */
  readonly bufferSizeInMBs: number;
  /** Defaults to LAMBDA_PAYLOAD_LIMIT_BYTES; tests pass smaller limits. */
  readonly payloadLimitBytes?: number;
}

/** One call of the transform function: the records it carries and the event (spec §5.1). */
export interface TransformInvocation {
  readonly invocationId: string;
  /** In event order; `recordId`s are unique within the invocation. */
  readonly records: readonly ProcessorRecord[];
  readonly event: TransformEvent;
  /** The size of the event's JSON, counted without writing it. */
  readonly payloadBytes: number;
  /** The event's UTF-8 JSON, written on first use: invokers with `invokeEvent` never need it. */
  readonly payload: Uint8Array;
}

/**
 * Splits records, in order, into invocation events. A new invocation starts when the next record would take the
 * records' own bytes past BufferSizeInMBs or the event (base64 data included, ~4/3 of the bytes) past Lambda's
 * request limit. An invocation always has at least one record: a record too large for the limit on its own goes
 * alone, Lambda refuses it, and it fails as an invocation error would.
 */
export function buildInvocations(
  records: readonly ProcessorRecord[],
  settings: InvocationEventSettings,
  ids: IdSource,
): TransformInvocation[] {
  const limit = settings.payloadLimitBytes ?? LAMBDA_PAYLOAD_LIMIT_BYTES;
  const bufferBytes = Math.round(settings.bufferSizeInMBs * MIB);
  // UUIDs are always 36 characters, so the head's size is known before the invocation's id is drawn.
  const headBytes = Buffer.byteLength(eventHead(settings, '0'.repeat(36))) + EVENT_TAIL.byteLength;
  const invocations: TransformInvocation[] = [];
  let current: ProcessorRecord[] = [];
  let entries: TransformEventRecord[] = [];
  let dataBytes = 0;
  let eventBytes = headBytes;

  const flush = () => {
    if (current.length === 0) return;
    invocations.push(invocation(settings, ids.uuid(), current, entries, eventBytes));
    current = [];
    entries = [];
    dataBytes = 0;
    eventBytes = headBytes;
  };

  for (const record of records) {
    const entry = eventRecord(record);
    const entryBytes = eventRecordBytes(entry);
    if (current.length > 0) {
      const withEntry = eventBytes + 1 + entryBytes;
      if (dataBytes + record.data.byteLength > bufferBytes || withEntry > limit) flush();
    }
    if (current.length > 0) eventBytes += 1; // the comma
    eventBytes += entryBytes;
    dataBytes += record.data.byteLength;
    current.push(record);
    entries.push(entry);
  }
  flush();
  return invocations;
}

function invocation(
  settings: InvocationEventSettings,
  invocationId: string,
  records: readonly ProcessorRecord[],
  entries: readonly TransformEventRecord[],
  payloadBytes: number,
): TransformInvocation {
  // Key order as in the published samples (spec §5.1).
  const event: TransformEvent = {
    invocationId,
    deliveryStreamArn: settings.deliveryStreamArn,
    ...(settings.sourceKinesisStreamArn !== undefined
      ? { sourceKinesisStreamArn: settings.sourceKinesisStreamArn }
      : {}),
    region: settings.region,
    records: entries,
  };
  let payload: Uint8Array | undefined;
  return {
    invocationId,
    records,
    event,
    payloadBytes,
    get payload() {
      payload ??= eventJson(event, settings);
      return payload;
    },
  };
}

function eventRecord(record: ProcessorRecord): TransformEventRecord {
  const k = record.kinesisRecordMetadata;
  const entry = {
    recordId: record.recordId,
    approximateArrivalTimestamp: record.arrivalMs,
    data: record.data,
  };
  if (!k) return entry;
  return {
    ...entry,
    kinesisRecordMetadata: {
      shardId: k.shardId,
      partitionKey: k.partitionKey,
      approximateArrivalTimestamp: k.approximateArrivalTimestamp,
      sequenceNumber: k.sequenceNumber,
      subsequenceNumber: k.subsequenceNumber,
    },
  };
}

/** The size of `recordJson(entry)`, counted: base64 is 4 characters per 3 bytes, padded. */
function eventRecordBytes(entry: TransformEventRecord): number {
  return (
    RECORD_FIXED_BYTES +
    jsonStringBytes(entry.recordId) +
    String(entry.approximateArrivalTimestamp).length +
    Math.ceil(entry.data.byteLength / 3) * 4 +
    (entry.kinesisRecordMetadata
      ? METADATA_KEY_BYTES + Buffer.byteLength(JSON.stringify(entry.kinesisRecordMetadata))
      : 0)
  );
}

/** The size of `text` as a JSON string. Record IDs are ASCII with nothing to escape: counted without writing. */
function jsonStringBytes(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || code > 0x7e) {
      return Buffer.byteLength(JSON.stringify(text));
    }
  }
  return text.length + 2;
}

const COMMA = Buffer.from(',');
const EVENT_TAIL = Buffer.from(']}');
const RECORD_FIXED_BYTES = '{"recordId":,"approximateArrivalTimestamp":,"data":""}'.length;
const METADATA_KEY_BYTES = ',"kinesisRecordMetadata":'.length;

function eventHead(settings: InvocationEventSettings, invocationId: string): string {
  const head: Record<string, string> = { invocationId, deliveryStreamArn: settings.deliveryStreamArn };
  if (settings.sourceKinesisStreamArn !== undefined)
    head.sourceKinesisStreamArn = settings.sourceKinesisStreamArn;
  head.region = settings.region;
  const json = JSON.stringify(head);
  return `${json.slice(0, -1)},"records":[`;
}

// The event is assembled from bytes, not one big string: measured twice as fast for 1 MB events.
function eventJson(event: TransformEvent, settings: InvocationEventSettings): Uint8Array {
  const chunks: Uint8Array[] = [Buffer.from(eventHead(settings, event.invocationId), 'utf8')];
  event.records.forEach((entry, i) => {
    if (i > 0) chunks.push(COMMA);
    chunks.push(recordJson(entry));
  });
  chunks.push(EVENT_TAIL);
  return Buffer.concat(chunks);
}

// Written out rather than through JSON.stringify of an object per record: the event of a 1 MB invocation holds
// ~1000 of these. base64 and numbers need no escaping; the record ID goes through JSON.stringify.
function recordJson(entry: TransformEventRecord): Buffer {
  const data = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength).toString(
    'base64',
  );
  const head = `{"recordId":${JSON.stringify(entry.recordId)},"approximateArrivalTimestamp":${entry.approximateArrivalTimestamp},"data":"`;
  const tail = entry.kinesisRecordMetadata
    ? `","kinesisRecordMetadata":${JSON.stringify(entry.kinesisRecordMetadata)}}`
    : '"}';
  // base64 is ASCII, so latin1 writes it byte for byte, faster than UTF-8; the rest may hold any character.
  const headBytes = Buffer.byteLength(head);
  const tailBytes = Buffer.byteLength(tail);
  const bytes = Buffer.allocUnsafe(headBytes + data.length + tailBytes);
  bytes.write(head, 0, 'utf8');
  bytes.write(data, headBytes, 'latin1');
  bytes.write(tail, headBytes + data.length, 'utf8');
  return bytes;
}
