import { StreamBuffer } from '../core/buffer/stream-buffer.ts';
import type { ResolvedStream, WriterDestination } from '../core/config/resolved.ts';
import type { GlueTables } from '../core/delivery/parquet-objects.ts';
import { type ProcessedBatch, type ProcessingPorts, processBatch } from '../core/delivery/processing.ts';
import { type PlannedObject, planS3Objects } from '../core/delivery/s3-objects.ts';
import { planRedshiftBackup, planWriterObjects } from '../core/delivery/writer-objects.ts';
import { processForWriter } from '../core/delivery/writer-processing.ts';
import type { DeliveryRecord, DeliveryResult, FailedRecord } from '../core/destinations/contract.ts';
import { HTTP_ENDPOINT_MAX_RECORDS } from '../core/destinations/http-endpoint/request.ts';
import { deliverBatch as deliverWithRetries, type RetryPorts } from '../core/destinations/retry-driver.ts';
import { FirehoseApiError, SluiceError } from '../core/errors.ts';
import type { MetricsRegistry } from '../core/metrics.ts';
import type { DynamicPartitioning } from '../core/partitioning/index.ts';
import type { Clock, IdSource, JqEngine, ObjectStore, TransformInvoker } from '../core/ports.ts';
import { lastSeqOf, type PendingRun, packRecords, type RecordRun, recordAt } from '../core/records.ts';
import { backoffMs, S3_DELIVERY_BACKOFF } from '../core/retry.ts';
import { type BuiltWriter, buildDestinationWriter, type DestinationPorts } from './destination-writer.ts';
import type { InFlightBatch } from './in-flight-batch.ts';
import type { Logger } from './logger.ts';
import { PartitionedDelivery, type PutObjectsOutcome } from './partitioned-delivery.ts';
import { RunArena } from './run-arena.ts';
import { WriteAheadLog } from './wal/index.ts';

export interface DeliveryStreamDeps extends DestinationPorts {
  clock: Clock;
  ids: IdSource;
  store: ObjectStore;
  metrics: MetricsRegistry;
  logger: Logger;
  /** Records are refused with ServiceUnavailableException ("Slow down.") past this many buffered bytes. */
  maxBufferedBytes: number;
  /** Source of jitter in [0, 1) for retry backoff. */
  jitter: () => number;
  /** Schemas for data format conversion: the config file's `glueTables` (spec §7). */
  glueTables?: GlueTables;
  /** Runs transform Lambdas: the config file's `lambdaFunctions` (spec §5). */
  transformInvoker?: TransformInvoker;
  /** Runs MetadataExtraction queries (spec §6). */
  jqEngine?: JqEngine;
  region?: string;
  accountId?: string;
}

/** What a stream's resolved configuration does not carry (read from its create input). */
export interface StreamOptions {
  /** Present when DynamicPartitioningConfiguration is enabled (spec §6). */
  dynamicPartitioning?: DynamicPartitioning;
  /** The source stream of a KinesisStreamAsSource stream, for the transform's event (spec §5.1). */
  sourceKinesisStreamArn?: string;
}

export interface DeliveryStreamStatus {
  name: string;
  versionId: string;
  bufferedRecords: number;
  bufferedBytes: number;
  /** Bytes of batches being delivered (still counted against maxBufferedBytes). */
  inFlightBytes: number;
  oldestBufferedArrivalMs: number | undefined;
  deliveredRecords: number;
  deliveredObjects: number;
  stalled: boolean;
  attempts: number;
  lastError: string | undefined;
  nextRetryAtMs: number | undefined;
  wal: { segments: number; bytes: number; pendingRecords: number };
  /** With dynamic partitioning: partitions counting against the limit, and the records buffered in them. */
  partitions?: { active: number; bufferedRecords: number };
}

/** The outcome of a put: one entry per input record, in order. */
export type PutOutcome = { recordId: string } | { errorCode: string; errorMessage: string };

/**
 * How many batches of one stream may be in delivery at once. Each object write waits on several disk syncs
 * and on turns of a busy event loop; overlapping a few batches keeps the disk and zlib's thread pool busy.
 * Small batches overlap; once IN_FLIGHT_BUDGET_BYTES are in flight no other starts, so large buffers (64 or
 * 128 MiB) go one at a time and memory stays near the buffered bytes.
 */
const MAX_BATCHES_IN_FLIGHT = 4;
const IN_FLIGHT_BUDGET_BYTES = 16 * 1024 * 1024;

/**
 * One delivery stream of the local runtime: write-ahead log → buffer → S3 delivery with retries.
 * Batches are cut oldest first, each keeping its records in arrival order; up to MAX_BATCHES_IN_FLIGHT are
 * written at once, and `deliveredSeq` (what flush waits on) advances only over a prefix of completed batches.
 * With dynamic partitioning, PartitionedDelivery cuts, processes and routes the batches instead, and they complete
 * out of order, when the last partition they fed is delivered; the same watermark rule holds.
 */
export class DeliveryStreamRuntime {
  private readonly buffer: StreamBuffer;
  private readonly arena: RunArena;
  private readonly inFlight: InFlightBatch[] = [];
  private inFlightBytes = 0;
  /** Room held back from new puts for compressed objects being made (outputReserveOf). */
  private outputReserveBytes = 0;
  private running = 0;
  private closed = false;
  private flushTargetSeq = -1;
  private deliveredSeq = -1;
  private appendedSeq = -1;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private readonly sleepers = new Set<() => void>();
  private counters = { deliveredRecords: 0, deliveredObjects: 0, attempts: 0 };
  private stall: { lastError: string; nextRetryAtMs: number } | undefined;
  /**
   * Tracked work that failed unexpectedly: whatever it was doing is abandoned, so the stream reports a stall until
   * it is opened again (the log replays what did not complete).
   */
  private fault: string | undefined;
  private lastPutError: unknown;
  /** RecordIds only need to be unique: a random prefix per open and the record's seq. */
  private readonly recordIdPrefix: string;
  /** The destination writer of the current configuration (one per stream: Redshift COPYs queue in it). */
  private writer: Promise<BuiltWriter> | undefined;
  /** Present while dynamic partitioning is enabled. */
  private partitioned: PartitionedDelivery | undefined;

  private constructor(
    private stream: ResolvedStream,
    private options: StreamOptions,
    private readonly log: WriteAheadLog,
    private readonly deps: DeliveryStreamDeps,
  ) {
    this.buffer = new StreamBuffer(stream.destination.bufferingHints);
    this.recordIdPrefix = deps.ids.uuid().replaceAll('-', '');
    this.arena = new RunArena(deps.maxBufferedBytes);
    this.setPartitioning(options.dynamicPartitioning);
  }

  static async open(
    stream: ResolvedStream,
    dir: string,
    deps: DeliveryStreamDeps,
    options: StreamOptions = {},
  ): Promise<DeliveryStreamRuntime> {
    const { log, replayed } = await WriteAheadLog.open(dir);
    const runtime = new DeliveryStreamRuntime(stream, options, log, deps);
    if (replayed.length > 0) {
      runtime.buffer.add(replayed);
      runtime.appendedSeq = lastSeqOf(replayed[replayed.length - 1]!);
      runtime.deliveredSeq = replayed[0]!.firstSeq - 1;
      deps.logger.log('info', 'replayed undelivered records from the write-ahead log', {
        stream: stream.name,
        records: runtime.buffer.bufferedRecords,
      });
    }
    runtime.publishGauges();
    return runtime;
  }

  get name(): string {
    return this.stream.name;
  }

  /** A new configuration (UpdateDestination): applies to every batch cut from now on. */
  reconfigure(stream: ResolvedStream, options: StreamOptions = {}): void {
    this.stream = stream;
    this.options = options;
    this.buffer.setHints(stream.destination.bufferingHints);
    this.setPartitioning(options.dynamicPartitioning);
    // Batches already sending finish with the writer they started with; the next one gets a new writer.
    this.writer = undefined;
  }

  /**
   * Appends records durably and buffers them. Records that do not fit under the buffered-bytes limit are
   * refused individually, as Firehose throttles entries inside a 200 PutRecordBatch response (spec §1.3).
   */
  async put(records: PendingRun): Promise<PutOutcome[]> {
    if (this.closed) throw new FirehoseApiError('ServiceUnavailableException', 'Sluice is shutting down.');
    const count = records.ends.length;
    const room = this.deps.maxBufferedBytes - this.undeliveredBytes() - this.outputReserveBytes;
    const { accepted, fits } =
      records.data.byteLength <= room ? { accepted: records, fits: undefined } : admit(records, room);
    // Only the arena's copy outlives this call; the request's own buffer is garbage before the log's fsync.
    const held = accepted.ends.length > 0 ? this.arena.copy(accepted) : undefined;
    let run: RecordRun | undefined;
    try {
      // The arena copies bytes only; Kinesis metadata (spec §12) rides along, filtered like the records.
      const kinesis = fits ? records.kinesis?.filter((_, i) => fits[i]) : records.kinesis;
      if (held)
        run = await this.log.append({
          arrivalMs: records.arrivalMs,
          ...held.records,
          ...(kinesis ? { kinesis } : {}),
        });
    } catch (cause) {
      this.arena.abandoned(held?.slab);
      // Nothing is acknowledged that is not on disk; SDKs retry this error type.
      this.deps.logger.log('error', 'cannot write to the write-ahead log', {
        stream: this.name,
        error: String(cause),
      });
      throw new FirehoseApiError(
        'ServiceUnavailableException',
        'Could not persist the records; retry the request.',
        { cause },
      );
    }
    if (run) {
      this.arena.appended(held?.slab, lastSeqOf(run));
      this.appendedSeq = lastSeqOf(run);
      this.buffer.add([run]);
      this.publishGauges();
      this.tick();
    }
    const outcomes: PutOutcome[] = new Array(count);
    let seq = run?.firstSeq ?? 0;
    for (let i = 0; i < count; i++) {
      outcomes[i] =
        fits === undefined || fits[i]
          ? { recordId: this.recordIdOf(seq++) }
          : { errorCode: 'ServiceUnavailableException', errorMessage: 'Slow down.' };
    }
    const throttled = count - (run?.ends.length ?? 0);
    if (throttled > 0) this.deps.metrics.count(this.name, 'ThrottledRecords', throttled);
    return outcomes;
  }

  /** Starts deliveries while a buffering hint is reached or a flush is pending. Cheap; call often. */
  tick(): void {
    if (this.closed) return;
    if (this.partitioned) {
      this.partitioned.tick(this.buffer, this.flushTargetSeq > this.deliveredSeq ? this.flushTargetSeq : -1);
      return;
    }
    while (this.hasRoomInFlight() && this.hasDueBatch()) {
      const batch = this.begin(this.buffer.take(), undefined);
      this.track(
        this.deliverBatch(batch).then((delivered) => {
          if (delivered) this.completed(batch);
          this.publishGauges();
          this.tick();
        }),
      );
    }
  }

  /** Delivers everything buffered now, ignoring the hints; resolves once it is all delivered. */
  flush(): Promise<void> {
    const target = this.appendedSeq;
    if (target <= this.deliveredSeq) return Promise.resolve();
    this.flushTargetSeq = Math.max(this.flushTargetSeq, target);
    const done = new Promise<void>((resolve) => this.waiters.push({ seq: target, resolve }));
    this.retryNow();
    this.tick();
    return done;
  }

  status(): DeliveryStreamStatus {
    return {
      name: this.name,
      versionId: this.stream.versionId,
      bufferedRecords: this.buffer.bufferedRecords,
      bufferedBytes: this.buffer.bufferedBytes,
      inFlightBytes: this.inFlightBytes,
      oldestBufferedArrivalMs: this.buffer.oldestArrivalMs,
      deliveredRecords: this.counters.deliveredRecords,
      deliveredObjects: this.counters.deliveredObjects,
      stalled: this.stall !== undefined || this.fault !== undefined,
      attempts: this.counters.attempts,
      lastError: this.stall?.lastError ?? this.fault,
      nextRetryAtMs: this.stall?.nextRetryAtMs,
      wal: this.log.stats(),
      ...(this.partitioned
        ? {
            partitions: {
              active: this.partitioned.activePartitions,
              bufferedRecords: this.partitioned.bufferedRecords,
            },
          }
        : {}),
    };
  }

  /** Stops delivering; undelivered records stay in the log and are replayed on the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.retryNow();
    while (this.running > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.log.close();
  }

  /** The stream was deleted: buffered data is discarded, not flushed (spec §1.8). */
  async destroy(): Promise<void> {
    this.closed = true;
    this.retryNow();
    while (this.running > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    this.buffer.clear();
    this.partitioned?.clear();
    this.releaseWaiters(Number.POSITIVE_INFINITY);
    await this.log.destroy();
  }

  private hasDueBatch(): boolean {
    if (this.buffer.bufferedRecords === 0) return false;
    if (this.flushTargetSeq > this.deliveredSeq) return true;
    return this.buffer.due(this.deps.clock.nowMs()) !== undefined;
  }

  private hasRoomInFlight(): boolean {
    if (this.inFlight.length === 0) return true;
    return this.inFlight.length < MAX_BATCHES_IN_FLIGHT && this.inFlightBytes < IN_FLIGHT_BUDGET_BYTES;
  }

  private undeliveredBytes(): number {
    return this.buffer.bufferedBytes + this.inFlightBytes;
  }

  /** Delivers one batch (its objects planned once), then marks its records done in the log. */
  private async deliverBatch(batch: InFlightBatch): Promise<boolean> {
    const outcome = await this.putWithRetries(() => this.planBatch(batch.records));
    if (outcome.kind !== 'delivered' || !(await this.markDone(batch))) return false;
    for (const run of batch.records) this.counters.deliveredRecords += run.ends.length;
    this.recordFreshness(batch.records);
    return true;
  }

  /**
   * Plans objects once and puts them, retrying only the puts that failed. Never throws; a failure at any step
   * (planning, a put) is reported as a stall and retried with backoff until the stream closes, or, with
   * `giveUpAfterMs`, until failures have lasted that long.
   */
  private async putWithRetries(
    plan: () => Promise<PlannedObject[]>,
    giveUpAfterMs = Number.POSITIVE_INFINITY,
  ): Promise<PutObjectsOutcome> {
    let pending: PlannedObject[] | undefined;
    let failingSinceMs: number | undefined;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return { kind: 'closed' };
      let lastError: unknown;
      try {
        pending ??= await plan();
        pending = await this.putAll(pending);
        if (pending.length === 0) {
          this.clearStall();
          return { kind: 'delivered' };
        }
        lastError = this.lastPutError;
      } catch (error) {
        lastError = error;
      }
      failingSinceMs ??= this.deps.clock.nowMs();
      if (this.deps.clock.nowMs() - failingSinceMs >= giveUpAfterMs) {
        return { kind: 'gave-up', attempts: attempt, lastError };
      }
      await this.stalled(
        'S3 delivery failed; the records stay in the log and will be retried',
        attempt,
        lastError,
      );
    }
  }

  /** Marks a complete batch's records done in the log, retrying a failing log; false when the stream closes first. */
  private async markDone(batch: InFlightBatch): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return false;
      try {
        await this.log.markDone([[batch.firstSeq, batch.lastSeq]]);
        return true;
      } catch (error) {
        await this.stalled('cannot mark records done in the write-ahead log; retrying', attempt, error);
      }
    }
  }

  /** Reports a failed attempt and waits out its backoff. */
  private async stalled(message: string, attempt: number, error: unknown): Promise<void> {
    const lastError = describeError(error);
    const delayMs = backoffMs(S3_DELIVERY_BACKOFF, attempt, this.deps.jitter());
    this.stall = { lastError, nextRetryAtMs: this.deps.clock.nowMs() + delayMs };
    this.deps.metrics.count(this.name, 'Sluice.DeliveryErrors', 1);
    this.deps.metrics.gauge(this.name, 'Sluice.DeliveryStalled', 1);
    this.deps.logger.log('warn', message, {
      stream: this.name,
      attempt,
      retryInMs: delayMs,
      error: lastError,
    });
    await this.sleep(delayMs);
  }

  private clearStall(): void {
    if (!this.stall) return;
    this.stall = undefined;
    if (!this.fault) this.deps.metrics.gauge(this.name, 'Sluice.DeliveryStalled', 0);
  }

  /**
   * Starts tracking records cut from the buffer: their bytes count against maxBufferedBytes until complete. The
   * batch keeps the configuration it is cut under.
   */
  private begin<P extends DynamicPartitioning | undefined>(
    records: RecordRun[],
    dynamicPartitioning: P,
  ): InFlightBatch & { readonly dynamicPartitioning: P } {
    const batch = {
      records,
      stream: this.stream,
      dynamicPartitioning,
      firstSeq: records[0]!.firstSeq,
      lastSeq: lastSeqOf(records[records.length - 1]!),
      bytes: records.reduce((sum, run) => sum + run.data.byteLength, 0),
      outputReserve: 0,
      outstanding: 1,
      done: false,
      routed: false,
    };
    const reserved = {
      ...batch,
      outputReserve: dynamicPartitioning ? 0 : outputReserveOf(this.stream, batch.bytes),
    };
    this.inFlight.push(reserved);
    this.inFlightBytes += reserved.bytes;
    this.outputReserveBytes += reserved.outputReserve;
    return reserved;
  }

  /**
   * Keeps close() waiting for `work`. Work is written never to reject; one that does has a bug, and is reported
   * rather than left as an unhandled rejection.
   */
  private track(work: Promise<unknown>): void {
    this.running++;
    void work
      .catch((error: unknown) => this.faulted(error))
      .finally(() => {
        this.running--;
      });
  }

  private faulted(error: unknown): void {
    this.fault = describeError(error);
    this.deps.metrics.count(this.name, 'Sluice.DeliveryErrors', 1);
    this.deps.metrics.gauge(this.name, 'Sluice.DeliveryStalled', 1);
    this.deps.logger.log('error', 'delivery work failed unexpectedly; restart to deliver what it held', {
      stream: this.name,
      error: this.fault,
    });
  }

  /**
   * The processors over a batch, as configured when it was cut (spec §6), retried with backoff when they throw;
   * undefined once closed.
   */
  private async process(batch: InFlightBatch): Promise<ProcessedBatch | undefined> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return undefined;
      try {
        return await processBatch(batch.records, batch.stream, {
          ...this.processingPorts(),
          ids: this.deps.ids,
          region: this.deps.region ?? 'us-east-1',
        });
      } catch (error) {
        await this.stalled(
          'processing failed; the records stay in the log and will be retried',
          attempt,
          error,
        );
      }
    }
  }

  private processingPorts(): Omit<ProcessingPorts, 'ids' | 'region'> {
    return {
      ...(this.deps.transformInvoker ? { invoker: this.deps.transformInvoker } : {}),
      ...(this.deps.jqEngine ? { jqEngine: this.deps.jqEngine } : {}),
      ...(this.options.sourceKinesisStreamArn
        ? { sourceKinesisStreamArn: this.options.sourceKinesisStreamArn }
        : {}),
      clock: this.deps.clock,
      jitter: this.deps.jitter,
      // A closing stream stops retrying transforms; its records stay in the log for the next start.
      sleep: async (ms: number) => {
        await this.sleep(ms);
        if (this.closed) throw new SluiceError('StreamClosed', `Stream ${this.name} is closing.`);
      },
    };
  }

  /** Turns dynamic partitioning on or updates its settings; once on it stays on (spec §6: it cannot be disabled). */
  private setPartitioning(settings: DynamicPartitioning | undefined): void {
    if (!settings) return;
    if (this.partitioned) {
      this.partitioned.reconfigure(settings);
      return;
    }
    this.partitioned = new PartitionedDelivery(settings, {
      name: this.name,
      ids: this.deps.ids,
      metrics: this.deps.metrics,
      stream: () => this.stream,
      nowMs: () => this.deps.clock.nowMs(),
      begin: (records, dynamicPartitioning) => this.begin(records, dynamicPartitioning),
      settled: (batch) => this.settled(batch),
      routed: (batch) => this.routed(batch),
      process: (batch) => this.process(batch),
      backoff: async (message, attempt, error) => {
        if (this.closed) return false;
        await this.stalled(message, attempt, error);
        return !this.closed;
      },
      put: (plan, giveUpAfterMs) => this.putWithRetries(plan, giveUpAfterMs),
      track: (work) => this.track(work),
      tick: () => this.tick(),
      delivered: (records) => {
        this.counters.deliveredRecords += records;
      },
    });
  }

  /**
   * A partitioned batch no longer needs its bytes in the arena: slabs are reused over the prefix of routed batches,
   * ahead of delivery, so a partition that waits for its interval does not pin every slab filled after its records.
   */
  private routed(batch: InFlightBatch): void {
    batch.routed = true;
    let seq = this.deliveredSeq;
    for (const inFlight of this.inFlight) {
      if (!inFlight.routed) break;
      seq = inFlight.lastSeq;
    }
    this.arena.release(seq);
  }

  /** One piece of a partitioned batch is written; the last one completes the batch. */
  private settled(batch: InFlightBatch): void {
    if (--batch.outstanding > 0) return;
    this.track(
      this.markDone(batch).then((marked) => {
        if (!marked) return;
        this.completed(batch);
        this.recordFreshness(batch.records);
        this.publishGauges();
      }),
    );
  }

  /**
   * What a batch becomes in S3. For an S3 destination: its objects. For a writer destination (HTTP endpoint,
   * OpenSearch, Redshift) the stream's processors run first and the processed batch is sent, retried within
   * RetryOptions by the destination's own rules (§8, §9, §10.4); what is left to write is the error output of the
   * records that failed processing or delivery and, with AllData/AllDocuments/Enabled, the source records' backup
   * (§3.5: the records as they arrived, not as transformed). If the process stops before those objects are
   * written, the records are still in the log and the batch is processed and sent again (at least once, as on
   * Firehose; OpenSearch's document IDs, derived from log positions, make that an overwrite).
   */
  private async planBatch(batch: readonly RecordRun[]): Promise<PlannedObject[]> {
    const ports = () => ({ ids: this.deps.ids, nowMs: this.deps.clock.nowMs() });
    const stream = this.stream;
    if (!stream.writer) {
      return planS3Objects(batch, stream, {
        ...ports(),
        glueTables: this.deps.glueTables,
        region: this.deps.region,
        accountId: this.deps.accountId,
        processing: this.processingPorts(),
      });
    }
    const built = await this.writerFor(stream.writer);
    const { records, errorObjects } = await processForWriter(batch, stream, {
      ...ports(),
      region: this.deps.region,
      processing: this.processingPorts(),
    });
    if (built.kind === 'Redshift') {
      if (records.length > 0) await this.deliverToRedshift(records, built);
      return [...errorObjects, ...(await planRedshiftBackup(batch, stream, ports()))];
    }
    const result = await this.deliverWithWriter(records, built);
    return [...errorObjects, ...(await planWriterObjects(batch, result, stream, ports()))];
  }

  private retryPorts(): RetryPorts {
    return {
      clock: this.deps.clock,
      jitter: this.deps.jitter,
      // A closing stream stops retrying; its records stay in the log for the next start.
      sleep: async (ms: number) => {
        await this.sleep(ms);
        if (this.closed) throw new SluiceError('StreamClosed', `Stream ${this.name} is closing.`);
      },
    };
  }

  private async deliverWithWriter(
    records: readonly DeliveryRecord[],
    built: Extract<BuiltWriter, { kind: 'HttpEndpoint' | 'OpenSearch' }>,
  ): Promise<DeliveryResult> {
    const { writer, metric } = built;
    const ports = this.retryPorts();
    const delivered: DeliveryRecord[] = [];
    const failed: FailedRecord[] = [];
    let attempts = 0;
    // §10.2: one HTTP request carries at most this many records; bulk requests are kept to the same size.
    for (let at = 0; at < records.length; at += HTTP_ENDPOINT_MAX_RECORDS) {
      const result = await deliverWithRetries(
        writer,
        records.slice(at, at + HTTP_ENDPOINT_MAX_RECORDS),
        ports,
      );
      delivered.push(...result.delivered);
      failed.push(...result.failed);
      attempts += result.attempts;
      this.deps.metrics.recordAttempt(this.name, metric, result.failed.length === 0);
    }
    const bytes = delivered.reduce((sum, record) => sum + record.data.byteLength, 0);
    this.deps.metrics.count(this.name, `${metric}.Records`, delivered.length);
    this.deps.metrics.count(this.name, `${metric}.Bytes`, bytes);
    if (failed.length > 0) {
      this.deps.logger.log('warn', 'records failed at the destination; they go to the error output', {
        stream: this.name,
        records: failed.length,
        errorCode: failed[0]!.errorCode,
      });
    }
    return { delivered, failed, attempts };
  }

  /**
   * Redshift (§8): the writer stages the records in the intermediate bucket, writes its manifest and COPYs it within
   * the retry window; a batch it skips leaves its manifest under `errors/manifests/` and is done here too, since
   * its records are in the staged object that manifest names. A staging failure throws and the whole batch is
   * retried like a failed S3 put (newly staged: an object the failed attempt left is never loaded).
   */
  private async deliverToRedshift(
    records: readonly DeliveryRecord[],
    built: Extract<BuiltWriter, { kind: 'Redshift' }>,
  ): Promise<void> {
    const bytes = records.reduce((sum, record) => sum + record.data.byteLength, 0);
    const result = await built.writer.deliver(records, this.retryPorts());
    // The intermediate object is an S3 delivery in Firehose's metrics, as for an S3 destination.
    this.deps.metrics.recordAttempt(this.name, 'DeliveryToS3', true);
    this.deps.metrics.count(this.name, 'DeliveryToS3.Records', records.length);
    this.deps.metrics.count(this.name, 'DeliveryToS3.Bytes', bytes);
    this.deps.metrics.count(this.name, 'DeliveryToS3.ObjectCount', 1);
    this.counters.deliveredObjects++;
    this.deps.metrics.recordAttempt(this.name, built.metric, result.failed.length === 0);
    if (result.failed.length === 0) {
      this.deps.metrics.count(this.name, `${built.metric}.Records`, records.length);
      this.deps.metrics.count(this.name, `${built.metric}.Bytes`, bytes);
      return;
    }
    this.deps.metrics.count(this.name, 'Sluice.SkippedBatches', 1);
    this.deps.logger.log('warn', 'the COPY failed until the retry window closed; the batch is skipped', {
      stream: this.name,
      records: records.length,
      errorCode: result.failed[0]!.errorCode,
      errorMessage: result.failed[0]!.errorMessage,
      errorManifest: result.errorManifestKey,
    });
  }

  /** The writer for the stream's current configuration, built once (and again after UpdateDestination). */
  private writerFor(destination: WriterDestination): Promise<BuiltWriter> {
    if (!this.writer) {
      const building = buildDestinationWriter(this.stream, destination, this.deps);
      this.writer = building;
      // A writer that cannot be built (an unreachable setting) is tried again with the next attempt.
      building.catch(() => {
        if (this.writer === building) this.writer = undefined;
      });
    }
    return this.writer;
  }

  /** Puts the objects concurrently; returns the ones that failed. */
  private async putAll(objects: PlannedObject[]): Promise<PlannedObject[]> {
    this.counters.attempts++;
    const results = await Promise.allSettled(objects.map((object) => this.deps.store.putObject(object.put)));
    const failed: PlannedObject[] = [];
    results.forEach((result, i) => {
      const object = objects[i]!;
      if (object.role !== 'ErrorOutput') {
        this.deps.metrics.recordAttempt(this.name, object.role, result.status === 'fulfilled');
      }
      if (result.status === 'fulfilled') {
        this.deps.metrics.count(this.name, `${object.role}.Records`, object.records);
        this.deps.metrics.count(this.name, `${object.role}.Bytes`, object.bytes);
        this.deps.metrics.count(this.name, `${object.role}.ObjectCount`, 1);
        if (object.role === 'DeliveryToS3') this.counters.deliveredObjects++;
      } else {
        failed.push(object);
        this.lastPutError = result.reason;
      }
    });
    return failed;
  }

  /** Moves `deliveredSeq` over the completed prefix of in-flight batches and wakes flushes waiting on it. */
  private completed(batch: InFlightBatch): void {
    batch.done = true;
    this.inFlightBytes -= batch.bytes;
    this.outputReserveBytes -= batch.outputReserve;
    while (this.inFlight[0]?.done) this.deliveredSeq = this.inFlight.shift()!.lastSeq;
    this.arena.release(this.deliveredSeq);
    this.releaseWaiters(this.deliveredSeq);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Cuts every backoff short (flush or shutdown asked for it). */
  private retryNow(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  private releaseWaiters(deliveredSeq: number): void {
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.seq <= deliveredSeq) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  private recordFreshness(batch: readonly RecordRun[]): void {
    // DataFreshness: age of the oldest record not yet delivered (spec §11).
    const oldest = this.buffer.oldestArrivalMs ?? batch[batch.length - 1]!.arrivalMs;
    const ageSeconds = Math.max(0, (this.deps.clock.nowMs() - oldest) / 1000);
    this.deps.metrics.gauge(this.name, 'DeliveryToS3.DataFreshness', Math.round(ageSeconds));
  }

  private recordIdOf(seq: number): string {
    return this.recordIdPrefix + seq.toString(16).padStart(12, '0');
  }

  private publishGauges(): void {
    this.deps.metrics.gauge(this.name, 'Sluice.BufferedBytes', this.undeliveredBytes());
    this.deps.metrics.gauge(this.name, 'Sluice.BufferedRecords', this.buffer.bufferedRecords);
  }
}

/**
 * The compressed object of a batch exists next to the batch's records until it is written (a 128 MiB GZIP batch makes
 * ~30 MB). Counting it against maxBufferedBytes keeps memory within the limit the setting promises; new puts are
 * throttled that much sooner, which matters only when the buffer is full anyway. The share is an upper bound of the
 * compressed size of typical records: about a quarter for GZIP, ZIP and Parquet, half for Snappy.
 */
function outputReserveOf(stream: ResolvedStream, bytes: number): number {
  const destination = stream.destination;
  if (stream.writer) return 0;
  if (destination.dataFormatConversion) return Math.ceil(bytes / 4);
  switch (destination.compressionFormat) {
    case 'UNCOMPRESSED':
      return 0;
    case 'Snappy':
    case 'HADOOP_SNAPPY':
      return Math.ceil(bytes / 2);
    default:
      return Math.ceil(bytes / 4);
  }
}

/**
 * The records that fit in `room` bytes, in order; the others are refused individually, as Firehose
 * throttles entries inside a 200 PutRecordBatch response (spec §1.3).
 */
function admit(records: PendingRun, room: number): { accepted: PendingRun; fits: boolean[] } {
  const fits: boolean[] = [];
  const kept: Uint8Array[] = [];
  for (let i = 0; i < records.ends.length; i++) {
    const record = recordAt(records, i);
    const fit = record.byteLength <= room;
    if (fit) {
      kept.push(record);
      room -= record.byteLength;
    }
    fits.push(fit);
  }
  return { accepted: { arrivalMs: records.arrivalMs, ...packRecords(kept) }, fits };
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
