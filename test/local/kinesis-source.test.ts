import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../lib/core/metrics.ts';
import { type PendingRun, recordAt } from '../../lib/core/records.ts';
import type { PutOutcome } from '../../lib/local/delivery-stream-runtime.ts';
import { KinesisSourceReader } from '../../lib/local/kinesis-source.ts';
import type {
  IteratorPosition,
  KinesisReadClient,
  KinesisRecordsPage,
} from '../../lib/local/kinesis-source-client.ts';
import { silentLogger } from '../../lib/local/logger.ts';
import { waitFor } from '../support/wait-for.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function kinesisError(name: string): Error {
  const error = new Error(`${name} from the fake`);
  error.name = name;
  return error;
}

const record = (data: string, sequenceNumber: string) => ({
  data: Buffer.from(data),
  partitionKey: `pk-${data}`,
  sequenceNumber,
  approximateArrivalMs: 2_000,
});

/**
 * A resharded stream: parent shard 0 is closed after two records; child shard 1 first throttles, then
 * hands out an expired iterator, then has one record. Scripted per iterator, so every call is accounted for.
 */
function reshardedStream(calls: string[]): KinesisReadClient {
  const pages: Record<string, Array<KinesisRecordsPage | Error>> = {
    'it-0': [{ records: [record('a', '1'), record('b', '2')], nextIterator: 'it-0b', millisBehindLatest: 0 }],
    'it-0b': [{ records: [], nextIterator: undefined, millisBehindLatest: 0 }],
    'it-1': [
      kinesisError('ProvisionedThroughputExceededException'),
      kinesisError('ExpiredIteratorException'),
    ],
    'it-1-after-expiry': [
      { records: [record('c', '3'), record('d', '4')], nextIterator: 'it-1c', millisBehindLatest: 0 },
    ],
    'it-1c': [],
  };
  return {
    async listShards() {
      calls.push('ListShards');
      return [
        { shardId: 'shardId-000000000000', parentShardIds: [] },
        { shardId: 'shardId-000000000001', parentShardIds: ['shardId-000000000000'] },
      ];
    },
    async getShardIterator(_stream: string, shardId: string, position: IteratorPosition) {
      calls.push(`GetShardIterator ${shardId} ${position.type}`);
      if (shardId.endsWith('0')) return 'it-0';
      return position.type === 'TRIM_HORIZON' && calls.includes('GetRecords it-1')
        ? 'it-1-after-expiry'
        : 'it-1';
    },
    async getRecords(iterator: string) {
      calls.push(`GetRecords ${iterator}`);
      const next = pages[iterator]?.shift() ?? { records: [], nextIterator: iterator, millisBehindLatest: 0 };
      if (next instanceof Error) throw next;
      return next;
    },
    close() {},
  };
}

describe('KinesisSourceReader', () => {
  it('reads a closed parent to its end before its child, through throttling and an expired iterator', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-kinesis-reader-'));
    dirs.push(dir);
    const calls: string[] = [];
    const puts: PendingRun[] = [];
    let refuseFirst = true;
    const metrics = new MetricsRegistry();
    const reader = new KinesisSourceReader({
      deliveryStreamName: 'clicks',
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
      streamName: 's',
      startTimestampMs: 1_000,
      checkpointPath: join(dir, 'checkpoints.json'),
      client: reshardedStream(calls),
      target: {
        async put(run: PendingRun): Promise<PutOutcome[]> {
          puts.push(run);
          // The first put is refused in full ("Slow down."): it must come back, not be skipped.
          const refuse = refuseFirst;
          refuseFirst = false;
          return Array.from(run.ends, (_, i) =>
            refuse
              ? { errorCode: 'ServiceUnavailableException', errorMessage: 'Slow down.' }
              : { recordId: `r${i}` },
          );
        },
      },
      logger: silentLogger,
      metrics,
      pollIntervalMs: 10,
      shardListIntervalMs: 60_000,
      jitter: () => 0.5,
    });
    reader.start();
    try {
      await waitFor('the child shard read', () =>
        puts.some((run) => run.kinesis?.[0]?.shardId.endsWith('1')),
      );
    } finally {
      await reader.stop();
    }

    const putData = puts.map((run) =>
      Array.from(run.ends, (_, i) => Buffer.from(recordAt(run, i)).toString()),
    );
    expect(putData).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(puts[2]!.kinesis!.map((m) => [m.shardId, m.sequenceNumber, m.partitionKey])).toEqual([
      ['shardId-000000000001', '3', 'pk-c'],
      ['shardId-000000000001', '4', 'pk-d'],
    ]);
    // The child was not touched before its parent was finished.
    expect(calls.indexOf('GetShardIterator shardId-000000000001 TRIM_HORIZON')).toBeGreaterThan(
      calls.indexOf('GetRecords it-0b'),
    );
    expect(metrics.snapshot().clicks?.ThrottledGetRecords).toBe(1);
    expect(JSON.parse(await readFile(join(dir, 'checkpoints.json'), 'utf8'))).toEqual({
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
      shards: {
        'shardId-000000000000': { sequenceNumber: '2', finished: true },
        'shardId-000000000001': { sequenceNumber: '4' },
      },
    });
    expect(reader.status().shards.map((s) => [s.shardId, s.state, s.recordsRead])).toEqual([
      ['shardId-000000000000', 'finished', 2],
      ['shardId-000000000001', 'reading', 2],
    ]);
  });
});
