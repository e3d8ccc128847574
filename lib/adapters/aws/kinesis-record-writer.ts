import { KinesisClient, type KinesisClientConfig, PutRecordsCommand } from '@aws-sdk/client-kinesis';

export interface KinesisEntry {
  data: Uint8Array;
  partitionKey: string;
}

export type KinesisPutResult =
  | { ok: true; shardId: string; sequenceNumber: string }
  | { ok: false; errorCode: string; errorMessage: string };

/** Writes records to a Kinesis Data Stream; one result per entry, in order (PutRecords semantics). */
export interface KinesisRecordWriter {
  putRecords(streamName: string, entries: readonly KinesisEntry[]): Promise<KinesisPutResult[]>;
}

/** PutRecords with the AWS SDK. A whole-call failure throws; per-record failures are results. */
export class SdkKinesisRecordWriter implements KinesisRecordWriter {
  readonly client: KinesisClient;

  constructor(config: KinesisClientConfig | KinesisClient = {}) {
    this.client = config instanceof KinesisClient ? config : new KinesisClient(config);
  }

  async putRecords(streamName: string, entries: readonly KinesisEntry[]): Promise<KinesisPutResult[]> {
    const output = await this.client.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: entries.map((entry) => ({ Data: entry.data, PartitionKey: entry.partitionKey })),
      }),
    );
    const records = output.Records ?? [];
    if (records.length !== entries.length) {
      throw new Error(`PutRecords answered ${records.length} results for ${entries.length} records`);
    }
    return records.map((record) =>
      record.SequenceNumber && record.ShardId
        ? { ok: true, shardId: record.ShardId, sequenceNumber: record.SequenceNumber }
        : {
            ok: false,
            errorCode: record.ErrorCode ?? 'InternalFailure',
            errorMessage: record.ErrorMessage ?? '',
          },
    );
  }
}
