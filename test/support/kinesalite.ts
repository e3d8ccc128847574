import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { waitFor } from './wait-for.ts';

// kinesalite ships no types; its default export is a server factory.
const kinesalite = createRequire(import.meta.url)('kinesalite') as (
  options: Record<string, unknown>,
) => Server;

export const KINESIS_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

export interface Kinesalite {
  endpoint: string;
  client: KinesisClient;
  close(): Promise<void>;
}

/** kinesalite in this process on 127.0.0.1, port 0, with an in-memory store and no stream-state delays. */
export async function startKinesalite(): Promise<Kinesalite> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = kinesisClient(endpoint);
  return {
    endpoint,
    client,
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The SDK's default HTTP/2 handler fails against kinesalite; HTTP/1.1 works. */
export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: KINESIS_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

/** Creates a stream and waits until it is ACTIVE; returns its ARN. */
export async function createKinesisStream(
  client: KinesisClient,
  name: string,
  shards: number,
): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  return waitFor(`Kinesis stream ${name} ACTIVE`, async () => {
    const { StreamDescriptionSummary: summary } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    return summary?.StreamStatus === 'ACTIVE' && summary.StreamARN;
  });
}

/**
 * A KPL-aggregated record (magic, protobuf AggregatedRecord, MD5), encoded here independently of the decoder
 * under test. `records` name their partition key; the key table holds each distinct key once.
 */
export function encodeKplRecord(records: ReadonlyArray<{ partitionKey: string; data: Uint8Array }>): Buffer {
  const keys = [...new Set(records.map((r) => r.partitionKey))];
  const body = Buffer.concat([
    ...keys.map((key) => field(1, Buffer.from(key))),
    ...records.map((r) =>
      field(3, Buffer.concat([varint((1 << 3) | 0), varint(keys.indexOf(r.partitionKey)), field(3, r.data)])),
    ),
  ]);
  return Buffer.concat([
    Buffer.from([0xf3, 0x89, 0x9a, 0xc2]),
    body,
    createHash('md5').update(body).digest(),
  ]);
}

function field(number: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.byteLength), bytes]);
}

function varint(value: number): Buffer {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Buffer.from(out);
}
