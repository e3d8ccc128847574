import { gunzipSync } from 'node:zlib';
import { bounded } from '../errors.ts';
import { failed, ok, type ProcessorRecord, type RecordOutcome } from './processor-record.ts';
import { subRecords } from './record-deaggregation.ts';

/**
 * Sluice's own error code for the `decompression-failed` documents (spec §4.1 names the type; no code is
 * published).
 */
export const DECOMPRESSION_FAILED = 'Decompression.Failed';
/** Same, for a decompressed record that is not a CloudWatch Logs subscription payload. */
export const CLOUDWATCH_LOGS_INVALID = 'CloudWatchLogs.InvalidPayload';

/** Decompressed bytes allowed per record; a larger output is a failure, not an out-of-memory. */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface DecompressionConfig {
  /** `Decompression` processor, `CompressionFormat` = GZIP (the only format, spec §6). */
  readonly compressionFormat: 'GZIP';
  /** `CloudWatchLogProcessing` with `DataMessageExtraction` = true. */
  readonly dataMessageExtraction: boolean;
}

/**
 * The Decompression processor, with CloudWatchLogProcessing when configured (spec §6). A record that does not
 * decompress, or (with message extraction) is not a subscription payload, goes to `decompression-failed` still
 * compressed, and the other records carry on (spec §4.1, decomp-faq).
 *
 * With message extraction, CONTROL_MESSAGE payloads (CloudWatch Logs' reachability probes, which carry no log
 * events) are dropped, and a DATA_MESSAGE becomes one record per log event holding its `message` followed by a
 * newline: Firehose delivers the messages line by line and drops the envelope (owner, logGroup, logStream, …).
 * One record per event also lets MetadataExtraction partition each message on its own.
 */
export function decompressRecord(config: DecompressionConfig, record: ProcessorRecord): RecordOutcome {
  let plain: Uint8Array;
  try {
    plain = gunzipSync(record.data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (error) {
    return failed(
      record,
      DECOMPRESSION_FAILED,
      `The record could not be decompressed as GZIP: ${bounded(messageOf(error))}`,
      'decompression-failed',
    );
  }
  if (!config.dataMessageExtraction) return ok({ ...record, data: plain });
  const payload = parseSubscriptionPayload(plain);
  if (typeof payload === 'string') {
    return failed(record, CLOUDWATCH_LOGS_INVALID, payload, 'decompression-failed');
  }
  if (payload.messageType === 'CONTROL_MESSAGE') return { status: 'dropped' };
  if (payload.messages.length === 0) return { status: 'dropped' };
  return ok(
    ...subRecords(
      record,
      payload.messages.map((message) => encoder.encode(`${message}\n`)),
    ),
  );
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface SubscriptionPayload {
  messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  messages: string[];
}

/** `{messageType, owner, logGroup, logStream, subscriptionFilters, logEvents: [{id, timestamp, message}]}`. */
function parseSubscriptionPayload(plain: Uint8Array): SubscriptionPayload | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(plain));
  } catch (error) {
    return `The decompressed record is not JSON: ${bounded(messageOf(error))}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'The decompressed record is not a CloudWatch Logs subscription payload (not a JSON object).';
  }
  const { messageType, logEvents } = parsed as { messageType?: unknown; logEvents?: unknown };
  if (messageType === 'CONTROL_MESSAGE') return { messageType, messages: [] };
  if (messageType !== 'DATA_MESSAGE') {
    return `The decompressed record has messageType ${bounded(messageType)}; expected DATA_MESSAGE or CONTROL_MESSAGE.`;
  }
  if (!Array.isArray(logEvents)) return 'The CloudWatch Logs payload has no logEvents array.';
  const messages: string[] = [];
  for (const [i, event] of logEvents.entries()) {
    const message = (event as { message?: unknown } | null)?.message;
    if (typeof message !== 'string') return `logEvents[${i}] has no string message.`;
    messages.push(message);
  }
  return { messageType, messages };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
