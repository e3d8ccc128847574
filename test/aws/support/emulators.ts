import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from '../../support/s3rver.ts';

const require = createRequire(import.meta.url);
type ServerFactory = (options: Record<string, unknown>) => Server;
const kinesalite = require('kinesalite') as ServerFactory;
const dynalite = require('dynalite') as ServerFactory;

export const REGION = 'us-east-1';
const FAKE_CREDENTIALS = { accessKeyId: 'AKIDSLUICETEST', secretAccessKey: 'sluice-test-secret' };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Emulators {
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  s3: S3Client;
  s3rver: RunningS3rver;
  stop(): Promise<void>;
}

/** kinesalite, dynalite and s3rver in this process, on loopback ports chosen by the OS. */
export async function startEmulators(buckets: string[]): Promise<Emulators> {
  const kinesisServer = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 1000,
  });
  const dynamoServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const [kinesisEndpoint, dynamoEndpoint, s3rver] = await Promise.all([
    listen(kinesisServer),
    listen(dynamoServer),
    startS3rver({ buckets }),
  ]);
  // kinesalite speaks HTTP/1.1 only; the Kinesis client defaults to HTTP/2.
  const kinesis = new KinesisClient({
    region: REGION,
    endpoint: kinesisEndpoint,
    credentials: FAKE_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  const dynamodb = new DynamoDBClient({
    region: REGION,
    endpoint: dynamoEndpoint,
    credentials: FAKE_CREDENTIALS,
  });
  const s3 = new S3Client({
    region: REGION,
    endpoint: s3rver.endpoint,
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    kinesis,
    dynamodb,
    s3,
    s3rver,
    async stop() {
      kinesis.destroy();
      dynamodb.destroy();
      s3.destroy();
      await Promise.all([close(kinesisServer), close(dynamoServer), s3rver.stop()]);
    },
  };
}

export async function createKinesisStream(
  kinesis: KinesisClient,
  name: string,
  shards: number,
): Promise<string> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') {
      return summary.StreamDescriptionSummary.StreamARN!;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function createLedgerTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
}

/**
 * Reads a Kinesis stream the way the Lambda event source mapping does: per shard, in order, from where the
 * previous batch ended, handing out one KinesisStreamEvent per shard and batch.
 */
export class EventSourceMapping {
  private readonly iterators = new Map<string, string | undefined>();

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly streamArn: string,
  ) {}

  /** The next batch of every shard that has records. Does not advance: call `checkpoint` after success. */
  async poll(): Promise<
    Array<{ shardId: string; event: KinesisStreamEvent; nextIterator: string | undefined }>
  > {
    const shards = await this.kinesis.send(new ListShardsCommand({ StreamName: this.streamName }));
    const batches = [];
    for (const shard of shards.Shards ?? []) {
      const shardId = shard.ShardId!;
      let iterator = this.iterators.get(shardId);
      if (iterator === undefined) {
        const started = await this.kinesis.send(
          new GetShardIteratorCommand({
            StreamName: this.streamName,
            ShardId: shardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        );
        iterator = started.ShardIterator!;
        this.iterators.set(shardId, iterator);
      }
      const output = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      const records = output.Records ?? [];
      if (records.length === 0) continue;
      const event: KinesisStreamEvent = {
        Records: records.map(
          (record): KinesisStreamRecord => ({
            awsRegion: REGION,
            eventID: `${shardId}:${record.SequenceNumber}`,
            eventName: 'aws:kinesis:record',
            eventSource: 'aws:kinesis',
            eventSourceARN: this.streamArn,
            eventVersion: '1.0',
            invokeIdentityArn: 'arn:aws:iam::123456789012:role/buffer',
            kinesis: {
              kinesisSchemaVersion: '1.0',
              partitionKey: record.PartitionKey!,
              sequenceNumber: record.SequenceNumber!,
              data: Buffer.from(record.Data!).toString('base64'),
              approximateArrivalTimestamp: record.ApproximateArrivalTimestamp!.getTime() / 1000,
            },
          }),
        ),
      };
      batches.push({ shardId, event, nextIterator: output.NextShardIterator });
    }
    return batches;
  }

  checkpoint(shardId: string, nextIterator: string | undefined): void {
    this.iterators.set(shardId, nextIterator);
  }

  /** Polls and invokes `handler` until every shard is drained; a failing batch is retried, as the mapping does. */
  async drain(handler: (event: KinesisStreamEvent) => Promise<void>, maxFailures = 5): Promise<number> {
    let invocations = 0;
    let failures = 0;
    for (;;) {
      const batches = await this.poll();
      if (batches.length === 0) return invocations;
      for (const batch of batches) {
        invocations++;
        try {
          await handler(batch.event);
          this.checkpoint(batch.shardId, batch.nextIterator);
        } catch (error) {
          if (++failures > maxFailures) throw error;
        }
      }
    }
  }
}
