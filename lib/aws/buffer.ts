import type { KinesisStreamEvent } from 'aws-lambda';
import type { ResolvedStream } from '../core/config/resolved.ts';
import type { DynamicPartitioning } from '../core/partitioning/index.ts';
import type { IdSource, JqEngine, ObjectStore, Telemetry } from '../core/ports.ts';
import type { PendingRun } from '../core/records.ts';
import { decodeKinesisData, encodeFrame } from './aggregate.ts';
import type { BufferLedger } from './buffer-ledger.ts';
import type { BufferingPlan } from './buffering-plan.ts';
import { deliverFlush } from './deliver.ts';
import type { DeliveryAdapters } from './delivery-adapters.ts';
import { FlushDeadline } from './flush-deadline.ts';
import type { FlushQueue } from './flush-queue.ts';
import { forEachLimited } from './for-each-limited.ts';
import { stagePartitions } from './partition-staging.ts';
import { sealPartition } from './seal.ts';
import { stableId } from './seeded-ids.ts';
import type { StagingStore } from './staging-store.ts';

export interface BufferDeps {
  streamName: string;
  plan: BufferingPlan;
  metrics: Telemetry;
  nowMs(): number;
  ids: IdSource;
  /** Direct mode: the destination. Resolved lazily: a configuration the core rejects fails delivery, not staging. */
  stream(): ResolvedStream;
  /** Direct mode: Glue, the transform invoker and the region/account, for the stream's config. */
  adapters(): DeliveryAdapters;
  store: ObjectStore;
  /** Staged mode. */
  staging: StagingStore;
  ledger: BufferLedger;
  queue: FlushQueue;
  remainingMs(): number;
  deadlineMarginMs: number;
  /** Dynamic partitioning (spec §6), when the stream has it: the batch is processed and routed before staging. */
  partitioning?: DynamicPartitioning;
  /** Runs MetadataExtraction queries; needed with dynamic partitioning. */
  jqEngine?(): JqEngine;
}

/** A buffered batch of one shard, with the Kinesis positions that identify it. */
export interface ShardBatch {
  chunkId: string;
  runs: PendingRun[];
  records: number;
  bytes: number;
  /** Latest arrival in the batch: a fixed instant for a replay of the same batch. */
  lastArrivalMs: number;
}

/**
 * The Kinesis event source mapping's handler. It returns only once the batch is durably staged (staged mode)
 * or delivered (direct mode); any failure throws, the mapping retries the same batch, and nothing is
 * checkpointed past it (DESIGN.md AWS invariant 3). Replays are harmless: the chunk ID and the direct flush ID
 * derive from the batch's Kinesis positions, so a replay rewrites the same chunk or the same objects.
 */
export async function handleKinesisBatch(event: KinesisStreamEvent, deps: BufferDeps): Promise<void> {
  const batch = readBatch(event);
  if (batch.records === 0) return;
  if (deps.plan.mode === 'direct') {
    await deliverFlush(batch.runs, deps.stream(), {
      flushId: batch.chunkId,
      flushedAtMs: batch.lastArrivalMs,
      store: deps.store,
      metrics: deps.metrics,
      nowMs: deps.nowMs,
      delivered: new Set(),
      onDelivered: async () => {},
      deadline: new FlushDeadline(batch.chunkId, deps.remainingMs, deps.deadlineMarginMs),
      adapters: deps.adapters(),
    });
    return;
  }
  if (deps.partitioning) {
    await stageAndSealPartitions(batch, deps.partitioning, deps);
    return;
  }
  const partition = '';
  const key = `chunks/${stableId(partition).slice(0, 8)}/${batch.chunkId}`;
  await deps.staging.put(key, concat(batch.runs.map(encodeFrame)));
  const arrivalMs = batch.runs.reduce((min, run) => Math.min(min, run.arrivalMs), batch.lastArrivalMs);
  const added = await deps.ledger.addChunk(partition, {
    chunkId: batch.chunkId,
    key,
    bytes: batch.bytes,
    records: batch.records,
    arrivalMs,
  });
  deps.metrics.count(deps.streamName, 'Sluice.StagedRecords', added ? batch.records : 0);
  deps.metrics.count(deps.streamName, 'Sluice.StagedBytes', added ? batch.bytes : 0);
  if (deps.plan.intervalSeconds === 0 || (await deps.ledger.openBytes(partition)) >= deps.plan.sizeBytes) {
    await sealPartition(partition, deps.plan.intervalSeconds === 0, {
      ...deps,
      sizeBytes: deps.plan.sizeBytes,
    });
  }
}

/** Processes and routes the batch into per-partition chunks; a partition that crossed its size hint is sealed. */
async function stageAndSealPartitions(
  batch: ShardBatch,
  partitioning: DynamicPartitioning,
  deps: BufferDeps,
): Promise<void> {
  if (!deps.jqEngine) throw new Error('Dynamic partitioning needs a jq engine.');
  const staged = await stagePartitions(batch, {
    streamName: deps.streamName,
    stream: deps.stream(),
    partitioning,
    adapters: deps.adapters(),
    jqEngine: deps.jqEngine(),
    store: deps.store,
    staging: deps.staging,
    ledger: deps.ledger,
    metrics: deps.metrics,
    nowMs: deps.nowMs,
    deadline: new FlushDeadline(batch.chunkId, deps.remainingMs, deps.deadlineMarginMs),
  });
  // Each partition flushes on its own size hint (spec §6); the sweeper flushes those whose interval elapsed.
  await forEachLimited(staged, async (partition) => {
    if ((await deps.ledger.openBytes(partition)) >= deps.plan.sizeBytes) {
      await sealPartition(partition, false, { ...deps, sizeBytes: deps.plan.sizeBytes });
    }
  });
}

export function readBatch(event: KinesisStreamEvent): ShardBatch {
  const runs: PendingRun[] = [];
  let records = 0;
  let bytes = 0;
  let lastArrivalMs = 0;
  for (const record of event.Records) {
    const arrivalMs = Math.round(record.kinesis.approximateArrivalTimestamp * 1000);
    lastArrivalMs = Math.max(lastArrivalMs, arrivalMs);
    for (const run of decodeKinesisData(Buffer.from(record.kinesis.data, 'base64'), arrivalMs)) {
      runs.push(run);
      records += run.ends.length;
      bytes += run.data.byteLength;
    }
  }
  const first = event.Records[0];
  const last = event.Records[event.Records.length - 1];
  const shard = first?.eventID.split(':')[0] ?? '';
  const chunkId = stableId(
    `${first?.eventSourceARN ?? ''}|${shard}|${first?.kinesis.sequenceNumber ?? ''}|${last?.kinesis.sequenceNumber ?? ''}`,
  );
  return { chunkId, runs, records, bytes, lastArrivalMs };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
