import type { ResolvedStream } from '../config/resolved.ts';
import type { DeliveryRecord } from '../destinations/contract.ts';
import type { IdSource } from '../ports.ts';
import type { RecordRun } from '../records.ts';
import { needsProcessing, type ProcessingPorts, processBatch } from './processing.ts';
import { type PlannedObject, planErrorObjects } from './s3-objects.ts';
import { deliveryRecordsOf } from './writer-objects.ts';

/** A batch made ready for a destination writer (HTTP endpoint §10, OpenSearch §9, Redshift §8). */
export interface WriterInput {
  /** What the writer sends: the processed records, or without processors the records as they arrived. */
  records: DeliveryRecord[];
  /** §4.2 documents of the records the processors failed, one object per error-output type. */
  errorObjects: PlannedObject[];
}

/**
 * Runs the stream's processors before its writer, as Firehose does for every destination (spec §5, §6). Dropped
 * records are gone; failed ones become `processing-failed` (or `decompression-failed`) documents under the
 * S3Configuration's error prefix, as for an S3 destination (§5.3: "of the backup bucket for non-S3 destinations").
 *
 * The records keep the IDs processBatch gives them: `recordIdPrefix` (default the stream's name; the AWS flush's ID)
 * and the source record's position, with `.<index>` for each sub-record a processor split out, so a batch processed
 * again after a restart or re-drive carries the same OpenSearch document IDs and HTTP `dataId`s as before. Without
 * processors these are deliveryRecordsOf's IDs, with the same prefix.
 */
export async function processForWriter(
  batch: readonly RecordRun[],
  stream: ResolvedStream,
  ports: {
    ids: IdSource;
    nowMs: number;
    region?: string;
    recordIdPrefix?: string;
    processing?: Omit<ProcessingPorts, 'ids' | 'region'>;
  },
): Promise<WriterInput> {
  const recordIdPrefix = ports.recordIdPrefix ?? stream.name;
  if (!needsProcessing(stream))
    return { records: deliveryRecordsOf(batch, recordIdPrefix), errorObjects: [] };
  if (!ports.processing) throw new Error('Processors need processing ports.');
  const processed = await processBatch(
    batch,
    stream,
    { ...ports.processing, ids: ports.ids, region: ports.region ?? 'us-east-1' },
    recordIdPrefix,
  );
  const keyContext = {
    streamName: stream.name,
    versionId: stream.versionId,
    instantMs: batch[0]?.arrivalMs ?? ports.nowMs,
    timeZone: stream.destination.customTimeZone,
    ids: ports.ids,
  };
  return {
    records: processed.records.map(({ recordId, arrivalMs, data }) => ({ recordId, arrivalMs, data })),
    errorObjects: await planErrorObjects(processed.errorBodies, stream, keyContext, ports),
  };
}
