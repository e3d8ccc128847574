import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisSettings } from './config-file.ts';

/** A shard as the reader needs it (ListShards). */
export interface KinesisShard {
  readonly shardId: string;
  readonly parentShardIds: readonly string[];
}

export interface KinesisRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  /** ApproximateArrivalTimestamp, ms since the epoch. */
  readonly approximateArrivalMs: number;
}

export interface KinesisRecordsPage {
  readonly records: readonly KinesisRecord[];
  /** Absent once the shard is closed and every record in it was returned. */
  readonly nextIterator: string | undefined;
  readonly millisBehindLatest: number | undefined;
}

export type IteratorPosition =
  | { type: 'TRIM_HORIZON' }
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

/** The three Kinesis calls the reader makes; errors are the SDK's (their `name` is the Kinesis error type). */
export interface KinesisReadClient {
  listShards(streamName: string, signal: AbortSignal): Promise<KinesisShard[]>;
  getShardIterator(
    streamName: string,
    shardId: string,
    position: IteratorPosition,
    signal: AbortSignal,
  ): Promise<string>;
  getRecords(iterator: string, signal: AbortSignal): Promise<KinesisRecordsPage>;
  close(): void;
}

/** The AWS SDK behind KinesisReadClient: any Kinesis-compatible endpoint (kinesalite, LocalStack) or AWS. */
export function createKinesisReadClient(settings: KinesisSettings, region: string): KinesisReadClient {
  const client = new KinesisClient({
    region: settings.region ?? region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    // HTTP/1.1: kinesalite cannot speak the SDK's default HTTP/2 (ENVIRONMENT.md).
    requestHandler: new NodeHttpHandler(),
    // The reader has its own backoff and must see throttling to count it (ThrottledGetRecords, spec §11).
    maxAttempts: 1,
  });
  return {
    async listShards(streamName, signal) {
      const shards: KinesisShard[] = [];
      let nextToken: string | undefined;
      do {
        const out = await client.send(
          new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
          { abortSignal: signal },
        );
        for (const shard of out.Shards ?? []) {
          if (!shard.ShardId) continue;
          const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
            (id): id is string => typeof id === 'string',
          );
          shards.push({ shardId: shard.ShardId, parentShardIds: parents });
        }
        nextToken = out.NextToken;
      } while (nextToken);
      return shards;
    },
    async getShardIterator(streamName, shardId, position, signal) {
      const out = await client.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: position.type as ShardIteratorType,
          ...(position.type === 'AFTER_SEQUENCE_NUMBER'
            ? { StartingSequenceNumber: position.sequenceNumber }
            : {}),
        }),
        { abortSignal: signal },
      );
      if (!out.ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${shardId}`);
      return out.ShardIterator;
    },
    async getRecords(iterator, signal) {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator }), {
        abortSignal: signal,
      });
      return {
        records: (out.Records ?? []).map((r) => ({
          data: r.Data ?? new Uint8Array(0),
          partitionKey: r.PartitionKey ?? '',
          sequenceNumber: r.SequenceNumber ?? '',
          approximateArrivalMs: r.ApproximateArrivalTimestamp?.getTime() ?? 0,
        })),
        nextIterator: out.NextShardIterator,
        millisBehindLatest: out.MillisBehindLatest,
      };
    },
    close() {
      client.destroy();
    },
  };
}
