import { gunzipSync } from 'node:zlib';
import { bounded, FirehoseApiError } from '../core/errors.ts';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from '../core/ingest/put-records.ts';
import type { ObjectStore } from '../core/ports.ts';
import { packRecords } from '../core/records.ts';
import { parseErrorObject } from '../core/replay/error-records.ts';
import type { DeliveryStreamRuntime } from './delivery-stream-runtime.ts';

/** An object store that can also be read: the embedded store and the S3 adapter both are. */
export interface ReadableObjectStore extends ObjectStore {
  listObjects(bucket: string, prefix: string): Promise<string[]>;
  getObject(bucket: string, key: string): Promise<{ body: Uint8Array; contentEncoding?: string } | undefined>;
}

export function isReadable(store: ObjectStore): store is ReadableObjectStore {
  const s = store as Partial<ReadableObjectStore>;
  return typeof s.listObjects === 'function' && typeof s.getObject === 'function';
}

/**
 * A replayed object is marked by an object of this prefix in the same bucket (`.sluice-replayed/<key>`), so a
 * second replay skips it. The marker is written only after every record of the object is in the stream's
 * write-ahead log: a replay cut short re-ingests that object next time (at least once, never lost).
 */
export const REPLAYED_MARKER_PREFIX = '.sluice-replayed/';

/** How long a replay waits for room when the stream's buffer is full before it gives up on the object. */
const THROTTLE_WAIT_MS = 200;
const MAX_THROTTLED_WAITS = 300;

export interface ReplayResult {
  stream: string;
  from: string;
  objectsReplayed: number;
  recordsReplayed: number;
  objectsSkipped: Array<{ key: string; reason: string }>;
}

/** Parses `s3://bucket/prefix/` (the prefix may be empty). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) {
    throw new FirehoseApiError(
      'InvalidArgumentException',
      `--from '${bounded(url)}' is not an S3 URL (s3://bucket/prefix/).`,
    );
  }
  return { bucket: match[1]!, prefix: match[2]! };
}

/** Re-ingests the rawData of every error object under `from` into `stream`, skipping objects replayed before. */
export async function replayErrorOutputs(
  store: ObjectStore,
  stream: DeliveryStreamRuntime,
  from: string,
  nowMs: () => number,
): Promise<ReplayResult> {
  if (!isReadable(store)) {
    throw new FirehoseApiError(
      'InvalidArgumentException',
      'This object store cannot be read back for a replay.',
    );
  }
  const { bucket, prefix } = parseS3Url(from);
  const result: ReplayResult = {
    stream: stream.name,
    from,
    objectsReplayed: 0,
    recordsReplayed: 0,
    objectsSkipped: [],
  };
  const keys = (await store.listObjects(bucket, prefix)).filter(
    (key) => !key.startsWith(REPLAYED_MARKER_PREFIX),
  );
  for (const key of keys) {
    if (await store.getObject(bucket, REPLAYED_MARKER_PREFIX + key)) continue;
    const object = await store.getObject(bucket, key);
    if (!object) continue;
    const body = decode(object.body, key, object.contentEncoding);
    if (typeof body === 'string') {
      result.objectsSkipped.push({ key, reason: body });
      continue;
    }
    const { records, problems } = parseErrorObject(body);
    if (records.length === 0) {
      result.objectsSkipped.push({ key, reason: problems[0] ?? 'no error records' });
      continue;
    }
    await putAll(stream, records, nowMs);
    await store.putObject({
      bucket,
      key: REPLAYED_MARKER_PREFIX + key,
      body: [
        Buffer.from(
          JSON.stringify({ stream: stream.name, replayedAtMs: nowMs(), records: records.length, problems }),
        ),
      ],
      contentType: 'application/json',
    });
    result.objectsReplayed++;
    result.recordsReplayed += records.length;
    if (problems.length > 0) result.objectsSkipped.push({ key, reason: `partly: ${problems.join('; ')}` });
  }
  return result;
}

/** Error objects are written with the destination's compression; GZIP and uncompressed ones can be read back. */
function decode(body: Uint8Array, key: string, contentEncoding: string | undefined): Uint8Array | string {
  const gzip = contentEncoding === 'gzip' || key.endsWith('.gz') || (body[0] === 0x1f && body[1] === 0x8b);
  if (gzip) {
    try {
      return gunzipSync(body);
    } catch {
      return 'not a readable gzip object';
    }
  }
  if (contentEncoding && contentEncoding !== 'identity') {
    return `compressed as ${contentEncoding}; replay reads GZIP and uncompressed error objects`;
  }
  return body;
}

/** Puts the records in PutRecordBatch-sized runs, waiting for room while the stream throttles. */
async function putAll(
  stream: DeliveryStreamRuntime,
  records: Uint8Array[],
  nowMs: () => number,
): Promise<void> {
  let pending = records;
  let waits = 0;
  while (pending.length > 0) {
    const batch: Uint8Array[] = [];
    let bytes = 0;
    for (const record of pending) {
      if (
        batch.length === MAX_BATCH_RECORDS ||
        (batch.length > 0 && bytes + record.byteLength > MAX_BATCH_BYTES)
      )
        break;
      batch.push(record);
      bytes += record.byteLength;
    }
    const outcomes = await stream.put({ arrivalMs: nowMs(), ...packRecords(batch) });
    const throttled = batch.filter((_, i) => !('recordId' in outcomes[i]!));
    pending = [...throttled, ...pending.slice(batch.length)];
    if (throttled.length > 0) {
      if (++waits > MAX_THROTTLED_WAITS) {
        throw new FirehoseApiError(
          'ServiceUnavailableException',
          `Stream ${stream.name} stayed full for ${(MAX_THROTTLED_WAITS * THROTTLE_WAIT_MS) / 1000} s; replay again later (objects replayed so far are marked).`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, THROTTLE_WAIT_MS));
    }
  }
}
