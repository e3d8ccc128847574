import { Buffer } from 'node:buffer';
import type { IdSource } from '../ports.ts';
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

/** One call of the transform function: the records it carries and the event as sent. */
export interface TransformInvocation {
  readonly invocationId: string;
  /** In event order; `recordId`s are unique within the invocation. */
  readonly records: readonly ProcessorRecord[];
  /** The event (spec §5.1), UTF-8 JSON. */
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
  const invocations: TransformInvocation[] = [];
  let current: ProcessorRecord[] = [];
  // The event is assembled from bytes, not one big string: measured twice as fast for 1 MB events.
  let chunks: Uint8Array[] = [];
  let dataBytes = 0;
  let eventBytes = 0;
  // Sized with a stand-in id: UUIDs are always 36 characters. The real id is drawn when the event is built.
  const headBytes = Buffer.byteLength(eventHead(settings, '0'.repeat(36)));

  const flush = () => {
    if (current.length === 0) return;
    const invocationId = ids.uuid();
    chunks[0] = Buffer.from(eventHead(settings, invocationId), 'utf8');
    chunks.push(EVENT_TAIL);
    invocations.push({ invocationId, records: current, payload: Buffer.concat(chunks) });
    current = [];
    chunks = [];
    dataBytes = 0;
    eventBytes = 0;
  };

  for (const record of records) {
    const entry = recordEntry(record);
    if (current.length > 0) {
      const withEntry = headBytes + eventBytes + 1 + entry.byteLength + EVENT_TAIL.byteLength;
      if (dataBytes + record.data.byteLength > bufferBytes || withEntry > limit) flush();
    }
    if (current.length === 0) {
      chunks.push(EMPTY); // the head, once the invocation's id is known
    } else {
      chunks.push(COMMA);
      eventBytes += 1;
    }
    chunks.push(entry);
    eventBytes += entry.byteLength;
    dataBytes += record.data.byteLength;
    current.push(record);
  }
  flush();
  return invocations;
}

const EMPTY = new Uint8Array(0);
const COMMA = Buffer.from(',');
const EVENT_TAIL = Buffer.from(']}');

function eventHead(settings: InvocationEventSettings, invocationId: string): string {
  // Key order as in the published samples (spec §5.1).
  const head: Record<string, string> = { invocationId, deliveryStreamArn: settings.deliveryStreamArn };
  if (settings.sourceKinesisStreamArn !== undefined)
    head.sourceKinesisStreamArn = settings.sourceKinesisStreamArn;
  head.region = settings.region;
  const json = JSON.stringify(head);
  return `${json.slice(0, -1)},"records":[`;
}

// Written out rather than through JSON.stringify of an object per record: the event of a 1 MB invocation holds
// ~1000 of these, and building them was the transform's largest cost on the server's thread. base64 and numbers
// need no escaping; the record ID goes through JSON.stringify.
function recordEntry(record: ProcessorRecord): Buffer {
  const data = Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString(
    'base64',
  );
  const head = `{"recordId":${JSON.stringify(record.recordId)},"approximateArrivalTimestamp":${record.arrivalMs},"data":"`;
  const k = record.kinesisRecordMetadata;
  let tail = '"}';
  if (k) {
    const metadata = {
      shardId: k.shardId,
      partitionKey: k.partitionKey,
      approximateArrivalTimestamp: k.approximateArrivalTimestamp,
      sequenceNumber: k.sequenceNumber,
      subsequenceNumber: k.subsequenceNumber,
    };
    tail = `","kinesisRecordMetadata":${JSON.stringify(metadata)}}`;
  }
  // base64 is ASCII, so latin1 writes it byte for byte, faster than UTF-8; the rest may hold any character.
  const headBytes = Buffer.byteLength(head);
  const tailBytes = Buffer.byteLength(tail);
  const entry = Buffer.allocUnsafe(headBytes + data.length + tailBytes);
  entry.write(head, 0, 'utf8');
  entry.write(data, headBytes, 'latin1');
  entry.write(tail, headBytes + data.length, 'utf8');
  return entry;
}
