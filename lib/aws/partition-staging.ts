import type { ResolvedStream } from '../core/config/resolved.ts';
import { errorBodiesOf, type ProcessedBatch, processBatch } from '../core/delivery/processing.ts';
import {
  type KeyContext,
  type PlannedObject,
  planBackupObject,
  planErrorObjects,
} from '../core/delivery/s3-objects.ts';
import { SluiceError } from '../core/errors.ts';
import {
  type DynamicPartitioning,
  PARTITIONING_ERRORS,
  type Partition,
  partitionRecords,
} from '../core/partitioning/index.ts';
import type { JqEngine, ObjectStore, Telemetry } from '../core/ports.ts';
import type { FailedProcessorRecord, ProcessorRecord } from '../core/processors/index.ts';
import { type PendingRun, packRecords, type RecordRun, recordAt } from '../core/records.ts';
import { encodeFrame } from './aggregate.ts';
import type { BufferLedger } from './buffer-ledger.ts';
import type { DeliveryAdapters } from './delivery-adapters.ts';
import type { FlushDeadline } from './flush-deadline.ts';
import { forEachLimited } from './for-each-limited.ts';
import { SeededIds, stableId } from './seeded-ids.ts';
import type { StagingStore } from './staging-store.ts';
import { TransformBudget } from './transform-budget.ts';

export interface PartitionStagingDeps {
  streamName: string;
  stream: ResolvedStream;
  partitioning: DynamicPartitioning;
  adapters: DeliveryAdapters;
  jqEngine: JqEngine;
  store: ObjectStore;
  staging: StagingStore;
  ledger: BufferLedger;
  metrics: Telemetry;
  nowMs(): number;
  deadline: FlushDeadline;
}

/** A batch of one shard as the buffer Lambda reads it (see ShardBatch in buffer.ts). */
export interface PartitionedBatch {
  chunkId: string;
  runs: readonly PendingRun[];
  lastArrivalMs: number;
}

/**
 * Dynamic partitioning in the buffer Lambda (spec §6): the batch is processed (de-aggregation, the Lambda transform,
 * MetadataExtraction) and routed before anything is staged, so each partition gets a chunk of its own, flushes on
 * its own hints and is delivered without running the processors again. Returns the partitions it staged into.
 *
 * Order matters for "no acknowledged record lost": the error output (processing failures, missing keys, the
 * active-partition limit) and the source backup are written first, then the partitions' chunks; any failure
 * throws and the event source mapping replays the whole batch. A replay renders the same object and chunk keys
 * (ids seeded by the batch's Kinesis positions) and the ledger ignores chunks it recorded before, so it
 * overwrites rather than adds. A transform that answers differently on the replay can route a record elsewhere
 * the second time: it is then delivered twice (at least once), never lost.
 */
export async function stagePartitions(
  batch: PartitionedBatch,
  deps: PartitionStagingDeps,
): Promise<string[]> {
  const { stream, deadline } = deps;
  let seq = 0;
  const runs: RecordRun[] = batch.runs.map((run) => {
    const withSeq = { ...run, firstSeq: seq };
    seq += run.ends.length;
    return withSeq;
  });
  const processed = await processOrFail(runs, batch.chunkId, deps);
  const active = await deps.ledger.activePartitions();
  const routed = partitionRecords(
    processed.records.map((record, i) => ({ record, keys: processed.partitionKeys[i]! })),
    deps.partitioning,
    active,
  );
  const partitions = routed.partitions.filter((partition) => fitsTheLedger(partition.id));
  const failed = [
    ...routed.failed,
    ...routed.partitions.filter((p) => !fitsTheLedger(p.id)).flatMap(tooLong),
  ];
  const opened = partitions.filter((partition) => !active.has(partition.id)).length;
  // Spec §6 metrics: active partitions, and whether the limit refused records.
  deps.metrics.gauge(deps.streamName, 'PartitionCount', active.size + opened);
  deps.metrics.gauge(
    deps.streamName,
    'PartitionCountExceeded',
    failed.some((f) => f.errorOutputType === 'activePartitionExceeded') ? 1 : 0,
  );

  const ids = new SeededIds(batch.chunkId);
  const ports = { ids, nowMs: batch.lastArrivalMs };
  const keyContext: KeyContext = {
    streamName: stream.name,
    versionId: stream.versionId,
    instantMs: runs[0]?.arrivalMs ?? batch.lastArrivalMs,
    timeZone: stream.destination.customTimeZone,
    ids,
  };
  const objects = await planErrorObjects(
    errorBodiesOf([...processed.failures, ...failed], batch.lastArrivalMs),
    stream,
    keyContext,
    ports,
  );
  const backup = await planBackupObject(runs, stream, keyContext, ports);
  for (const object of backup ? [...objects, backup] : objects) await put(object, deps);

  // Up to 500 partitions (5,000 if raised) per batch: staged a few at a time, not one after another.
  await forEachLimited(partitions, async (partition) => {
    deadline.check();
    await stageChunk(batch.chunkId, partition, deps);
  });
  return partitions.map((partition) => partition.id);
}

/**
 * Runs the processors with the transform bounded by this run (see TransformBudget). Processing has no I/O whose
 * failure it throws (the invoker answers failures as values), so a throw here is deterministic — a query that does
 * not compile, a configuration the processors refuse — and a replay would throw again until Kinesis expires the
 * records: instead every record of the batch goes to the error prefix as `processing-failed`, with the error.
 */
async function processOrFail(
  runs: readonly RecordRun[],
  chunkId: string,
  deps: PartitionStagingDeps,
): Promise<Pick<ProcessedBatch, 'records' | 'partitionKeys' | 'failures'>> {
  const { stream, adapters } = deps;
  const budget = new TransformBudget(deps.deadline);
  try {
    return await processBatch(runs, stream, {
      ...(adapters.invoker ? { invoker: budget.bound(adapters.invoker) } : {}),
      ids: new SeededIds(`${chunkId}:invocations`),
      clock: { nowMs: deps.nowMs },
      sleep: (ms) => budget.sleep(ms),
      jitter: adapters.jitter ?? Math.random,
      region: adapters.region,
      jqEngine: deps.jqEngine,
    });
  } catch (error) {
    const errorCode = error instanceof SluiceError ? error.code : 'Sluice.ProcessingError';
    const errorMessage = `The batch could not be processed: ${describe(error)}`;
    const failures = runs.flatMap((run) =>
      Array.from(run.ends, (_, i): FailedProcessorRecord => {
        const data = recordAt(run, i);
        return {
          // The record IDs processBatch gives (stream name and position in the batch).
          record: { recordId: `${stream.name}.${run.firstSeq + i}`, arrivalMs: run.arrivalMs, data },
          errorOutputType: 'processing-failed',
          errorCode,
          errorMessage,
          rawData: data,
          attemptsMade: 1,
        };
      }),
    );
    return { records: [], partitionKeys: [], failures };
  }
}

/** An error's name and message, bounded (processing errors name the query or configuration, not records). */
function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * A partition's evaluated prefix keys its ledger items, and DynamoDB sort keys hold 1,024 bytes; S3 keys hold 1,024
 * bytes too, so a prefix longer than this in UTF-8 (512 characters can be up to 2,048 bytes) could not name an
 * object either. Its records go to the error output instead of failing the batch forever.
 */
const MAX_PARTITION_ID_BYTES = 900;

function fitsTheLedger(partitionId: string): boolean {
  return Buffer.byteLength(partitionId) <= MAX_PARTITION_ID_BYTES;
}

function tooLong(partition: Partition): FailedProcessorRecord[] {
  const bytes = Buffer.byteLength(partition.id);
  return partition.records.map((record) => ({
    record,
    errorOutputType: 'processing-failed',
    errorCode: PARTITIONING_ERRORS.prefixTooLong,
    errorMessage: `Prefix evaluated to ${bytes} bytes of UTF-8; at most ${MAX_PARTITION_ID_BYTES} are allowed on AWS.`,
    rawData: record.data,
    attemptsMade: 1,
  }));
}

/** Where a partition's chunk of a batch is staged: distinct per partition and per batch, stable on a replay. */
export function partitionChunkKey(partitionId: string, chunkId: string): string {
  return `chunks/${stableId(partitionId)}/${chunkId}`;
}

async function stageChunk(chunkId: string, partition: Partition, deps: PartitionStagingDeps): Promise<void> {
  const frames = framesOf(partition.records).map(encodeFrame);
  const key = partitionChunkKey(partition.id, chunkId);
  await deps.staging.put(key, Buffer.concat(frames));
  const bytes = partition.records.reduce((sum, record) => sum + record.data.byteLength, 0);
  const added = await deps.ledger.addChunk(partition.id, {
    chunkId,
    key,
    bytes,
    records: partition.records.length,
    arrivalMs: partition.records.reduce((min, record) => Math.min(min, record.arrivalMs), Infinity),
    partitionKeys: partition.partitionKeys,
  });
  deps.metrics.count(deps.streamName, 'Sluice.StagedRecords', added ? partition.records.length : 0);
  deps.metrics.count(deps.streamName, 'Sluice.StagedBytes', added ? bytes : 0);
}

/** Processed records as frames, one per run of records with the same arrival (each frame carries one arrival). */
function framesOf(records: readonly ProcessorRecord[]): PendingRun[] {
  const frames: PendingRun[] = [];
  let from = 0;
  for (let i = 1; i <= records.length; i++) {
    if (i < records.length && records[i]!.arrivalMs === records[from]!.arrivalMs) continue;
    const group = records.slice(from, i);
    frames.push({ ...packRecords(group.map((record) => record.data)), arrivalMs: group[0]!.arrivalMs });
    from = i;
  }
  return frames;
}

async function put(object: PlannedObject, deps: PartitionStagingDeps): Promise<void> {
  deps.deadline.check();
  await deps.store.putObject(object.put);
  deps.metrics.count(deps.streamName, `${object.role}.Records`, object.records);
  deps.metrics.count(deps.streamName, `${object.role}.Bytes`, object.bytes);
  deps.metrics.count(deps.streamName, `${object.role}.ObjectCount`, 1);
}
