import { type PartitionBuffer, PartitionBuffers } from '../core/buffer/partition-buffers.ts';
import type { StreamBuffer } from '../core/buffer/stream-buffer.ts';
import type { ResolvedStream } from '../core/config/resolved.ts';
import { errorBodiesOf, type ProcessedBatch } from '../core/delivery/processing.ts';
import {
  type KeyContext,
  type PlannedObject,
  planBackupObject,
  planErrorObjects,
  planPartitionObject,
} from '../core/delivery/s3-objects.ts';
import { bounded } from '../core/errors.ts';
import type { MetricsRegistry } from '../core/metrics.ts';
import {
  type DynamicPartitioning,
  PARTITIONING_ERRORS,
  type Partition,
  partitionRecords,
  retriesExhausted,
} from '../core/partitioning/index.ts';
import type { IdSource } from '../core/ports.ts';
import type { FailedProcessorRecord, ProcessorRecord } from '../core/processors/index.ts';
import { packRecords, type RecordRun, recordAt } from '../core/records.ts';
import type { InFlightBatch } from './in-flight-batch.ts';

/** A batch cut by PartitionedDelivery: it carries the dynamic partitioning that routes it. */
export type PartitionedBatch = InFlightBatch & { readonly dynamicPartitioning: DynamicPartitioning };

export type PutObjectsOutcome =
  | { kind: 'delivered' }
  | { kind: 'closed' }
  | { kind: 'gave-up'; attempts: number; lastError: unknown };

/** What the stream runtime does for its partitions: processing, puts with retries, and completion. */
export interface PartitionedDeliveryHost {
  readonly name: string;
  readonly ids: IdSource;
  readonly metrics: MetricsRegistry;
  stream(): ResolvedStream;
  nowMs(): number;
  /**
   * Starts tracking records cut from the buffer, with one outstanding piece: the batch's own objects. The batch
   * keeps the stream's configuration and `dynamicPartitioning` as they are now.
   */
  begin(records: RecordRun[], dynamicPartitioning: DynamicPartitioning): PartitionedBatch;
  /** One piece of the batch is written (its own objects, or a partition it fed); at zero it is done. */
  settled(batch: InFlightBatch): void;
  /** The batch is routed and its own objects written: its bytes in the arena may be reused. */
  routed(batch: InFlightBatch): void;
  /** Runs the batch's processors, retrying until they succeed; undefined when the stream closes first. */
  process(batch: InFlightBatch): Promise<ProcessedBatch | undefined>;
  /** Reports a failed attempt as a stall and waits out its backoff; false when the stream is closing. */
  backoff(message: string, attempt: number, error: unknown): Promise<boolean>;
  /** Puts planned objects with backoff; gives up only after `giveUpAfterMs` of failures. */
  put(plan: () => Promise<PlannedObject[]>, giveUpAfterMs?: number): Promise<PutObjectsOutcome>;
  /** Keeps close() waiting for `work`. */
  track(work: Promise<unknown>): void;
  /** Something finished: more may be due. */
  tick(): void;
  delivered(records: number): void;
}

/** Processing batches are cut at the Lambda's BufferSizeInMBs (spec §2.2), or this without a Lambda. */
const DEFAULT_PROCESSING_BATCH_BYTES = 1024 * 1024;
/** Partition objects written at once: 500 partitions due together are not 500 open files and zlib streams. */
const MAX_PARTITION_DELIVERIES = 8;
/**
 * Routing is pure code over the processed batch, so a failure that repeats this often is taken as one that always
 * will, and the batch goes to the error output; fewer attempts would not ride out a failed allocation.
 */
const ROUTING_ATTEMPTS = 3;

/**
 * Dynamic partitioning in the local runtime (spec §6), in two stages, as Firehose buffers in several:
 *
 * 1. Records are cut from the stream buffer as soon as they are there, one batch at a time (a batch waits while the
 *    previous one is processed, so batches grow with the load), processed (processing.ts: Lambda, then
 *    MetadataExtraction) and routed: each record to the buffer of the prefix its keys evaluate to, or, when its keys
 *    are missing or it would open a partition past the active-partition limit, to the error output, written with the
 *    batch's source backup. A batch is processed, routed and written with the configuration it was cut under, even
 *    when an UpdateDestination lands meanwhile, so its keys always match the prefix that renders them.
 * 2. Each partition is delivered as one object when its own size or interval hint is reached (or on flush, once
 *    everything up to the flush is routed), retried for RetryOptions.DurationInSeconds and then written under the
 *    error prefix.
 *
 * Records complete out of order, so a batch counts what is outstanding of it (its own objects, each partition it
 * fed); the host marks its log range done and moves the stream's delivered watermark when that reaches zero.
 * Partition buffers hold copies of their records, one buffer per partition and batch: the batch's runs live in the
 * arena, whose slabs are reused once the batch is routed and its own objects written (views would pin every slab
 * from a partition's oldest record on, up to its interval of up to 900 s of the stream's data).
 */
export class PartitionedDelivery {
  private readonly partitions: PartitionBuffers<PartitionedBatch>;
  private processing = false;
  private deliveries = 0;
  /** Highest seq processed and routed. */
  private routedSeq = -1;

  constructor(
    private settings: DynamicPartitioning,
    private readonly host: PartitionedDeliveryHost,
  ) {
    this.partitions = new PartitionBuffers(settings.bufferingHints);
  }

  /** Routes the batches cut from now on; the new buffering hints apply to every partition at once. */
  reconfigure(settings: DynamicPartitioning): void {
    this.settings = settings;
    this.partitions.setHints(settings.bufferingHints);
  }

  get bufferedRecords(): number {
    return this.partitions.bufferedRecords;
  }

  get activePartitions(): number {
    return this.partitions.activeIds().size;
  }

  /** Starts processing and partition deliveries that are due. `flushTargetSeq` is -1 when no flush waits. */
  tick(buffer: StreamBuffer, flushTargetSeq: number): void {
    if (!this.processing && buffer.bufferedRecords > 0) {
      const records = buffer.take(this.processingBatchBytes());
      const batch = this.host.begin(records, this.settings);
      this.processing = true;
      this.host.track(
        this.route(batch).finally(() => {
          this.processing = false;
          this.host.tick();
        }),
      );
    }
    // A flush delivers partitions only once every record it waits for is routed: a partition delivered early would
    // stop counting as active, and records routed after it could open partitions the limit should have refused.
    const flushing = flushTargetSeq >= 0 && this.routedSeq >= flushTargetSeq;
    for (const key of this.partitions.due(this.host.nowMs(), flushing)) {
      if (this.deliveries >= MAX_PARTITION_DELIVERIES) break;
      const partition = this.partitions.take(key)!;
      this.deliveries++;
      this.host.track(
        this.deliver(partition).finally(() => {
          this.deliveries--;
          this.host.tick();
        }),
      );
    }
  }

  /** Drops the partition buffers; their records are still in the log. */
  clear(): void {
    this.partitions.clear();
  }

  private processingBatchBytes(): number {
    const lambda = this.host.stream().destination.processors.find((p) => p.type === 'Lambda');
    const sizeInMBs = Number(lambda?.parameters.BufferSizeInMBs ?? 0);
    return sizeInMBs > 0 ? sizeInMBs * 1024 * 1024 : DEFAULT_PROCESSING_BATCH_BYTES;
  }

  /**
   * Processes a batch and routes its records. Routing that throws (a bug, or memory running out) is retried as a
   * stall; after ROUTING_ATTEMPTS the batch's records go to the error output: never parked where nothing delivers
   * them.
   */
  private async route(batch: PartitionedBatch): Promise<void> {
    const processed = await this.host.process(batch);
    if (!processed) return;
    let failures: FailedProcessorRecord[];
    for (let attempt = 1; ; attempt++) {
      try {
        failures = [...processed.failures, ...this.addToPartitions(batch, processed)];
        break;
      } catch (error) {
        if (attempt >= ROUTING_ATTEMPTS) {
          failures = [
            ...processed.failures,
            ...processed.records.map((r) => routingFailed(r, error, attempt)),
          ];
          break;
        }
        const retrying = await this.host.backoff(
          'routing records to partitions failed; the records stay in the log and will be retried',
          attempt,
          error,
        );
        if (!retrying) return;
      }
    }
    this.routedSeq = batch.lastSeq;
    // Spec §6 metrics: active partitions, and whether the limit refused records.
    this.host.metrics.gauge(this.host.name, 'PartitionCount', this.partitions.activeIds().size);
    this.host.metrics.gauge(
      this.host.name,
      'PartitionCountExceeded',
      failures.some((f) => f.errorOutputType === 'activePartitionExceeded') ? 1 : 0,
    );
    // The batch's own objects go out while the next batch is processed.
    this.host.track(this.putBatchObjects(batch, failures));
  }

  /**
   * Adds the batch's records to the buffers of their partitions, with the batch's own settings; returns the records
   * that have none. Changes nothing when it throws.
   */
  private addToPartitions(batch: PartitionedBatch, processed: ProcessedBatch): FailedProcessorRecord[] {
    const keyed = processed.records.map((record, i) => ({ record, keys: processed.partitionKeys[i]! }));
    const { partitions, failed } = partitionRecords(
      keyed,
      batch.dynamicPartitioning,
      this.partitions.activeIds(),
    );
    const copies = partitions.map(withOwnBytes);
    batch.outstanding += this.partitions.add(copies, batch, batch.stream.versionId);
    return failed;
  }

  /** The error documents of what failed in processing or routing, and the source-record backup (spec §3.5). */
  private async putBatchObjects(batch: InFlightBatch, failures: FailedProcessorRecord[]): Promise<void> {
    const stream = batch.stream;
    const outcome = await this.host.put(async () => {
      const ports = { ids: this.host.ids, nowMs: this.host.nowMs() };
      const keyContext = this.keyContext(stream, batch.records[0]!.arrivalMs);
      const objects = await planErrorObjects(errorBodiesOf(failures, ports.nowMs), stream, keyContext, ports);
      const backup = await planBackupObject(batch.records, stream, keyContext, ports);
      return backup ? [...objects, backup] : objects;
    });
    if (outcome.kind !== 'delivered') return;
    this.host.routed(batch);
    this.host.settled(batch);
  }

  /**
   * One partition's object, retried for RetryOptions.DurationInSeconds (spec §3.7, §6); after that its records are
   * written under the error prefix, retried until that succeeds (the stream pauses while both fail, §3.7).
   */
  private async deliver(partition: PartitionBuffer<PartitionedBatch>): Promise<void> {
    // A buffer holds the batches of one configuration (PartitionBuffers.add): the one its prefix was evaluated with.
    const { stream, dynamicPartitioning } = partition.batches[0]!;
    const ports = () => ({ ids: this.host.ids, nowMs: this.host.nowMs() });
    let outcome = await this.host.put(
      async () => [await planPartitionObject(partition.records, partition.partitionKeys, stream, ports())],
      dynamicPartitioning.retryDurationSeconds * 1000,
    );
    if (outcome.kind === 'gave-up') {
      const gaveUp = outcome;
      const failures = partition.records.map((record) =>
        retriesExhausted(record, gaveUp.lastError, gaveUp.attempts),
      );
      outcome = await this.host.put(async () => {
        const now = ports();
        const keyContext = this.keyContext(stream, partition.records[0]!.arrivalMs);
        return planErrorObjects(errorBodiesOf(failures, now.nowMs), stream, keyContext, now);
      });
    } else if (outcome.kind === 'delivered') {
      this.host.delivered(partition.records.length);
    }
    if (outcome.kind !== 'delivered') return;
    this.partitions.delivered(partition.id);
    for (const batch of partition.batches) this.host.settled(batch);
  }

  private keyContext(stream: ResolvedStream, instantMs: number): KeyContext {
    return {
      streamName: stream.name,
      versionId: stream.versionId,
      instantMs,
      timeZone: stream.destination.customTimeZone,
      ids: this.host.ids,
    };
  }
}

/** A record of a batch that could not be routed, for the processing-failed output (§4.2, as routing's own failures). */
function routingFailed(record: ProcessorRecord, error: unknown, attempts: number): FailedProcessorRecord {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    record,
    errorOutputType: 'processing-failed',
    errorCode: PARTITIONING_ERRORS.routingFailed,
    errorMessage: `The records could not be routed to partitions: ${bounded(reason, 200)}`,
    rawData: record.data,
    attemptsMade: attempts,
  };
}

/** A partition's records copied into one buffer of its own (see the class comment). */
function withOwnBytes(partition: Partition): Partition {
  const packed = packRecords(partition.records.map((record) => record.data));
  return {
    ...partition,
    records: partition.records.map((record, i) => ({ ...record, data: recordAt(packed, i) })),
  };
}
