import type { Telemetry } from '../core/ports.ts';
import { decodeKplAggregate } from '../core/processors/index.ts';
import { type KinesisRecordMetadata, type PendingRun, packRecords, recordAt } from '../core/records.ts';
import { type BackoffPolicy, backoffMs } from '../core/retry.ts';
import type { PutOutcome } from './delivery-stream-runtime.ts';
import { CheckpointStore } from './kinesis-source-checkpoints.ts';
import type {
  IteratorPosition,
  KinesisReadClient,
  KinesisRecord,
  KinesisShard,
} from './kinesis-source-client.ts';
import type { Logger } from './logger.ts';

/** Where the reader puts what it reads: the delivery stream's runtime (write-ahead log, then buffer). */
export interface KinesisSourceTarget {
  put(records: PendingRun): Promise<PutOutcome[]>;
}

export interface KinesisSourceReaderOptions {
  deliveryStreamName: string;
  streamArn: string;
  streamName: string;
  /**
   * Records that arrived in Kinesis before this are never read: the delivery stream's creation time (spec §12,
   * reading starts at LATEST when the stream is created; DeliveryStartTimestamp in Describe shows it).
   */
  startTimestampMs: number;
  checkpointPath: string;
  client: KinesisReadClient;
  target: KinesisSourceTarget;
  logger: Logger;
  metrics: Pick<Telemetry, 'count' | 'gauge'>;
  /** Pause between GetRecords calls of an idle shard (spec §12: about once a second). */
  pollIntervalMs: number;
  /** How often the shard list is read again, to find the children of a reshard. Default 10 × poll, ≥ 1 s. */
  shardListIntervalMs?: number;
  /** [0, 1) for backoff jitter. */
  jitter?: () => number;
}

export type ShardReadState = 'waiting-for-parents' | 'reading' | 'throttled' | 'backing-off' | 'finished';

export interface KinesisShardStatus {
  shardId: string;
  state: ShardReadState;
  /** Last sequence number whose records are in the write-ahead log. */
  sequenceNumber: string | undefined;
  /** Records (after de-aggregation) put into the delivery stream since start, re-reads included. */
  recordsRead: number;
  millisBehindLatest: number | undefined;
  lastError: string | undefined;
}

export interface KinesisSourceStatus {
  streamArn: string;
  startTimestampMs: number;
  lastError: string | undefined;
  shards: KinesisShardStatus[];
}

/** PutRecordBatch's limits (spec §1.3); 4 MiB is also the run arena's slab, so a chunk is copied once. */
const MAX_RUN_RECORDS = 500;
const MAX_RUN_BYTES = 4 * 1024 * 1024;
const READ_BACKOFF: Omit<BackoffPolicy, 'baseMs'> = { maxMs: 30_000, jitterFraction: 0.25 };

interface Shard extends KinesisShardStatus {
  readonly parentShardIds: readonly string[];
  loop: Promise<void> | undefined;
}

/**
 * Reads one Kinesis data stream into one KinesisStreamAsSource delivery stream (spec §12). One loop per open
 * shard polls GetRecords; what it reads is put into the delivery stream, and only once the put resolved
 * (records in the write-ahead log) does the shard's checkpoint move past them. A crash re-reads from the
 * checkpoint: duplicates, never loss. Errors are retried with backoff and never stop the server.
 *
 * Start position without a checkpoint: the delivery stream's creation time. AT_TIMESTAMP would say that
 * directly, but kinesalite's GetShardIterator never answers AT_TIMESTAMP when no record in the shard is
 * that recent (the common case right after creation), and plain LATEST would miss records put between
 * creation and the first iterator, and after a restart every record put while Sluice was down on a shard
 * never read before. So a shard without a checkpoint is read from TRIM_HORIZON and records that arrived
 * before the creation time are skipped (and checkpointed past). The cost is one scan of the shard's
 * retained records on first start.
 */
export class KinesisSourceReader {
  private readonly shards = new Map<string, Shard>();
  private readonly checkpoints: CheckpointStore;
  private readonly abort = new AbortController();
  private readonly sleepers = new Set<() => void>();
  private wakeLister: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastError: string | undefined;

  constructor(private readonly options: KinesisSourceReaderOptions) {
    this.checkpoints = new CheckpointStore(options.checkpointPath, options.streamArn);
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stops reading: Kinesis calls in flight are aborted, a put in flight is awaited and checkpointed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const wake of [...this.sleepers]) wake();
    await this.running;
    await Promise.all([...this.shards.values()].map((shard) => shard.loop));
    this.options.client.close();
  }

  status(): KinesisSourceStatus {
    return {
      streamArn: this.options.streamArn,
      startTimestampMs: this.options.startTimestampMs,
      lastError: this.lastError,
      shards: [...this.shards.values()]
        .map((shard) => ({
          shardId: shard.shardId,
          state: shard.state,
          sequenceNumber: shard.sequenceNumber,
          recordsRead: shard.recordsRead,
          millisBehindLatest: shard.millisBehindLatest,
          lastError: shard.lastError,
        }))
        .sort((a, b) => a.shardId.localeCompare(b.shardId)),
    };
  }

  private get name(): string {
    return this.options.deliveryStreamName;
  }

  private async run(): Promise<void> {
    try {
      await this.checkpoints.load();
    } catch (error) {
      // Starting over re-reads from the creation time: duplicates, not loss.
      this.warn('cannot read the Kinesis checkpoints; reading from the start position', error);
    }
    const listIntervalMs =
      this.options.shardListIntervalMs ?? Math.max(1000, 10 * this.options.pollIntervalMs);
    let failures = 0;
    while (!this.stopped) {
      try {
        this.listed(await this.options.client.listShards(this.options.streamName, this.abort.signal));
        this.lastError = undefined;
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        failures++;
        this.lastError = describeError(error);
        if (isThrottling(error)) this.options.metrics.count(this.name, 'ThrottledDescribeStream', 1);
        this.warn('cannot list the shards of the source Kinesis stream; retrying', error);
      }
      await this.sleep(failures > 0 ? this.backoff(failures) : listIntervalMs, (wake) => {
        this.wakeLister = wake;
      });
    }
  }

  /** Adds new shards and starts every shard whose parents are done (a child is read after its parents). */
  private listed(listing: readonly KinesisShard[]): void {
    const listedIds = new Set(listing.map((s) => s.shardId));
    for (const { shardId, parentShardIds } of listing) {
      if (this.shards.has(shardId)) continue;
      const checkpoint = this.checkpoints.get(shardId);
      this.shards.set(shardId, {
        shardId,
        parentShardIds,
        state: checkpoint?.finished ? 'finished' : 'waiting-for-parents',
        sequenceNumber: checkpoint?.sequenceNumber,
        recordsRead: 0,
        millisBehindLatest: undefined,
        lastError: undefined,
        loop: undefined,
      });
    }
    for (const shard of this.shards.values()) {
      if (shard.loop || shard.state === 'finished' || this.stopped) continue;
      // A parent that is no longer listed has aged out of the stream's retention: nothing left to read.
      const parentsDone = shard.parentShardIds.every(
        (id) => !listedIds.has(id) || this.shards.get(id)?.state === 'finished',
      );
      if (parentsDone) {
        shard.state = 'reading';
        shard.loop = this.readShard(shard);
      }
    }
  }

  private async readShard(shard: Shard): Promise<void> {
    let iterator: string | undefined;
    let failures = 0;
    while (!this.stopped) {
      let call: 'GetShardIterator' | 'GetRecords' = 'GetShardIterator';
      try {
        iterator ??= await this.iteratorFor(shard);
        call = 'GetRecords';
        const page = await this.options.client.getRecords(iterator, this.abort.signal);
        if (page.millisBehindLatest !== undefined) {
          shard.millisBehindLatest = page.millisBehindLatest;
          this.options.metrics.gauge(this.name, 'KinesisMillisBehindLatest', page.millisBehindLatest);
        }
        if (!(await this.deliver(shard, page.records))) return;
        iterator = page.nextIterator;
        failures = 0;
        shard.state = 'reading';
        shard.lastError = undefined;
        if (iterator === undefined) {
          await this.finish(shard);
          return;
        }
        // A call that returned records is followed at once: the shard may hold more.
        if (page.records.length === 0) await this.sleep(this.options.pollIntervalMs);
      } catch (error) {
        if (this.stopped) return;
        const type = errorName(error);
        shard.lastError = describeError(error);
        if (type === 'ExpiredIteratorException') {
          // Iterators live 5 minutes; a new one from the checkpoint reads on where this one stopped.
          iterator = undefined;
          continue;
        }
        if (call === 'GetShardIterator' && type === 'InvalidArgumentException' && shard.sequenceNumber) {
          // The checkpoint does not belong to this shard any more (the Kinesis stream was re-created).
          this.warn(
            'the Kinesis checkpoint is not valid for the shard; reading it from the start position',
            error,
            {
              shardId: shard.shardId,
            },
          );
          shard.sequenceNumber = undefined;
          continue;
        }
        if (type === 'ResourceNotFoundException') iterator = undefined;
        if (isThrottling(error)) this.options.metrics.count(this.name, `Throttled${call}`, 1);
        failures++;
        shard.state = 'backing-off';
        if (failures === 1 || failures % 10 === 0)
          this.warn(`${call} failed on the source Kinesis stream; retrying`, error, {
            shardId: shard.shardId,
            failures,
          });
        await this.sleep(this.backoff(failures));
      }
    }
  }

  private iteratorFor(shard: Shard): Promise<string> {
    const position: IteratorPosition = shard.sequenceNumber
      ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: shard.sequenceNumber }
      : { type: 'TRIM_HORIZON' };
    return this.options.client.getShardIterator(
      this.options.streamName,
      shard.shardId,
      position,
      this.abort.signal,
    );
  }

  /**
   * Puts a page of records into the delivery stream and moves the checkpoint past them. Resolves false only
   * when stopped before every record was in the log (they are read again after a restart).
   */
  private async deliver(shard: Shard, records: readonly KinesisRecord[]): Promise<boolean> {
    if (records.length === 0) return true;
    this.options.metrics.count(this.name, 'DataReadFromKinesisStream.Records', records.length);
    this.options.metrics.count(
      this.name,
      'DataReadFromKinesisStream.Bytes',
      records.reduce((sum, r) => sum + r.data.byteLength, 0),
    );
    const fresh = records.filter((r) => r.approximateArrivalMs >= this.options.startTimestampMs);
    for (const run of toRuns(shard.shardId, fresh)) {
      if (!(await this.putUntilAccepted(shard, run))) return false;
      shard.recordsRead += run.ends.length;
    }
    const last = records[records.length - 1]!.sequenceNumber;
    shard.sequenceNumber = last;
    try {
      await this.checkpoints.set(shard.shardId, { sequenceNumber: last });
    } catch (error) {
      // The records are in the log; a stale checkpoint only means re-reading them after a restart.
      this.warn('cannot write the Kinesis checkpoint', error, { shardId: shard.shardId });
    }
    return true;
  }

  /**
   * Puts a run, again and again for the records refused with "Slow down." (the stream's buffer is full)
   * until all are in: Kinesis keeps them meanwhile, as for Firehose, so nothing read is ever skipped.
   */
  private async putUntilAccepted(shard: Shard, run: PendingRun): Promise<boolean> {
    let pending = run;
    let failures = 0;
    while (!this.stopped) {
      let outcomes: PutOutcome[];
      try {
        outcomes = await this.options.target.put(pending);
      } catch (error) {
        // The log could not be written, or the stream is closing: nothing of this put is acknowledged.
        if (this.stopped) return false;
        failures++;
        shard.state = 'backing-off';
        shard.lastError = describeError(error);
        await this.sleep(this.backoff(failures));
        continue;
      }
      const refused = outcomes.flatMap((outcome, i) => ('recordId' in outcome ? [] : [i]));
      if (refused.length === 0) return true;
      shard.state = 'throttled';
      shard.lastError = 'ServiceUnavailableException: Slow down.';
      pending = pick(pending, refused);
      await this.sleep(this.options.pollIntervalMs);
    }
    return false;
  }

  private async finish(shard: Shard): Promise<void> {
    shard.state = 'finished';
    try {
      await this.checkpoints.set(shard.shardId, { sequenceNumber: shard.sequenceNumber, finished: true });
    } catch (error) {
      this.warn('cannot write the Kinesis checkpoint', error, { shardId: shard.shardId });
    }
    this.options.logger.log('info', 'finished reading a closed Kinesis shard', {
      stream: this.name,
      shardId: shard.shardId,
    });
    // Its children can start now rather than at the next scheduled listing.
    this.wakeLister?.();
  }

  private backoff(failures: number): number {
    const policy = { ...READ_BACKOFF, baseMs: Math.max(100, this.options.pollIntervalMs) };
    return backoffMs(policy, failures, this.options.jitter?.() ?? 0.5);
  }

  private sleep(ms: number, expose?: (wake: () => void) => void): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
      expose?.(wake);
    });
  }

  private warn(message: string, error: unknown, fields: Record<string, unknown> = {}): void {
    this.options.logger.log('warn', message, {
      stream: this.name,
      kinesisStream: this.options.streamArn,
      ...fields,
      error: describeError(error),
    });
  }
}

/**
 * Kinesis records as runs for `put`: KPL-aggregated records are de-aggregated (spec §12), each sub-record
 * keeping its Kinesis record's sequence number and its own subsequence number. A run's arrival time is its
 * oldest record's ApproximateArrivalTimestamp, so buffering intervals count from when Kinesis got the data.
 */
export function toRuns(shardId: string, records: readonly KinesisRecord[]): PendingRun[] {
  const runs: PendingRun[] = [];
  let data: Uint8Array[] = [];
  let kinesis: KinesisRecordMetadata[] = [];
  let bytes = 0;
  const cut = () => {
    if (data.length === 0) return;
    runs.push({ arrivalMs: kinesis[0]!.approximateArrivalTimestamp, ...packRecords(data), kinesis });
    data = [];
    kinesis = [];
    bytes = 0;
  };
  for (const record of records) {
    const parts = decodeKplAggregate(record.data) ?? [
      { partitionKey: record.partitionKey, data: record.data },
    ];
    parts.forEach((part, subsequenceNumber) => {
      if (
        data.length === MAX_RUN_RECORDS ||
        (data.length > 0 && bytes + part.data.byteLength > MAX_RUN_BYTES)
      )
        cut();
      data.push(part.data);
      bytes += part.data.byteLength;
      kinesis.push({
        shardId,
        partitionKey: part.partitionKey,
        approximateArrivalTimestamp: record.approximateArrivalMs,
        sequenceNumber: record.sequenceNumber,
        subsequenceNumber,
      });
    });
  }
  cut();
  return runs;
}

/** Records `indexes` of a run, with their metadata, as a run of their own. */
function pick(run: PendingRun, indexes: readonly number[]): PendingRun {
  return {
    arrivalMs: run.arrivalMs,
    ...packRecords(indexes.map((i) => recordAt(run, i))),
    ...(run.kinesis ? { kinesis: indexes.map((i) => run.kinesis![i]!) } : {}),
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function isThrottling(error: unknown): boolean {
  const name = errorName(error);
  return name === 'ProvisionedThroughputExceededException' || name === 'LimitExceededException';
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}
