import type { ResolvedStream } from '../core/config/resolved.ts';
import { errorBodiesOf } from '../core/delivery/processing.ts';
import { type PlannedObject, planErrorObjects, planPartitionObject } from '../core/delivery/s3-objects.ts';
import { type DynamicPartitioning, retriesExhausted } from '../core/partitioning/index.ts';
import type { ProcessorRecord } from '../core/processors/index.ts';
import { type PendingRun, recordAt } from '../core/records.ts';
import type { PartitionKeys } from '../core/s3/prefix-template.ts';
import { type DeliverOptions, deliveredMarker } from './deliver.ts';
import { SeededIds } from './seeded-ids.ts';

/** The ledger's marker for when a partition's first put was tried (no object key has this form). */
const FIRST_ATTEMPT = 'partition:first-attempt:';
/** Backoff between failed puts of one run: doubling from 1 s, at most 30 s. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/**
 * Delivers one sealed flush of a partition (spec §6). Its chunks hold records already processed and routed by the
 * buffer Lambda (partition-staging.ts), so only the object is left: the delimiter, compression and the key
 * rendered with the partition's keys, named from ids seeded by the flush ID (a re-drive overwrites its object).
 *
 * RetryOptions.DurationInSeconds counts from the first attempt, which the ledger remembers across re-drives:
 * while it lasts a failed put is retried with backoff (and by SQS re-drives past the Lambda's deadline); once it
 * is over, the records are written under the error prefix instead, retried until that succeeds (spec §3.7).
 */
export async function deliverPartitionFlush(
  runs: readonly PendingRun[],
  partitionKeys: PartitionKeys,
  stream: ResolvedStream,
  partitioning: DynamicPartitioning,
  options: DeliverOptions,
): Promise<void> {
  const records = processorRecordsOf(runs);
  if (records.length === 0) return;
  const ports = { ids: new SeededIds(options.flushId), nowMs: options.flushedAtMs };
  const object = await planPartitionObject(records, partitionKeys, stream, ports);
  if (options.delivered.has(deliveredMarker(object))) return;
  let firstAttemptMs = firstAttemptOf(options.delivered);
  if (firstAttemptMs === undefined) {
    firstAttemptMs = options.nowMs();
    await options.onDelivered(`${FIRST_ATTEMPT}${firstAttemptMs}`);
  }
  const retryMs = partitioning.retryDurationSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    options.deadline.check();
    try {
      await options.store.putObject(object.put);
    } catch (error) {
      options.metrics.gauge(stream.name, `${object.role}.Success`, 0);
      if (options.nowMs() - firstAttemptMs >= retryMs) {
        await deliverAsErrors(records, error, attempt, stream, options);
        return;
      }
      await options.deadline.sleep(Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
      continue;
    }
    // Outside the retry: a failure to record the put is no failed put; the re-drive overwrites the same key.
    await recordPut(object, stream, options);
    return;
  }
}

/** The partition's records under the error prefix after RetryOptions ran out; a failure here throws (re-drive). */
async function deliverAsErrors(
  records: readonly ProcessorRecord[],
  error: unknown,
  attempts: number,
  stream: ResolvedStream,
  options: DeliverOptions,
): Promise<void> {
  const ids = new SeededIds(`${options.flushId}/error-output`);
  const failures = records.map((record) => retriesExhausted(record, error, attempts));
  const objects = await planErrorObjects(
    errorBodiesOf(failures, options.nowMs()),
    stream,
    {
      streamName: stream.name,
      versionId: stream.versionId,
      instantMs: records[0]!.arrivalMs,
      timeZone: stream.destination.customTimeZone,
      ids,
    },
    { ids, nowMs: options.flushedAtMs },
  );
  for (const object of objects) {
    if (options.delivered.has(deliveredMarker(object))) continue;
    options.deadline.check();
    await options.store.putObject(object.put);
    await recordPut(object, stream, options);
  }
}

/** Records a written object in the ledger (a re-drive skips it) and counts it. */
async function recordPut(
  object: PlannedObject,
  stream: ResolvedStream,
  options: DeliverOptions,
): Promise<void> {
  await options.onDelivered(deliveredMarker(object));
  // Firehose's names (spec §11).
  options.metrics.count(stream.name, `${object.role}.Records`, object.records);
  options.metrics.count(stream.name, `${object.role}.Bytes`, object.bytes);
  options.metrics.count(stream.name, `${object.role}.ObjectCount`, 1);
  options.metrics.gauge(stream.name, `${object.role}.Success`, 1);
}

function firstAttemptOf(delivered: ReadonlySet<string>): number | undefined {
  for (const marker of delivered) {
    if (marker.startsWith(FIRST_ATTEMPT)) return Number(marker.slice(FIRST_ATTEMPT.length));
  }
  return undefined;
}

function processorRecordsOf(runs: readonly PendingRun[]): ProcessorRecord[] {
  const records: ProcessorRecord[] = [];
  for (const run of runs) {
    for (let i = 0; i < run.ends.length; i++) {
      records.push({ recordId: String(records.length), arrivalMs: run.arrivalMs, data: recordAt(run, i) });
    }
  }
  return records;
}
