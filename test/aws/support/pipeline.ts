import { gunzipSync } from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import {
  type KinesisRecordWriter,
  SdkKinesisRecordWriter,
} from '../../../lib/adapters/aws/kinesis-record-writer.ts';
import type { S3ObjectStore } from '../../../lib/adapters/aws/s3-object-store.ts';
import { createJqWebEngine } from '../../../lib/adapters/jq-web-engine.ts';
import { RandomIds } from '../../../lib/adapters/local/random-ids.ts';
import type { BufferDeps } from '../../../lib/aws/buffer.ts';
import { BufferLedger } from '../../../lib/aws/buffer-ledger.ts';
import { planBuffering } from '../../../lib/aws/buffering-plan.ts';
import { resolveStreamConfig } from '../../../lib/aws/deliver.ts';
import type { DeliveryAdapters } from '../../../lib/aws/delivery-adapters.ts';
import type { EmfMetrics } from '../../../lib/aws/emf.ts';
import type { FlushDeps } from '../../../lib/aws/flush.ts';
import type { FlushMessage, FlushQueue } from '../../../lib/aws/flush-queue.ts';
import { handleIngest, type IngestRoute } from '../../../lib/aws/ingest.ts';
import type { StagingStore } from '../../../lib/aws/staging-store.ts';
import type { ResolvedStream } from '../../../lib/core/config/resolved.ts';
import type { CreateDeliveryStreamInput } from '../../../lib/core/config/shapes.ts';
import { dynamicPartitioningOf } from '../../../lib/core/partitioning/index.ts';
import { FakeHttpApi } from './api-gateway.ts';
import {
  createKinesisStream,
  createLedgerTable,
  type Emulators,
  EventSourceMapping,
  REGION,
} from './emulators.ts';

export const ACCOUNT = '123456789012';
export const DEST = 'sluice-dest';
export const BACKUP = 'sluice-backup';
export const STAGING = 'sluice-staging';

/** What the pipelines of one test file share: the emulators and the adapters pointed at them. */
export interface World {
  emulators: Emulators;
  store: S3ObjectStore;
  staging: StagingStore;
  metrics: EmfMetrics;
}

export type Hints = { SizeInMBs: number; IntervalInSeconds: number };

/** A CreateDeliveryStream input like the one the DeliveryStream construct writes into the Lambdas' env. */
export function streamConfig(
  name: string,
  prefix: string,
  backup = false,
  hints: Hints = { SizeInMBs: 5, IntervalInSeconds: 300 },
) {
  return {
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      BucketARN: `arn:aws:s3:::${DEST}`,
      RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
      Prefix: prefix,
      ErrorOutputPrefix: `${prefix}errors/!{firehose:error-output-type}/`,
      CompressionFormat: 'GZIP',
      BufferingHints: hints,
      ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
      ...(backup
        ? {
            S3BackupMode: 'Enabled',
            S3BackupConfiguration: {
              BucketARN: `arn:aws:s3:::${BACKUP}`,
              RoleARN: `arn:aws:iam::${ACCOUNT}:role/flush`,
              Prefix: `${prefix}source/`,
            },
          }
        : {}),
    },
  };
}

export class MemoryQueue implements FlushQueue {
  messages: FlushMessage[] = [];
  async enqueue(message: FlushMessage): Promise<void> {
    this.messages.push(message);
  }
  /** Hands every queued message to the handler as one SQS event each; failed ones stay queued. */
  async deliverTo(
    handler: (event: SQSEvent) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>,
  ) {
    const pending = this.messages;
    this.messages = [];
    let failed = 0;
    for (const [i, message] of pending.entries()) {
      const event = {
        Records: [{ messageId: `m${i}`, body: JSON.stringify(message) }],
      } as unknown as SQSEvent;
      const result = await handler(event);
      if (result.batchItemFailures.length > 0) {
        failed++;
        this.messages.push(message);
      }
    }
    return failed;
  }
}

export interface Pipeline {
  name: string;
  prefix: string;
  stream: ResolvedStream;
  mapping: EventSourceMapping;
  api: FakeHttpApi;
  queue: MemoryQueue;
  ledger: BufferLedger;
  bufferDeps: BufferDeps;
  flushDeps: FlushDeps;
  clock: { nowMs: number };
}

export interface PipelineOptions {
  backup?: boolean;
  hints?: Hints;
  kinesis?: KinesisRecordWriter;
  shards?: number;
  dynamodb?: DynamoDBClient;
  /** Replaces the default S3 destination config (given the stream name and prefix). */
  config?: (name: string, prefix: string) => Record<string, unknown>;
  /** Default: none beyond the region and account. */
  adapters?: (stream: ResolvedStream) => DeliveryAdapters;
  /** The ingest Lambda's clock: records' arrival times. Default Date.now. */
  ingestNowMs?: () => number;
  /** The active-partition limit of a stream with dynamic partitioning (what SLUICE_ACTIVE_PARTITION_LIMIT sets). */
  activePartitionLimit?: number;
}

/** One jq-web engine for every pipeline, as one per execution environment. */
const jqEngine = createJqWebEngine();

let counter = 0;

/** One delivery stream's ingest, Kinesis stream, ledger and handler deps, wired as the construct wires them. */
export async function pipeline(world: World, options: PipelineOptions = {}): Promise<Pipeline> {
  const n = ++counter;
  const name = `stream-${n}`;
  const prefix = `p${n}/`;
  const hints = options.hints ?? { SizeInMBs: 5, IntervalInSeconds: 300 };
  const kinesisName = `sluice-${name}`;
  const { emulators, metrics } = world;
  const arn = await createKinesisStream(emulators.kinesis, kinesisName, options.shards ?? 2);
  const table = `ledger-${n}`;
  await createLedgerTable(emulators.dynamodb, table);
  const routes = new Map<string, IngestRoute>([[name, { kinesisStreamName: kinesisName, encrypted: true }]]);
  const kinesis = options.kinesis ?? new SdkKinesisRecordWriter(emulators.kinesis);
  let partitionKeys = 0;
  const api = new FakeHttpApi((event) =>
    handleIngest(event, {
      routes,
      kinesis,
      metrics,
      accountId: ACCOUNT,
      nowMs: options.ingestNowMs ?? (() => Date.now()),
      partitionKey: () => `pk-${partitionKeys++}`,
    }),
  );
  const clock = { nowMs: Date.now() };
  const queue = new MemoryQueue();
  const ledger = new BufferLedger(options.dynamodb ?? emulators.dynamodb, table);
  const config = options.config?.(name, prefix) ?? streamConfig(name, prefix, options.backup, hints);
  const resolved = resolveStreamConfig(JSON.stringify(config), {
    region: REGION,
    accountId: ACCOUNT,
    nowMs: clock.nowMs,
  });
  const adapters = options.adapters?.(resolved) ?? { region: REGION, accountId: ACCOUNT };
  // As lambda/runtime.ts reads it from the environment.
  const partitioning = dynamicPartitioningOf(
    config as unknown as CreateDeliveryStreamInput,
    options.activePartitionLimit === undefined ? {} : { activePartitionLimit: options.activePartitionLimit },
  );
  const resolvedHints = resolved.destination.bufferingHints;
  const plan = planBuffering(
    { sizeBytes: resolvedHints.sizeBytes, intervalSeconds: resolvedHints.intervalSeconds },
    { processesBeforeStaging: partitioning !== undefined },
  );
  const bufferDeps: BufferDeps = {
    streamName: name,
    plan,
    metrics,
    ids: new RandomIds(),
    nowMs: () => clock.nowMs,
    stream: () => resolved,
    adapters: () => adapters,
    store: world.store,
    staging: world.staging,
    ledger,
    queue,
    remainingMs: () => 60_000,
    deadlineMarginMs: 5_000,
    ...(partitioning ? { partitioning, jqEngine: () => jqEngine } : {}),
  };
  const flushDeps: FlushDeps = {
    ledger,
    staging: world.staging,
    store: world.store,
    metrics,
    stream: () => resolved,
    adapters: () => adapters,
    nowMs: () => clock.nowMs,
    remainingMs: () => 60_000,
    deadlineMarginMs: 5_000,
    ...(partitioning ? { partitioning } : {}),
  };
  return {
    name,
    prefix,
    stream: resolved,
    mapping: new EventSourceMapping(emulators.kinesis, kinesisName, arn),
    api,
    queue,
    ledger,
    bufferDeps,
    flushDeps,
    clock,
  };
}

/** Every object under a prefix with its bytes. */
export async function objectBytes(
  world: World,
  bucket: string,
  prefix: string,
): Promise<Map<string, Buffer>> {
  const listed = await world.emulators.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const result = new Map<string, Buffer>();
  for (const object of listed.Contents ?? []) {
    const got = await world.emulators.s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
    result.set(object.Key!, Buffer.from(await got.Body!.transformToByteArray()));
  }
  return result;
}

/** Every object under a prefix as its non-empty lines (gunzipped when the key ends in .gz). */
export async function objects(world: World, bucket: string, prefix: string): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  for (const [key, bytes] of await objectBytes(world, bucket, prefix)) {
    const text = key.endsWith('.gz') ? gunzipSync(bytes).toString() : bytes.toString();
    result.set(
      key,
      text.split('\n').filter((line) => line !== ''),
    );
  }
  return result;
}

export function allRecords(found: Map<string, string[]>): string[] {
  return [...found.values()].flat().sort();
}

export function records(count: number, tag: string, size = 40): Array<{ Data: Uint8Array }> {
  return Array.from({ length: count }, (_, i) => ({
    Data: Buffer.from(`{"tag":"${tag}","i":${String(i).padStart(6, '0')},"pad":"${'x'.repeat(size)}"}`),
  }));
}

export const text = (entries: Array<{ Data: Uint8Array }>) =>
  entries.map((entry) => Buffer.from(entry.Data).toString());
