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
  let entries: string[] = [];
  let dataBytes = 0;
  let entryBytes = 0;
  // Sized with a stand-in id: UUIDs are always 36 characters. The real id is drawn when the event is built.
  const headBytes = Buffer.byteLength(eventHead(settings, '0'.repeat(36)));

  const flush = () => {
    if (current.length === 0) return;
    const invocationId = ids.uuid();
    const text = `${eventHead(settings, invocationId)}${entries.join(',')}]}`;
    invocations.push({ invocationId, records: current, payload: Buffer.from(text, 'utf8') });
    current = [];
    entries = [];
    dataBytes = 0;
    entryBytes = 0;
  };

  for (const record of records) {
    const entry = recordEntry(record);
    const size = Buffer.byteLength(entry);
    const separator = current.length === 0 ? 0 : 1;
    const eventBytes = headBytes + entryBytes + separator + size + 2;
    if (current.length > 0 && (dataBytes + record.data.byteLength > bufferBytes || eventBytes > limit))
      flush();
    entryBytes += (current.length === 0 ? 0 : 1) + size;
    dataBytes += record.data.byteLength;
    entries.push(entry);
    current.push(record);
  }
  flush();
  return invocations;
}

function eventHead(settings: InvocationEventSettings, invocationId: string): string {
  // Key order as in the published samples (spec §5.1).
  const head: Record<string, string> = { invocationId, deliveryStreamArn: settings.deliveryStreamArn };
  if (settings.sourceKinesisStreamArn !== undefined)
    head.sourceKinesisStreamArn = settings.sourceKinesisStreamArn;
  head.region = settings.region;
  const json = JSON.stringify(head);
  return `${json.slice(0, -1)},"records":[`;
}

function recordEntry(record: ProcessorRecord): string {
  const entry: Record<string, unknown> = {
    recordId: record.recordId,
    approximateArrivalTimestamp: record.arrivalMs,
    data: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('base64'),
  };
  const k = record.kinesisRecordMetadata;
  if (k) {
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
