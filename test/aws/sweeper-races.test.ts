import { DeleteItemCommand, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferLedger, type OpenChunk, type StagedChunk } from '../../lib/aws/buffer-ledger.ts';
import { planBuffering } from '../../lib/aws/buffering-plan.ts';
import { forEachLimited } from '../../lib/aws/for-each-limited.ts';
import { STALE_ENQUEUE_MS, type SweepDeps, sweep } from '../../lib/aws/sweeper.ts';
import { createLedgerTable, type Emulators, startEmulators } from './support/emulators.ts';
import { MemoryQueue } from './support/pipeline.ts';

/**
 * The sweeper against dynalite with the ledger's calls interleaved in the orders a reviewer found racy: a buffer
 * Lambda sealing and another shard adding a chunk between the sweeper's reads and its writes. Deterministic: the
 * other parties' calls are made from inside the sweeper's own calls, at the point the race needs.
 */
let emulators: Emulators;
let tables = 0;

beforeAll(async () => {
  emulators = await startEmulators([]);
});

afterAll(async () => {
  await emulators?.stop();
});

const NOW_MS = 1_800_000_000_000;
const INTERVAL_SECONDS = 60;
const P = 'customer=acme/';

async function newLedger(): Promise<BufferLedger> {
  const table = `sweeper-races-${++tables}`;
  await createLedgerTable(emulators.dynamodb, table);
  return new BufferLedger(emulators.dynamodb, table);
}

const chunk = (chunkId: string, arrivalMs: number, bytes = 100): StagedChunk => ({
  chunkId,
  key: `chunks/x/${chunkId}`,
  bytes,
  records: 1,
  arrivalMs,
});

function sweepDeps(
  ledger: BufferLedger,
  nowMs: number,
  log: string[] = [],
): SweepDeps & { queue: MemoryQueue } {
  let id = 0;
  return {
    streamName: 'races',
    plan: planBuffering(
      { sizeBytes: 64 * 1024 * 1024, intervalSeconds: INTERVAL_SECONDS },
      { processesBeforeStaging: true },
    ),
    ledger,
    queue: new MemoryQueue(),
    ids: { uuid: () => `flush-${++id}` } as SweepDeps['ids'],
    metrics: { count: () => {}, gauge: () => {} },
    nowMs: () => nowMs,
    log: (line) => log.push(line),
  };
}

describe('a chunk added while the sweeper forgets its partition', () => {
  it('is swept later: the partition item outlives the race (seal by size, add, SET, forget)', async () => {
    const ledger = await newLedger();
    await ledger.addChunk(P, chunk('c1', NOW_MS));
    // The sweeper has read P (openBytes 100). Before it queries P's chunks, a buffer Lambda seals P by size; after
    // the query (empty), another shard adds c2; then the sweeper corrects the hint and forgets P.
    let raced = false;
    const racy = Object.create(ledger) as BufferLedger;
    racy.openChunks = async (partition) => {
      if (raced) return ledger.openChunks(partition);
      raced = true;
      const sealedBySize = await ledger.claim(
        partition,
        'size-flush',
        await ledger.openChunks(partition),
        NOW_MS,
      );
      expect(sealedBySize?.chunks.map((c) => c.key)).toEqual(['chunks/x/c1']);
      const open = await ledger.openChunks(partition);
      expect(open).toEqual([]);
      expect(await ledger.addChunk(partition, chunk('c2', NOW_MS + 1000))).toBe(true);
      return open;
    };
    const first = await sweep(sweepDeps(racy, NOW_MS));
    expect(first.sealed).toEqual([]);
    // c2 is open, so its partition must still be there for the sweeper, with c2's bytes as its hint.
    expect(await ledger.partitions()).toEqual([{ partition: P, openBytes: 100, chunksAdded: 2 }]);

    const later = sweepDeps(ledger, NOW_MS + 1000 + INTERVAL_SECONDS * 1000);
    const second = await sweep(later);
    expect(second.sealed).toEqual(['flush-1']);
    expect((await ledger.getFlush('flush-1'))?.chunks.map((c) => c.key)).toEqual(['chunks/x/c2']);
    expect(later.queue.messages).toEqual([{ flushId: 'flush-1' }]);
  });

  it('is swept later when the add lands after the delete (the ADD re-creates the item)', async () => {
    const ledger = await newLedger();
    await ledger.addChunk(P, chunk('c1', NOW_MS));
    await ledger.claim(P, 'size-flush', await ledger.openChunks(P), NOW_MS);
    let added = false;
    const racy = Object.create(ledger) as BufferLedger;
    racy.forgetPartition = async (partition, seen) => {
      await ledger.forgetPartition(partition, seen);
      expect(await ledger.partitions()).toEqual([]);
      added = await ledger.addChunk(partition, chunk('c2', NOW_MS + 1000));
    };
    await sweep(sweepDeps(racy, NOW_MS));
    expect(added).toBe(true);
    expect(await ledger.partitions()).toEqual([{ partition: P, openBytes: 100, chunksAdded: 1 }]);
    expect((await sweep(sweepDeps(ledger, NOW_MS + 1000 + INTERVAL_SECONDS * 1000))).sealed).toEqual([
      'flush-1',
    ]);
  });

  it('keeps the hint when a seal and an add bring it back to the value the sweeper read', async () => {
    const ledger = await newLedger();
    await ledger.addChunk(P, chunk('c1', NOW_MS));
    const racy = Object.create(ledger) as BufferLedger;
    let raced = false;
    racy.openChunks = async (partition) => {
      if (raced) return ledger.openChunks(partition);
      raced = true;
      await ledger.claim(partition, 'size-flush', await ledger.openChunks(partition), NOW_MS);
      const open = await ledger.openChunks(partition);
      // Same size as c1: the open-bytes hint reads 100 again, as the sweeper saw it.
      await ledger.addChunk(partition, chunk('c2', NOW_MS + 1000));
      return open;
    };
    await sweep(sweepDeps(racy, NOW_MS));
    expect(await ledger.partitions()).toEqual([{ partition: P, openBytes: 100, chunksAdded: 2 }]);
  });
});

describe('a partition forgotten while a claim seals its flush', () => {
  it('is not brought back with a negative hint by the seal', async () => {
    const ledger = await newLedger();
    const tableName = (ledger as unknown as { tableName: string }).tableName;
    await ledger.addChunk(P, chunk('c1', NOW_MS));
    // The claimer has moved c1 out of the open buffer; before it seals, the sweeper finds P empty and forgets it.
    const sweepingClient = Object.create(emulators.dynamodb) as DynamoDBClient;
    sweepingClient.send = (async (command: unknown) => {
      if (
        command instanceof UpdateItemCommand &&
        String(command.input.UpdateExpression).includes(':sealed')
      ) {
        await sweep(sweepDeps(ledger, NOW_MS));
        expect(await ledger.partitions()).toEqual([]);
      }
      return emulators.dynamodb.send(command as never);
    }) as DynamoDBClient['send'];
    const claimer = new BufferLedger(sweepingClient, tableName);
    const flush = await claimer.claim(P, 'size-flush', await ledger.openChunks(P), NOW_MS);
    expect(flush?.chunks.map((c) => c.key)).toEqual(['chunks/x/c1']);
    expect(await ledger.partitions()).toEqual([]);
    expect((await ledger.pendingFlushes()).map((f) => [f.flushId, f.state])).toEqual([
      ['size-flush', 'sealed'],
    ]);
  });
});

describe('a buffer Lambda that died between staging a chunk and counting it', () => {
  it('re-creates the partition item on the replay, so the chunk is swept', async () => {
    const ledger = await newLedger();
    const tableName = (ledger as unknown as { tableName: string }).tableName;
    await ledger.addChunk(P, chunk('c1', NOW_MS));
    // The state a crash between the two writes leaves: the chunk, and no partition item.
    await emulators.dynamodb.send(
      new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: 'partitions' }, sk: { S: `#${P}` } } }),
    );
    expect(await ledger.partitions()).toEqual([]);
    expect(await ledger.addChunk(P, chunk('c1', NOW_MS))).toBe(false);
    expect(await ledger.partitions()).toEqual([{ partition: P, openBytes: 0, chunksAdded: 1 }]);
    const result = await sweep(sweepDeps(ledger, NOW_MS + INTERVAL_SECONDS * 1000));
    expect(result.sealed).toEqual(['flush-1']);
    expect((await ledger.getFlush('flush-1'))?.chunks.map((c) => c.key)).toEqual(['chunks/x/c1']);
  });
});

describe('a partition or a flush whose ledger calls fail', () => {
  it('is logged and skipped; the other partitions are sealed and the other stale flushes recovered', async () => {
    const ledger = await newLedger();
    for (const partition of ['a/', 'b/', 'c/', 'd/'])
      await ledger.addChunk(partition, chunk(`c-${partition}`, NOW_MS));
    // Two flushes sealed long ago whose enqueue was lost.
    for (const [partition, flushId] of [
      ['c/', 'stale-1'],
      ['d/', 'stale-2'],
    ] as const) {
      const stale = await ledger.claim(partition, flushId, await ledger.openChunks(partition), NOW_MS);
      expect(stale?.state).toBe('sealed');
    }
    const throttled = () => {
      const error = new Error('Rate of requests exceeds the allowed throughput.');
      error.name = 'ProvisionedThroughputExceededException';
      return error;
    };
    const failing = Object.create(ledger) as BufferLedger;
    failing.openChunks = async (partition): Promise<OpenChunk[]> => {
      if (partition === 'b/') throw throttled();
      return ledger.openChunks(partition);
    };
    failing.markEnqueued = async (flushId, nowMs) => {
      if (flushId === 'stale-1') throw throttled();
      return ledger.markEnqueued(flushId, nowMs);
    };
    const log: string[] = [];
    const deps = sweepDeps(failing, NOW_MS + STALE_ENQUEUE_MS, log);
    const result = await sweep(deps);
    expect(result).toEqual({ sealed: ['flush-1'], recovered: ['stale-2'] });
    expect((await ledger.getFlush('flush-1'))?.partition).toBe('a/');
    // stale-1 was enqueued but not marked: the next run enqueues it again (flushes are idempotent).
    expect(deps.queue.messages).toEqual([
      { flushId: 'flush-1' },
      { flushId: 'stale-1' },
      { flushId: 'stale-2' },
    ]);
    const reason = 'left to the next run: ProvisionedThroughputExceededException: Rate of requests';
    expect(log).toEqual([
      expect.stringMatching(new RegExp(`^Sluice sweeper: partition [0-9a-f]+ ${reason}`)),
      expect.stringMatching(new RegExp(`^Sluice sweeper: flush stale-1 ${reason}`)),
    ]);
    expect(log[0]).not.toContain('b/');
  });
});

describe('forEachLimited', () => {
  it('starts no item after one failed', async () => {
    const started: number[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const run = forEachLimited(
      Array.from({ length: 10 }, (_, i) => i),
      async (i) => {
        started.push(i);
        if (i === 0) throw new Error('claim failed');
        await held;
      },
      2,
    );
    await expect(run).rejects.toThrow('claim failed');
    release();
    await held;
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
  });
});
