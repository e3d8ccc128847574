import { mkdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createJqWebEngine } from '../adapters/jq-web-engine.ts';
import { replaceFileAtomically } from '../adapters/local/durable-file.ts';
import { FsObjectStore } from '../adapters/local/fs-object-store.ts';
import { createLocalLambdaInvoker, type LocalLambdaInvoker } from '../adapters/local/lambda-invoker.ts';
import { RandomIds } from '../adapters/local/random-ids.ts';
import { SystemClock } from '../adapters/local/system-clock.ts';
import type { StoredStream } from '../core/config/index.ts';
import { toResolvedStream } from '../core/config/index.ts';
import { Catalog } from '../core/control-plane/index.ts';
import { FirehoseApiError, SluiceError } from '../core/errors.ts';
import { parsePutRecord, parsePutRecordBatch } from '../core/ingest/put-records.ts';
import { MetricsRegistry } from '../core/metrics.ts';
import { dynamicPartitioningOf } from '../core/partitioning/index.ts';
import type { Clock, IdSource, JqEngine, ObjectStore } from '../core/ports.ts';
import type { SluiceConfig } from './config-file.ts';
import { lockDataDir } from './data-dir-lock.ts';
import {
  DeliveryStreamRuntime,
  type DeliveryStreamStatus,
  type StreamOptions,
} from './delivery-stream-runtime.ts';
import { LocalDestinationAdapters } from './destination-adapters.ts';
import type { KinesisSourceStatus } from './kinesis-source.ts';
import { KinesisSources } from './kinesis-sources.ts';
import type { Logger } from './logger.ts';
import { type ReplayResult, replayErrorOutputs } from './replay.ts';

export interface LocalRuntimeOptions {
  dataDir: string;
  config: SluiceConfig;
  logger: Logger;
  clock?: Clock;
  ids?: IdSource;
  /** Overrides the object store chosen from the config (tests inject failing stores). */
  store?: ObjectStore;
  /** How often buffering intervals are checked. */
  tickMs?: number;
}

const DATA_PLANE = new Set(['PutRecord', 'PutRecordBatch']);

/** A flush at shutdown gives up after this long; whatever is left stays in the log for the next start. */
const SHUTDOWN_FLUSH_TIMEOUT_MS = 20_000;

export interface FlushResult {
  complete: boolean;
  streams: DeliveryStreamStatus[];
}

/**
 * The local runtime: the control-plane catalog (persisted under the data dir), one DeliveryStreamRuntime
 * per stream, and a scheduler that checks buffering intervals. The HTTP server is a thin layer on top.
 */
export class LocalRuntime {
  readonly metrics = new MetricsRegistry();
  private readonly catalog = new Catalog();
  private readonly streams = new Map<string, Promise<DeliveryStreamRuntime>>();
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly store: ObjectStore;
  private readonly ctx: { region: string; accountId: string; nowMs: number };
  private persisting: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly activations = new Set<NodeJS.Timeout>();
  private readonly settling: Promise<unknown>[] = [];
  private lock: { release(): Promise<void> } | undefined;
  /** HTTP transport, OpenSearch clients and PostgreSQL loaders of writer destinations (spec §8–§10). */
  private readonly destinations: LocalDestinationAdapters;
  /** Readers of the source streams of KinesisStreamAsSource delivery streams (spec §12). */
  private readonly kinesisSources: KinesisSources;
  /** Transform Lambdas from the config file's `lambdaFunctions`, each in a worker thread (spec §5). */
  private readonly transformInvoker: LocalLambdaInvoker;
  /** MetadataExtraction's jq (spec §6); its WASM module loads on the first query. */
  private readonly jqEngine: JqEngine = createJqWebEngine();

  private constructor(private readonly options: LocalRuntimeOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.ids = options.ids ?? new RandomIds();
    this.store = options.store ?? new FsObjectStore(join(options.dataDir, 's3'));
    this.destinations = new LocalDestinationAdapters(this.store, options.config.openSearchBasicAuth);
    this.transformInvoker = createLocalLambdaInvoker({
      functions: Object.fromEntries(
        Object.entries(options.config.lambdaFunctions).map(([name, setting]) => [
          name,
          typeof setting === 'string' ? { handler: setting } : setting,
        ]),
      ),
      baseDir: process.cwd(),
    });
    this.ctx = { region: options.config.region, accountId: options.config.accountId, nowMs: 0 };
    this.kinesisSources = new KinesisSources({
      dataDir: options.dataDir,
      config: options.config,
      logger: options.logger,
      metrics: this.metrics,
    });
  }

  static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const store = options.store ?? (await createS3ObjectStore(options.config));
    const runtime = new LocalRuntime(store ? { ...options, store } : options);
    await mkdir(options.dataDir, { recursive: true });
    runtime.lock = await lockDataDir(options.dataDir);
    // Temp files of puts cut short by a crash are never visible as objects; clear them away.
    if (runtime.store instanceof FsObjectStore) await runtime.store.removeStaleTempFiles();
    await runtime.restore();
    runtime.catalog.onChange((event) => runtime.onCatalogChange(event));
    await runtime.applyConfigFileStreams();
    const tickMs = options.tickMs ?? 100;
    runtime.timer = setInterval(() => runtime.tick(), tickMs);
    runtime.timer.unref();
    return runtime;
  }

  get region(): string {
    return this.ctx.region;
  }

  /** Runs one Firehose API operation; throws FirehoseApiError for Firehose-shaped failures. */
  async execute(operation: string, input: unknown): Promise<unknown> {
    if (DATA_PLANE.has(operation)) return this.put(operation, input);
    const result = this.catalog.execute(operation, input, this.context());
    // Let the change settle (catalog persisted, log opened, and ACTIVE when there is no activation delay)
    // before answering, so the caller's next request sees it.
    await Promise.all(this.settling.splice(0));
    await this.persisting;
    return result;
  }

  /** Checks every stream's buffering interval. Called by the timer; tests with a fake clock call it directly. */
  tick(): void {
    for (const pending of this.streams.values())
      void pending.then(
        (stream) => stream.tick(),
        () => undefined,
      );
  }

  /**
   * Delivers everything buffered (one stream or all) and waits for it, at most `timeoutMs` (a stalled
   * destination would otherwise hold the caller forever); `complete` says whether it all got delivered.
   */
  async flush(name?: string, timeoutMs = Number.POSITIVE_INFINITY): Promise<FlushResult> {
    const names = name === undefined ? [...this.streams.keys()] : [name];
    const runtimes = await Promise.all(names.map((n) => this.runtimeOf(n)));
    const delivered = Promise.all(runtimes.map((r) => r.flush())).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const complete = await Promise.race([delivered, timedOut]);
    clearTimeout(timer);
    return { complete, streams: runtimes.map((r) => r.status()) };
  }

  async status(): Promise<
    Array<DeliveryStreamStatus & { status: string; kinesisSource?: KinesisSourceStatus }>
  > {
    const out: Array<DeliveryStreamStatus & { status: string; kinesisSource?: KinesisSourceStatus }> = [];
    for (const stored of this.catalog.list()) {
      const runtime = await this.streams.get(stored.input.DeliveryStreamName)?.catch(() => undefined);
      const kinesisSource = this.kinesisSources.status(stored.input.DeliveryStreamName);
      if (runtime)
        out.push({ ...runtime.status(), status: stored.status, ...(kinesisSource ? { kinesisSource } : {}) });
    }
    return out;
  }

  /** Stops the scheduler and closes every stream; with `flush`, delivers what is buffered first. */
  async close(options: { flush?: boolean } = {}): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.activations) clearTimeout(t);
    // Readers stop first: what they have read must reach the logs before those close.
    await this.kinesisSources.stopAll();
    if (options.flush) await this.flush(undefined, SHUTDOWN_FLUSH_TIMEOUT_MS).catch(() => undefined);
    const runtimes = await Promise.allSettled(this.streams.values());
    await Promise.all(runtimes.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    // After the streams: a transform cut short by a closing worker would otherwise count as a failed record.
    await this.transformInvoker.close();
    await this.persisting;
    await this.lock?.release();
  }

  private async put(operation: string, input: unknown): Promise<unknown> {
    const request = operation === 'PutRecord' ? parsePutRecord(input) : parsePutRecordBatch(input);
    const name = request.deliveryStreamName;
    const stored = this.catalog.get(name);
    if (!stored) throw this.notFound(name);
    if (stored.status !== 'ACTIVE') {
      throw new FirehoseApiError(
        'ResourceNotFoundException',
        `Firehose ${name} is not ACTIVE (status ${stored.status}).`,
      );
    }
    if (stored.input.DeliveryStreamType === 'KinesisStreamAsSource') {
      // Spec §1.3: producers write to the source Kinesis stream instead.
      throw new FirehoseApiError(
        'InvalidArgumentException',
        'This operation is not permitted on KinesisStreamAsSource delivery stream type.',
      );
    }
    const runtime = await this.runtimeOf(name);
    const arrivalMs = this.clock.nowMs();
    const bytes = request.records.data.byteLength;
    const count = request.records.ends.length;
    const outcomes = await runtime.put({ arrivalMs, ...request.records });

    const accepted = outcomes.filter((o) => 'recordId' in o).length;
    this.metrics.count(name, 'IncomingPutRequests', 1);
    this.metrics.count(name, 'IncomingRecords', accepted);
    this.metrics.count(name, 'IncomingBytes', bytes);
    this.metrics.count(name, `${operation}.Requests`, 1);
    this.metrics.count(name, `${operation}.Bytes`, bytes);
    if (operation === 'PutRecordBatch') this.metrics.count(name, 'PutRecordBatch.Records', count);

    if (operation === 'PutRecord') {
      const outcome = outcomes[0]!;
      if (!('recordId' in outcome))
        throw new FirehoseApiError('ServiceUnavailableException', outcome.errorMessage);
      return { RecordId: outcome.recordId, Encrypted: false };
    }
    return {
      FailedPutCount: outcomes.length - accepted,
      Encrypted: false,
      RequestResponses: outcomes.map((o) =>
        'recordId' in o ? { RecordId: o.recordId } : { ErrorCode: o.errorCode, ErrorMessage: o.errorMessage },
      ),
    };
  }

  private context() {
    this.ctx.nowMs = this.clock.nowMs();
    return this.ctx;
  }

  private notFound(name: string): FirehoseApiError {
    return new FirehoseApiError(
      'ResourceNotFoundException',
      `Firehose ${name} under account ${this.ctx.accountId} not found.`,
    );
  }

  /** `sluice replay`: re-ingests the rawData of error outputs under `from` (s3://bucket/prefix/) into `stream`. */
  async replay(stream: string, from: string): Promise<ReplayResult> {
    const stored = this.catalog.get(stream);
    if (!stored) throw this.notFound(stream);
    const result = await replayErrorOutputs(this.store, await this.runtimeOf(stream), from, () =>
      this.clock.nowMs(),
    );
    this.metrics.count(stream, 'Sluice.ReplayedRecords', result.recordsReplayed);
    return result;
  }

  private async runtimeOf(name: string): Promise<DeliveryStreamRuntime> {
    const pending = this.streams.get(name);
    if (!pending) throw this.notFound(name);
    return pending;
  }

  private onCatalogChange(event: { kind: string; name: string; stored?: StoredStream }): void {
    this.persist();
    const { name } = event;
    if (event.kind === 'created' && event.stored) {
      this.openStream(event.stored);
      this.scheduleActivation(name);
    } else if (event.kind === 'updated' && event.stored) {
      const resolved = toResolvedStream(event.stored, this.context());
      const options = this.streamOptions(event.stored);
      void this.streams.get(name)?.then(
        (r) => r.reconfigure(resolved, options),
        () => undefined,
      );
    } else if (event.kind === 'deleted') {
      const pending = this.streams.get(name);
      this.streams.delete(name);
      this.metrics.removeStream(name);
      // A Kinesis reader stops before the log goes, and its checkpoints go with the stream.
      const readerRemoved = this.kinesisSources.remove(name).catch(() => undefined);
      this.settling.push(
        readerRemoved.then(() =>
          pending?.then(
            (r) => r.destroy(),
            () => undefined,
          ),
        ),
      );
    }
  }

  private openStream(stored: StoredStream): void {
    const name = stored.input.DeliveryStreamName;
    const resolved = toResolvedStream(stored, this.context());
    const dir = join(this.options.dataDir, 'streams', name, 'wal');
    const pending = DeliveryStreamRuntime.open(
      resolved,
      dir,
      {
        clock: this.clock,
        ids: this.ids,
        store: this.store,
        metrics: this.metrics,
        logger: this.options.logger,
        maxBufferedBytes: this.options.config.maxBufferedBytesPerStream,
        jitter: Math.random,
        http: this.destinations.http,
        bulkClient: (settings) => this.destinations.bulkClient(settings),
        redshiftSql: (settings) => this.destinations.redshiftSql(settings),
        glueTables: (database, table) => this.options.config.glueTables[`${database}.${table}`],
        transformInvoker: this.transformInvoker,
        jqEngine: this.jqEngine,
        region: this.options.config.region,
        accountId: this.options.config.accountId,
      },
      this.streamOptions(stored),
    );
    pending.catch((error) => {
      this.options.logger.log('error', 'cannot open the write-ahead log', {
        stream: name,
        error: String(error),
      });
      // A stream that cannot be built fails the way Firehose's do: CREATING_FAILED, deletable.
      this.catalog.failCreation(name);
    });
    this.streams.set(name, pending);
    this.kinesisSources.start(stored, pending);
  }

  /** What the resolved stream does not carry: dynamic partitioning (spec §6) and the Kinesis source (§5.1). */
  private streamOptions(stored: StoredStream): StreamOptions {
    const dynamicPartitioning = dynamicPartitioningOf(stored.input, {
      activePartitionLimit: this.options.config.activePartitionLimit,
    });
    const source = stored.input.KinesisStreamSourceConfiguration;
    return {
      ...(dynamicPartitioning ? { dynamicPartitioning } : {}),
      ...(stored.input.DeliveryStreamType === 'KinesisStreamAsSource' && source
        ? { sourceKinesisStreamArn: source.KinesisStreamARN }
        : {}),
    };
  }

  private scheduleActivation(name: string): void {
    const activate = () =>
      this.streams.get(name)?.then(
        () => this.catalog.activate(name),
        () => undefined, // failed to open: already CREATING_FAILED
      );
    const delayMs = this.options.config.streamActivationDelayMs;
    if (delayMs === 0) {
      this.settling.push(activate() ?? Promise.resolve());
      return;
    }
    const timer = setTimeout(() => {
      this.activations.delete(timer);
      activate();
    }, delayMs);
    this.activations.add(timer);
  }

  private async restore(): Promise<void> {
    await unlink(`${this.catalogPath()}.tmp`).catch(() => undefined); // a write cut short by a crash
    let stored: StoredStream[] = [];
    try {
      stored = JSON.parse(await readFile(this.catalogPath(), 'utf8')) as StoredStream[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new SluiceError(
          'CatalogCorrupt',
          `Cannot read ${this.catalogPath()}: ${(error as Error).message}`,
        );
      }
    }
    // A stream caught in CREATING by a stop was fully set up on disk; it comes back ACTIVE.
    const restored = stored.map((s) => (s.status === 'CREATING' ? { ...s, status: 'ACTIVE' as const } : s));
    this.catalog.load(restored);
    for (const s of restored) this.openStream(s);
    await Promise.all(this.streams.values());
  }

  /** Streams defined in the config file are created on start; a changed definition is applied as an update. */
  private async applyConfigFileStreams(): Promise<void> {
    for (const input of this.options.config.deliveryStreams) {
      const name = (input as { DeliveryStreamName?: unknown }).DeliveryStreamName;
      if (typeof name === 'string' && this.catalog.get(name)) {
        const changed = this.catalog.replaceDefinition(name, input, this.context());
        if (changed)
          this.options.logger.log('info', 'config file changed the stream definition', { stream: name });
        continue;
      }
      this.catalog.execute('CreateDeliveryStream', input, this.context());
      if (typeof name === 'string') {
        await this.streams.get(name);
        this.catalog.activate(name);
      }
    }
    await this.persisting;
  }

  private catalogPath(): string {
    return join(this.options.dataDir, 'catalog.json');
  }

  // Writes are chained so two changes never race on the rename; each write is atomic (temp file + fsync + rename).
  private persist(): void {
    const snapshot = JSON.stringify(this.catalog.list(), null, 2);
    this.persisting = this.persisting.then(() =>
      replaceFileAtomically(this.catalogPath(), snapshot, `${this.catalogPath()}.tmp`),
    );
  }
}

/**
 * The S3 client when the config names an S3 endpoint (or AWS); undefined for the embedded store. Loaded on
 * demand: the AWS SDK adds ~25 MB to a process that only uses the embedded store.
 */
async function createS3ObjectStore(config: SluiceConfig): Promise<ObjectStore | undefined> {
  const s3 = config.s3;
  if (!(s3?.endpoint || s3?.region || s3?.credentials)) return undefined;
  const { S3ObjectStore } = await import('../adapters/aws/s3-object-store.ts');
  return new S3ObjectStore({
    region: s3.region ?? config.region,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    ...(s3.credentials ? { credentials: s3.credentials } : {}),
    forcePathStyle: s3.forcePathStyle ?? Boolean(s3.endpoint),
  });
}
