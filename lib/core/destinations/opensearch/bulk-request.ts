import type { DeliveryRecord, FailureFields, ItemFailure } from '../contract.ts';
import type { OpenSearchSettings } from './config.ts';
import { rotatedIndexName } from './index-name.ts';

/** Where one record goes: its index and, under FIREHOSE_DEFAULT, its document ID. */
export interface BulkTarget {
  indexName: string;
  documentId: string | undefined;
}

export interface BulkRequest {
  /** The `_bulk` body: an action line and a source line per sendable record, each ending in '\n'. */
  ndjson: string;
  /** Positions (in the records given) of the records in the body, in body order. */
  sent: number[];
  /** Records that cannot be sent at all (not UTF-8 or not on one line); they fail without a request. */
  rejected: ItemFailure[];
}

/** OpenSearch caps `_id` at 512 bytes. */
const MAX_DOCUMENT_ID_BYTES = 512;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/**
 * FIREHOSE_DEFAULT document ID (§9): derived from the record ID alone, so every retry of the record (a retried
 * bulk, a replayed batch with the same record IDs) overwrites the same document instead of adding one. Long
 * record IDs are folded into a fixed-length digest to stay under OpenSearch's `_id` limit.
 */
export function firehoseDocumentId(record: DeliveryRecord): string {
  if (utf8Encoder.encode(record.recordId).byteLength <= MAX_DOCUMENT_ID_BYTES) return record.recordId;
  return `h-${fnv1a64(record.recordId, 0xcbf29ce4)}${fnv1a64(record.recordId, 0x84222325)}`;
}

// Two 32-bit FNV-1a lanes with different offsets: deterministic, dependency-free, and collisions only matter
// among record IDs over 512 bytes, which Sluice's own IDs never are.
function fnv1a64(text: string, offset: number): string {
  let hash = offset >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

export function bulkTargetOf(record: DeliveryRecord, settings: OpenSearchSettings): BulkTarget {
  return {
    indexName: rotatedIndexName(settings.indexName, settings.indexRotationPeriod, record.arrivalMs),
    documentId: settings.documentIdFormat === 'FIREHOSE_DEFAULT' ? firehoseDocumentId(record) : undefined,
  };
}

/** §4.2: `esDocumentId`/`esIndexName`/`esTypeName`, or `osDocumentId`/`osIndexName` for Serverless. */
export function openSearchFailureFields(
  settings: OpenSearchSettings,
  target: BulkTarget,
  assignedId?: string,
): FailureFields {
  const documentId = target.documentId ?? assignedId ?? null;
  if (settings.flavour === 'serverless') return { osDocumentId: documentId, osIndexName: target.indexName };
  return { esDocumentId: documentId, esIndexName: target.indexName, esTypeName: settings.typeName ?? null };
}

/**
 * The `_bulk` request for `records` (§9): one `index` action per record naming its index (which is why the cluster
 * needs `rest.action.multi.allow_explicit_index`), `_type` when TypeName is set, `_id` under FIREHOSE_DEFAULT.
 * `index` rather than `create` so a retried document replaces itself instead of failing with a conflict.
 */
export function buildBulkRequest(
  records: readonly DeliveryRecord[],
  settings: OpenSearchSettings,
): BulkRequest {
  const lines: string[] = [];
  const sent: number[] = [];
  const rejected: ItemFailure[] = [];
  records.forEach((record, index) => {
    const source = singleLineJson(record.data);
    if (typeof source !== 'string') {
      rejected.push({ index, retriable: false, error: source });
      return;
    }
    const target = bulkTargetOf(record, settings);
    const action: Record<string, string> = { _index: target.indexName };
    if (settings.typeName) action._type = settings.typeName;
    if (target.documentId !== undefined) action._id = target.documentId;
    lines.push(JSON.stringify({ index: action }), source);
    sent.push(index);
  });
  return { ndjson: lines.length === 0 ? '' : `${lines.join('\n')}\n`, sent, rejected };
}

/**
 * §9: each record must be UTF-8, single-line JSON. A line break inside a record would split it into two bulk lines
 * and shift every following action, so such a record is refused here with the 400 the cluster would give an
 * unparsable document. Trailing line breaks (a record delimiter a producer appended) are dropped.
 */
function singleLineJson(data: Uint8Array): string | { errorCode: string; errorMessage: string } {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return {
      errorCode: '400',
      errorMessage: 'The record is not valid UTF-8; OpenSearch documents must be UTF-8 JSON.',
    };
  }
  const trimmed = text.replace(/[\r\n]+$/, '');
  if (/[\r\n]/.test(trimmed)) {
    return {
      errorCode: '400',
      errorMessage:
        'The record is not single-line JSON: it contains a line break, which would split the bulk request.',
    };
  }
  if (trimmed.trim() === '') {
    return {
      errorCode: '400',
      errorMessage: 'The record is empty; OpenSearch documents must be JSON objects.',
    };
  }
  return trimmed;
}
