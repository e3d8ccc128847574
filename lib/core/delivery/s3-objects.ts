import { type Codec, codecFor } from '../compression/index.ts';
import type { ResolvedS3Destination, ResolvedStream } from '../config/resolved.ts';
import type { IdSource, PutObjectInput } from '../ports.ts';
import { appendDelimiter } from '../processors/append-delimiter.ts';
import type { ProcessorRecord } from '../processors/index.ts';
import { packRecords, type RecordRun, recordViews } from '../records.ts';
import { compileObjectKeys } from '../s3/object-key.ts';
import type { PartitionKeys } from '../s3/prefix-template.ts';
import { convertBatch, type GlueTables } from './parquet-objects.ts';
import { type ErrorBodies, needsProcessing, type ProcessingPorts, processBatch } from './processing.ts';

/** One object a batch turns into: the delivered data, or the source-record backup (spec §3.5). */
export interface PlannedObject {
  /** DeliveryToS3: the delivered data; BackupToS3: source records; ErrorOutput: §4.2 documents of failed records. */
  role: 'DeliveryToS3' | 'BackupToS3' | 'ErrorOutput';
  put: PutObjectInput;
  records: number;
  /** Bytes before compression. */
  bytes: number;
}

type KeyTemplates = ReturnType<typeof compileObjectKeys>;
export type KeyContext = Parameters<KeyTemplates['dataKey']>[0];
const compiledKeys = new WeakMap<ResolvedS3Destination, KeyTemplates>();

// Prefix templates are parsed once per destination configuration, not once per object.
export function keysOf(destination: ResolvedS3Destination): KeyTemplates {
  let keys = compiledKeys.get(destination);
  if (!keys) {
    keys = compileObjectKeys({
      prefix: destination.prefix,
      errorOutputPrefix: destination.errorOutputPrefix,
    });
    compiledKeys.set(destination, keys);
  }
  return keys;
}

/**
 * The stage order for an S3 delivery: processors → compression → object key. Objects are planned once per
 * batch, so a retry re-sends the same keys and bodies (a retried put overwrites instead of duplicating).
 */
export interface PlanPorts {
  ids: IdSource;
  nowMs: number;
  /** Schemas for data format conversion (spec §7). */
  glueTables?: GlueTables;
  /** For ARNs in error documents. */
  region?: string;
  accountId?: string;
  /**
   * The Lambda invoker and timers of the processors (spec §5, §6). `ids` (invocation IDs) defaults to the key ids;
   * a runtime that renders keys again from a seed (the AWS flush) passes its own, so a re-run that makes a
   * different number of invocations still renders the same keys.
   */
  processing?: Omit<ProcessingPorts, 'ids' | 'region'> & { ids?: IdSource };
}

export async function planS3Objects(
  batch: readonly RecordRun[],
  stream: ResolvedStream,
  ports: PlanPorts,
): Promise<PlannedObject[]> {
  const destination = stream.destination;
  // Without processors the runs' buffers are the object's bytes: no per-record views, no copy.
  const source = batch.map((run) => run.data);
  const records = batch.reduce((sum, run) => sum + run.ends.length, 0);
  // One instant per object: the oldest record's arrival (spec §3.1).
  const instantMs = batch[0]?.arrivalMs ?? ports.nowMs;
  const keyContext = {
    streamName: stream.name,
    versionId: stream.versionId,
    instantMs,
    timeZone: destination.customTimeZone,
    ids: ports.ids,
  };

  const planned: PlannedObject[] = [];
  let processed = source;
  let delivered = batch;
  let deliveredRecords = records;
  if (needsProcessing(stream)) {
    if (!ports.processing) throw new Error('Processors need processing ports.');
    const result = await processBatch(batch, stream, {
      ...ports.processing,
      ids: ports.processing.ids ?? ports.ids,
      region: ports.region ?? 'us-east-1',
    });
    planned.push(...(await planErrorObjects(result.errorBodies, stream, keyContext, ports)));
    const views = result.records.map((r) => r.data);
    processed = result.appendDelimiter ? appendDelimiter(views) : views;
    deliveredRecords = result.records.length;
    // Conversion reads the processed records; the batch's first position stands in for their log positions.
    delivered = [{ ...packRecords(views), arrivalMs: instantMs, firstSeq: batch[0]?.firstSeq ?? 0 }];
  } else {
    for (const processor of destination.processors) {
      if (processor.type === 'AppendDelimiterToRecord') processed = appendDelimiter(recordViews(batch));
    }
  }

  if (destination.dataFormatConversion) {
    if (deliveredRecords > 0)
      planned.push(...(await planParquetObjects(delivered, stream, ports, keyContext)));
  } else if (deliveredRecords > 0) {
    const codec = codecFor(destination.compressionFormat);
    const extension = destination.fileExtension ?? codec.extension;
    planned.push({
      role: 'DeliveryToS3',
      records: deliveredRecords,
      bytes: processed.reduce((sum, chunk) => sum + chunk.byteLength, 0),
      put: {
        bucket: destination.bucket,
        key: keysOf(destination).dataKey(keyContext, extension),
        body: await compressToBody(codec, processed, ports),
        contentType: 'application/octet-stream',
        ...(codec.contentEncoding ? { contentEncoding: codec.contentEncoding } : {}),
        ...(destination.kmsKeyArn ? { kmsKeyArn: destination.kmsKeyArn } : {}),
      },
    });
  }

  const backup = await planBackupObject(batch, stream, keyContext, ports);
  if (backup) planned.push(backup);
  return planned;
}

/** Bodies go to the store as chunks (UNCOMPRESSED: the record chunks themselves), never joined into one buffer. */
export function compressToBody(
  codec: Codec,
  chunks: readonly Uint8Array[],
  ports: { ids: IdSource; nowMs: number },
): Promise<readonly Uint8Array[]> {
  return codec.compress(chunks, { uuid: ports.ids.uuid(), nowMs: ports.nowMs });
}

/**
 * With data format conversion (spec §7): one `.parquet` object (the serializer compresses, so CompressionFormat is
 * UNCOMPRESSED) and, when records failed, their `format-conversion-failed` documents under the error prefix.
 */
async function planParquetObjects(
  batch: readonly RecordRun[],
  stream: ResolvedStream,
  ports: PlanPorts,
  keyContext: KeyContext,
): Promise<PlannedObject[]> {
  const destination = stream.destination;
  const converted = await convertBatch(batch, stream, ports.glueTables, {
    region: ports.region ?? 'us-east-1',
    accountId: ports.accountId ?? '000000000000',
    nowMs: ports.nowMs,
  });
  const planned: PlannedObject[] = [];
  const kms = destination.kmsKeyArn ? { kmsKeyArn: destination.kmsKeyArn } : {};
  if (converted.body.length > 0) {
    planned.push({
      role: 'DeliveryToS3',
      records: converted.result.convertedRecords,
      bytes: converted.body.reduce((sum, chunk) => sum + chunk.byteLength, 0),
      put: {
        bucket: destination.bucket,
        key: keysOf(destination).dataKey(keyContext, destination.fileExtension ?? '.parquet'),
        body: converted.body,
        contentType: 'application/octet-stream',
        ...kms,
      },
    });
  }
  if (converted.errorBody) {
    planned.push({
      role: 'ErrorOutput',
      records: converted.result.failures.length,
      bytes: converted.errorBody.byteLength,
      put: {
        bucket: destination.bucket,
        key: keysOf(destination).errorKey('format-conversion-failed', keyContext, ''),
        body: [converted.errorBody],
        contentType: 'application/octet-stream',
        ...kms,
      },
    });
  }
  return planned;
}

/** One object per error-output type under the error prefix, with the destination's compression (spec §4). */
export async function planErrorObjects(
  bodies: ErrorBodies,
  stream: ResolvedStream,
  keyContext: KeyContext,
  ports: { ids: IdSource; nowMs: number },
): Promise<PlannedObject[]> {
  const destination = stream.destination;
  const codec = codecFor(destination.compressionFormat);
  const objects: PlannedObject[] = [];
  for (const [errorOutputType, { body, records }] of bodies) {
    objects.push({
      role: 'ErrorOutput',
      records,
      bytes: body.byteLength,
      put: {
        bucket: destination.bucket,
        key: keysOf(destination).errorKey(errorOutputType, keyContext, codec.extension),
        body: await compressToBody(codec, [body], ports),
        contentType: 'application/octet-stream',
        ...(codec.contentEncoding ? { contentEncoding: codec.contentEncoding } : {}),
        ...(destination.kmsKeyArn ? { kmsKeyArn: destination.kmsKeyArn } : {}),
      },
    });
  }
  return objects;
}

/** The source records of a batch as they arrived, before any processor ran (spec §3.5), when backup is Enabled. */
export async function planBackupObject(
  batch: readonly RecordRun[],
  stream: ResolvedStream,
  keyContext: KeyContext,
  ports: { ids: IdSource; nowMs: number },
): Promise<PlannedObject | undefined> {
  const destination = stream.destination;
  const backup = destination.backup;
  if (destination.s3BackupMode !== 'Enabled' || !backup) return undefined;
  const source = batch.map((run) => run.data);
  const backupCodec = codecFor(backup.compressionFormat);
  return {
    role: 'BackupToS3',
    records: batch.reduce((sum, run) => sum + run.ends.length, 0),
    bytes: source.reduce((sum, chunk) => sum + chunk.byteLength, 0),
    put: {
      bucket: backup.bucket,
      key: keysOf(backup).dataKey(keyContext, backupCodec.extension),
      body: await compressToBody(backupCodec, source, ports),
      contentType: 'application/octet-stream',
      ...(backupCodec.contentEncoding ? { contentEncoding: backupCodec.contentEncoding } : {}),
      ...(backup.kmsKeyArn ? { kmsKeyArn: backup.kmsKeyArn } : {}),
    },
  };
}

/**
 * One partition's records as one object under the prefix its keys evaluate to (spec §6). The records are in arrival
 * order, so the first is the oldest, whose arrival names the object (§3.1); the delimiter is appended here when
 * AppendDelimiterToRecord is configured.
 */
export async function planPartitionObject(
  records: readonly ProcessorRecord[],
  partitionKeys: PartitionKeys,
  stream: ResolvedStream,
  ports: { ids: IdSource; nowMs: number },
): Promise<PlannedObject> {
  const destination = stream.destination;
  const views = records.map((record) => record.data);
  const chunks = destination.processors.some((p) => p.type === 'AppendDelimiterToRecord')
    ? appendDelimiter(views)
    : views;
  const codec = codecFor(destination.compressionFormat);
  const keyContext: KeyContext = {
    streamName: stream.name,
    versionId: stream.versionId,
    instantMs: records[0]?.arrivalMs ?? ports.nowMs,
    timeZone: destination.customTimeZone,
    ids: ports.ids,
    partitionKeysByNamespace: partitionKeys,
  };
  return {
    role: 'DeliveryToS3',
    records: records.length,
    bytes: chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0),
    put: {
      bucket: destination.bucket,
      key: keysOf(destination).dataKey(keyContext, destination.fileExtension ?? codec.extension),
      body: await compressToBody(codec, chunks, ports),
      contentType: 'application/octet-stream',
      ...(codec.contentEncoding ? { contentEncoding: codec.contentEncoding } : {}),
      ...(destination.kmsKeyArn ? { kmsKeyArn: destination.kmsKeyArn } : {}),
    },
  };
}
