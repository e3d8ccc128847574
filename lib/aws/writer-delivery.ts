import type { ResolvedStream, WriterDestination } from '../core/config/resolved.ts';
import type { ProcessingPorts } from '../core/delivery/processing.ts';
import type { PlannedObject } from '../core/delivery/s3-objects.ts';
import { planRedshiftBackup, planWriterObjects } from '../core/delivery/writer-objects.ts';
import { processForWriter } from '../core/delivery/writer-processing.ts';
import type { DeliveryRecord, FailedRecord } from '../core/destinations/contract.ts';
import { HTTP_ENDPOINT_MAX_RECORDS } from '../core/destinations/http-endpoint/request.ts';
import { deliverBatch, type RetryPorts } from '../core/destinations/retry-driver.ts';
import type { IdSource, ObjectStore, Telemetry } from '../core/ports.ts';
import type { RecordRun } from '../core/records.ts';
import { buildDestinationWriter, type DestinationPorts } from '../local/destination-writer.ts';
import { SeededIds } from './seeded-ids.ts';

export interface WriterDeliveryOptions {
  flushId: string;
  /** Seeded by the flush ID: error-output and backup keys are the same on a re-drive. */
  ids: IdSource;
  /** Seeded separately: request IDs, intermediate keys and manifests of the writer. */
  writerIds: IdSource;
  nowMs: number;
  region: string;
  store: ObjectStore;
  metrics: Telemetry;
  retry: RetryPorts;
  destinations: DestinationPorts;
  /** The stream's processors' ports (invocation IDs are seeded here, from the flush ID). */
  processing: Omit<ProcessingPorts, 'ids' | 'region'>;
  /** Puts objects the ledger does not have yet and records each (deliverFlush's puts); throws on a failed put. */
  putObjects(objects: readonly PlannedObject[]): Promise<void>;
  /** An earlier attempt of this flush finished sending (every record taken, or a Redshift batch loaded or skipped). */
  sent: boolean;
  /** Records that the send finished, so a re-drive only writes the objects still missing. */
  markSent(): Promise<void>;
  /** When an earlier attempt of this flush first sent, if one did (ms since the epoch). */
  firstSentAtMs: number | undefined;
  markFirstSent(atMs: number): Promise<void>;
}

/**
 * Sends a flush to its writer destination (HTTP endpoint §10, OpenSearch §9, Redshift §8) with the core's writers,
 * retried within RetryOptions by the destination's own rules, and returns what is left to put in S3: the failed
 * records' §4.2 documents and, with AllData / AllDocuments / S3BackupMode Enabled, the source records.
 *
 * The stream's processors run first (Lambda, Decompression, CloudWatchLogProcessing; spec §5, §6), as in the local
 * runtime: the writer gets the processed records, and the records they failed go under the S3Configuration's error
 * prefix as processing-failed (or decompression-failed) documents (§5.3), written before the send starts. So once a
 * send has finished, every processing document is in S3, and a re-drive neither invokes the transform again nor
 * renders those documents; their keys come from the invocation IDs' seed, so the keys of the objects returned here
 * do not depend on whether the processors ran.
 *
 * Record IDs are the flush ID and the record's position in the flush (`.<index>` for a sub-record a processor split
 * out), so a re-driven flush sends the same IDs: the same OpenSearch document IDs (an overwrite, not a duplicate)
 * and, for the HTTP endpoint, the same request IDs. Once a send has finished the ledger records it, and a re-drive
 * only writes the objects still missing; a send that left failed records is repeated by a re-drive (at least once,
 * as Firehose), since their documents come from it.
 */
export async function deliverToWriter(
  batch: readonly RecordRun[],
  stream: ResolvedStream,
  destination: WriterDestination,
  options: WriterDeliveryOptions,
): Promise<PlannedObject[]> {
  const ports = { ids: options.ids, nowMs: options.nowMs };
  // What is left once nothing failed at the destination: the source backup, if the stream keeps one.
  const backupOnly = () =>
    destination.kind === 'Redshift'
      ? planRedshiftBackup(batch, stream, ports)
      : planWriterObjects(batch, { delivered: [], failed: [], attempts: 0 }, stream, ports);
  if (options.sent) return backupOnly();
  const { records, errorObjects } = await processForWriter(batch, stream, {
    ids: new SeededIds(`${options.flushId}:invocations`),
    nowMs: options.nowMs,
    region: options.region,
    recordIdPrefix: options.flushId,
    processing: options.processing,
  });
  await options.putObjects(errorObjects);
  if (records.length === 0) {
    // The processors dropped or failed every record: there is nothing to send, only the source backup to write.
    await options.markSent();
    return backupOnly();
  }
  const nowMs = options.retry.clock.nowMs();
  if (options.firstSentAtMs === undefined) await options.markFirstSent(nowMs);
  const built = await buildDestinationWriter(
    stream,
    withRemainingWindow(destination, options.firstSentAtMs, nowMs),
    {
      ...options.destinations,
      ids: options.writerIds,
      clock: options.retry.clock,
      store: options.store,
    },
  );
  const bytes = (list: readonly DeliveryRecord[]) => list.reduce((sum, r) => sum + r.data.byteLength, 0);
  const name = stream.name;

  if (built.kind === 'Redshift') {
    const result = await built.writer.deliver(records, options.retry);
    // The intermediate object is an S3 delivery in Firehose's metrics, as for an S3 destination.
    options.metrics.count(name, 'DeliveryToS3.Records', records.length);
    options.metrics.count(name, 'DeliveryToS3.Bytes', bytes(records));
    options.metrics.count(name, 'DeliveryToS3.ObjectCount', 1);
    options.metrics.gauge(name, `${built.metric}.Success`, result.failed.length === 0 ? 1 : 0);
    if (result.failed.length === 0) {
      options.metrics.count(name, `${built.metric}.Records`, records.length);
      options.metrics.count(name, `${built.metric}.Bytes`, bytes(records));
    } else {
      // Skipped after the retry window: its error manifest names the staged object for a backfill (§8).
      console.warn(
        JSON.stringify({
          level: 'warn',
          code: result.failed[0]!.errorCode,
          message: 'The COPY failed until the retry window closed; the batch is skipped.',
          records: records.length,
          errorManifest: result.errorManifestKey,
        }),
      );
    }
    await options.markSent();
    return planRedshiftBackup(batch, stream, ports);
  }

  const delivered: DeliveryRecord[] = [];
  const failed: FailedRecord[] = [];
  let attempts = 0;
  // §10.2: one HTTP request carries at most this many records; bulk requests are kept to the same size.
  for (let at = 0; at < records.length; at += HTTP_ENDPOINT_MAX_RECORDS) {
    const result = await deliverBatch(
      built.writer,
      records.slice(at, at + HTTP_ENDPOINT_MAX_RECORDS),
      options.retry,
    );
    delivered.push(...result.delivered);
    failed.push(...result.failed);
    attempts += result.attempts;
    options.metrics.gauge(name, `${built.metric}.Success`, result.failed.length === 0 ? 1 : 0);
  }
  options.metrics.count(name, `${built.metric}.Records`, delivered.length);
  options.metrics.count(name, `${built.metric}.Bytes`, bytes(delivered));
  if (failed.length === 0) await options.markSent();
  return planWriterObjects(batch, { delivered, failed, attempts }, stream, ports);
}

/**
 * The retry window left to this attempt. A window longer than one flush Lambda can run (RetryOptions up to 7200 s,
 * the Lambda's 5 minutes) spans re-drives: it is counted from the flush's first send, not restarted by each
 * re-drive, so records that keep failing still reach the error output (or the Redshift error manifest) once it
 * has passed, as on Firehose. A re-drive after the window makes one attempt.
 */
function withRemainingWindow(
  destination: WriterDestination,
  firstSentAtMs: number | undefined,
  nowMs: number,
): WriterDestination {
  if (firstSentAtMs === undefined) return destination;
  const elapsedSeconds = Math.max(0, (nowMs - firstSentAtMs) / 1000);
  const retryDurationSeconds = Math.max(0, destination.settings.retryDurationSeconds - elapsedSeconds);
  return { ...destination, settings: { ...destination.settings, retryDurationSeconds } } as WriterDestination;
}
