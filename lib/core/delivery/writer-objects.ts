import { codecFor } from '../compression/index.ts';
import type { ResolvedStream } from '../config/resolved.ts';
import type { DeliveryRecord, DeliveryResult, FailedRecord } from '../destinations/contract.ts';
import { HTTP_ENDPOINT_ERROR_OUTPUT_TYPE } from '../destinations/http-endpoint/writer.ts';
import { OPENSEARCH_ERROR_OUTPUT_TYPE } from '../destinations/opensearch/writer.ts';
import { type ErrorOutputInput, errorOutputBody } from '../error-output/index.ts';
import type { IdSource } from '../ports.ts';
import { type RecordRun, recordAt } from '../records.ts';
import { compressToBody, keysOf, type PlannedObject } from './s3-objects.ts';

/**
 * A batch as records for a destination writer. Record IDs are the prefix and the record's position in the batch's
 * source: locally the stream's name and the write-ahead log position, on AWS the flush ID and the position in the
 * flush. Unlike producer-facing RecordIds they survive a restart or re-drive, so a batch sent again carries the
 * same IDs (and an HTTP receiver or OpenSearch can recognise a duplicate).
 */
export function deliveryRecordsOf(batch: readonly RecordRun[], recordIdPrefix: string): DeliveryRecord[] {
  const records: DeliveryRecord[] = [];
  for (const run of batch) {
    for (let i = 0; i < run.ends.length; i++) {
      records.push({
        recordId: `${recordIdPrefix}.${run.firstSeq + i}`,
        arrivalMs: run.arrivalMs,
        data: recordAt(run, i),
      });
    }
  }
  return records;
}

/**
 * A failed record's §4.2 error document input. The writer's failure fields carry what only the destination knows
 * (OpenSearch's document ID and index, the HTTP request's `dataId`). Sluice writes a document for every failed
 * record, including those of a batch an HTTP endpoint refused with 413, which §10.3 says Firehose does not back
 * up: a record Sluice acknowledged never disappears without a trace.
 */
export function errorOutputInputOf(
  failed: FailedRecord,
  kind: 'HttpEndpoint' | 'OpenSearch',
): ErrorOutputInput {
  const common = {
    record: { data: failed.record.data, arrivalMs: failed.record.arrivalMs },
    errorCode: failed.errorCode,
    errorMessage: failed.errorMessage,
    attemptsMade: failed.attemptsMade,
    attemptEndingMs: failed.attemptEndingTimestamp,
  };
  const fields = failed.fields;
  if (kind === 'HttpEndpoint') {
    return {
      ...common,
      errorOutputType: 'http-endpoint-failed',
      dataId: String(fields.dataId),
      subsequenceNumber: Number(fields.subsequenceNumber ?? 0),
    };
  }
  const serverless = 'osIndexName' in fields;
  const documentId = serverless ? fields.osDocumentId : fields.esDocumentId;
  return {
    ...common,
    errorOutputType: 'AmazonOpenSearchService-failed',
    serverless,
    documentId: documentId === null || documentId === undefined ? null : String(documentId),
    indexName: String(serverless ? fields.osIndexName : fields.esIndexName),
    typeName:
      fields.esTypeName === null || fields.esTypeName === undefined ? null : String(fields.esTypeName),
  };
}

/**
 * What is left to write once the destination has answered (§3.5, §9, §10): the failed records as §4.2 documents
 * under the S3Configuration's error prefix (`http-endpoint-failed`, `AmazonOpenSearchService-failed`), and with
 * S3BackupMode AllData / AllDocuments every source record under its prefix. Both use the S3Configuration's
 * compression.
 */
export async function planWriterObjects(
  batch: readonly RecordRun[],
  result: DeliveryResult,
  stream: ResolvedStream,
  ports: { ids: IdSource; nowMs: number },
): Promise<PlannedObject[]> {
  const writer = stream.writer;
  if (!writer || writer.kind === 'Redshift') {
    throw new Error(`Stream ${stream.name} has no HTTP endpoint or OpenSearch destination.`);
  }
  const s3 = stream.destination;
  const codec = codecFor(s3.compressionFormat);
  const keyContext = {
    streamName: stream.name,
    versionId: stream.versionId,
    instantMs: batch[0]?.arrivalMs ?? ports.nowMs,
    timeZone: s3.customTimeZone,
    ids: ports.ids,
  };
  const planned: PlannedObject[] = [];
  if (result.failed.length > 0) {
    const kind = writer.kind;
    const documents = errorOutputBody(result.failed.map((failed) => errorOutputInputOf(failed, kind)));
    planned.push({
      role: 'ErrorOutput',
      records: result.failed.length,
      bytes: documents.byteLength,
      put: {
        bucket: s3.bucket,
        key: keysOf(s3).errorKey(
          writer.kind === 'HttpEndpoint' ? HTTP_ENDPOINT_ERROR_OUTPUT_TYPE : OPENSEARCH_ERROR_OUTPUT_TYPE,
          keyContext,
          codec.extension,
        ),
        body: await compressToBody(codec, [documents], ports),
        contentType: 'application/octet-stream',
        ...(codec.contentEncoding ? { contentEncoding: codec.contentEncoding } : {}),
        ...(s3.kmsKeyArn ? { kmsKeyArn: s3.kmsKeyArn } : {}),
      },
    });
  }
  const backupAll =
    writer.kind === 'HttpEndpoint'
      ? writer.settings.s3BackupMode === 'AllData'
      : writer.settings.s3BackupMode === 'AllDocuments';
  if (backupAll) {
    const source = batch.map((run) => run.data);
    const bytes = source.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    planned.push({
      role: 'BackupToS3',
      records: batch.reduce((sum, run) => sum + run.ends.length, 0),
      bytes,
      put: {
        bucket: s3.bucket,
        key: keysOf(s3).dataKey(keyContext, codec.extension),
        body: await compressToBody(codec, source, ports),
        contentType: 'application/octet-stream',
        ...(codec.contentEncoding ? { contentEncoding: codec.contentEncoding } : {}),
        ...(s3.kmsKeyArn ? { kmsKeyArn: s3.kmsKeyArn } : {}),
      },
    });
  }
  return planned;
}

/**
 * Redshift's source-record backup (§3.5, S3BackupMode Enabled): every record of the batch under the backup
 * bucket's prefix with its compression, as an S3 destination's backup. The intermediate objects and manifests are
 * the writer's own (§8 step 1); nothing else is left to write, whether the COPY succeeded or the batch was skipped.
 */
export async function planRedshiftBackup(
  batch: readonly RecordRun[],
  stream: ResolvedStream,
  ports: { ids: IdSource; nowMs: number },
): Promise<PlannedObject[]> {
  const backup = stream.destination.backup;
  if (stream.destination.s3BackupMode !== 'Enabled' || !backup) return [];
  const codec = codecFor(backup.compressionFormat);
  const source = batch.map((run) => run.data);
  const keyContext = {
    streamName: stream.name,
    versionId: stream.versionId,
    instantMs: batch[0]?.arrivalMs ?? ports.nowMs,
    timeZone: 'UTC',
    ids: ports.ids,
  };
  return [
    {
      role: 'BackupToS3',
      records: batch.reduce((sum, run) => sum + run.ends.length, 0),
      bytes: source.reduce((sum, chunk) => sum + chunk.byteLength, 0),
      put: {
        bucket: backup.bucket,
        key: keysOf(backup).dataKey(keyContext, codec.extension),
        body: await compressToBody(codec, source, ports),
        contentType: 'application/octet-stream',
        ...(codec.contentEncoding ? { contentEncoding: codec.contentEncoding } : {}),
        ...(backup.kmsKeyArn ? { kmsKeyArn: backup.kmsKeyArn } : {}),
      },
    },
  ];
}
