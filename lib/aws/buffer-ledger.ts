import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { PartitionKeys } from '../core/s3/prefix-template.ts';
import { forEachLimited } from './for-each-limited.ts';

/** A batch of records staged in S3, waiting to be flushed. */
export interface StagedChunk {
  /** Stable per Kinesis position, so a replayed batch stages the same chunk again instead of a new one. */
  chunkId: string;
  /** S3 key of the chunk in the staging bucket. */
  key: string;
  bytes: number;
  records: number;
  /** Arrival of the chunk's oldest record, ms since the epoch. */
  arrivalMs: number;
  /**
   * With dynamic partitioning, the keys the partition's objects are named with (every record of a partition
   * evaluates to the same prefix, so any record's keys will do). Carried to the flush item by the claim.
   */
  partitionKeys?: PartitionKeys;
}

export type FlushState = 'claiming' | 'sealed' | 'delivered';

export interface FlushItem {
  flushId: string;
  partition: string;
  /**
   * claiming: chunks are being moved to it (the list is not final); sealed: the list is final, the flush can
   * run; delivered: every object is written and only the clean-up is left.
   */
  state: FlushState;
  chunks: Array<{ sortKey: string; key: string }>;
  bytes: number;
  records: number;
  createdAtMs: number;
  enqueuedAtMs: number | undefined;
  /** Objects of this flush already written (planned object roles), so a re-drive skips them. */
  delivered: Set<string>;
  /** The partition's keys, with dynamic partitioning (from its chunks). */
  partitionKeys?: PartitionKeys;
}

/** Chunks per flush: bounds the flush item (DynamoDB items are at most 400 KB) and the GETs of one flush. */
export const MAX_CHUNKS_PER_FLUSH = 500;

const PARTITIONS = 'partitions';
const FLUSHES = 'flushes';
// Key attributes must be non-empty strings and the default partition is '': every partition is prefixed.
const partitionSortKey = (partition: string) => `#${partition}`;
const chunksKey = (partition: string) => `p#${partition}`;
const chunkSortKey = (chunk: StagedChunk) =>
  `c#${String(Math.max(0, Math.floor(chunk.arrivalMs))).padStart(15, '0')}#${chunk.chunkId}`;

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

export type OpenChunk = StagedChunk & { sortKey: string };

/** A partition item as read: its open-bytes hint and its chunk counter (absent on items older than the counter). */
export interface PartitionItem {
  partition: string;
  openBytes: number;
  chunksAdded?: number;
}

/** A condition that holds while no chunk was added to the partition since `seen` was read. */
function unchangedSince(seen: PartitionItem): { expression: string; values: Record<string, AttributeValue> } {
  return seen.chunksAdded === undefined
    ? { expression: 'attribute_not_exists(chunksAdded)', values: {} }
    : { expression: 'chunksAdded = :seenChunks', values: { ':seenChunks': n(seen.chunksAdded) } };
}

/**
 * The buffer ledger in DynamoDB: which staged chunks are in a partition's open buffer and which flush claimed
 * them. Only single-item conditional writes are used (no transactions: cheaper, and the local emulator has
 * none). A chunk moves from open to "claimed by flush F" with one conditional update, so two claimers (shards'
 * buffer Lambdas, the sweeper) can never both take it; a crash mid-claim leaves a flush in `claiming`, which
 * the sweeper finishes (see recoverClaim).
 *
 *   pk 'partitions'    sk '#<partition>'             openBytes: a hint for "size crossed", recomputed by the sweeper;
 *                                                    chunksAdded: a counter that only grows (see forgetPartition)
 *   pk 'p#<partition>' sk 'c#<arrivalMs>#<chunkId>'  key, bytes, records, arrivalMs, open (while unclaimed), flushId,
 *                                                    partitionKeys (JSON, with dynamic partitioning)
 *   pk 'flushes'       sk '<flushId>'                partition, state, chunks, bytes, records, createdAtMs, partitionKeys, …
 */
export class BufferLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Records a staged chunk in its partition's open buffer. False when it was recorded before (a replay). */
  async addChunk(partition: string, chunk: StagedChunk): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: s(chunksKey(partition)),
            sk: s(chunkSortKey(chunk)),
            key: s(chunk.key),
            bytes: n(chunk.bytes),
            records: n(chunk.records),
            arrivalMs: n(chunk.arrivalMs),
            open: s('1'),
            ...(chunk.partitionKeys ? { partitionKeys: s(JSON.stringify(chunk.partitionKeys)) } : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // A replay: the first run may have died between the two writes, so the partition item is (re)made here too.
      await this.chunkAdded(partition, 0);
      return false;
    }
    await this.chunkAdded(partition, chunk.bytes);
    return true;
  }

  /**
   * Partitions that count against the active-partition limit (spec §6): those with open chunks, and those with a
   * flush not yet completed (an undeliverable partition keeps counting). A partition stops counting once its
   * last flush is completed.
   */
  async activePartitions(): Promise<Set<string>> {
    const active = new Set<string>();
    for (const { partition, openBytes } of await this.partitions()) {
      if (openBytes > 0) active.add(partition);
    }
    // Only the partition of each flush: a flush item's chunk list can be long.
    const flushes = await this.query({
      KeyConditionExpression: 'pk = :pk',
      ProjectionExpression: '#partition',
      ExpressionAttributeNames: { '#partition': 'partition' },
      ExpressionAttributeValues: { ':pk': s(FLUSHES) },
    });
    for (const flush of flushes) active.add(flush.partition!.S!);
    return active;
  }

  /** Every partition with its open-bytes hint and its chunk counter, as read now. */
  async partitions(): Promise<PartitionItem[]> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': s(PARTITIONS) },
    });
    return items.map((item) => ({
      partition: item.sk!.S!.slice(1),
      openBytes: Number(item.openBytes?.N ?? 0),
      ...(item.chunksAdded?.N === undefined ? {} : { chunksAdded: Number(item.chunksAdded.N) }),
    }));
  }

  async openBytes(partition: string): Promise<number> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: s(PARTITIONS), sk: s(partitionSortKey(partition)) },
        ConsistentRead: true,
      }),
    );
    return Number(output.Item?.openBytes?.N ?? 0);
  }

  /**
   * Resets the hint to the open chunks' real total (a crash between two writes can leave it off), only if the item
   * is still as `seen` (read before the chunks were): a chunk added or a flush sealed since then changed it, and
   * overwriting would erase that. Refused, the hint is left to the next sweep.
   */
  async setOpenBytes(partition: string, bytes: number, seen: PartitionItem): Promise<void> {
    const unchanged = unchangedSince(seen);
    await this.ignoringRefusal(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: s(PARTITIONS), sk: s(partitionSortKey(partition)) },
        UpdateExpression: 'SET openBytes = :b',
        ConditionExpression: `openBytes = :seenBytes AND ${unchanged.expression}`,
        ExpressionAttributeValues: { ':b': n(bytes), ':seenBytes': n(seen.openBytes), ...unchanged.values },
      }),
    );
  }

  /** The partition's unclaimed chunks, oldest first (strongly consistent). */
  async openChunks(partition: string): Promise<OpenChunk[]> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      FilterExpression: 'attribute_exists(#open)',
      ExpressionAttributeNames: { '#open': 'open' },
      ExpressionAttributeValues: { ':pk': s(chunksKey(partition)), ':c': s('c#') },
    });
    return items.map(toChunk);
  }

  /**
   * Moves chunks from the open buffer to a new flush and seals it. Chunks another claimer took first are left
   * out; the sealed flush (undefined when it got no chunk at all) lists exactly the chunks it owns.
   */
  async claim(
    partition: string,
    flushId: string,
    chunks: readonly OpenChunk[],
    createdAtMs: number,
  ): Promise<FlushItem | undefined> {
    if (chunks.length === 0 || chunks.length > MAX_CHUNKS_PER_FLUSH) {
      throw new RangeError(`A flush claims 1..${MAX_CHUNKS_PER_FLUSH} chunks, got ${chunks.length}`);
    }
    // The flush exists before any chunk names it, so a crash at any later point leaves a visible `claiming` flush.
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: s(FLUSHES),
          sk: s(flushId),
          partition: s(partition),
          state: s('claiming'),
          chunks: { L: [] },
          bytes: n(0),
          records: n(0),
          createdAtMs: n(createdAtMs),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    const claimed: OpenChunk[] = [];
    await forEachLimited(chunks, async (chunk) => {
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { pk: s(chunksKey(partition)), sk: s(chunk.sortKey) },
            UpdateExpression: 'SET flushId = :f REMOVE #open',
            ConditionExpression: 'attribute_exists(#open)',
            ExpressionAttributeNames: { '#open': 'open' },
            ExpressionAttributeValues: { ':f': s(flushId) },
          }),
        );
        claimed.push(chunk);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
    claimed.sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1));
    return this.seal(partition, flushId, claimed, createdAtMs);
  }

  /**
   * Finishes a claim whose claimer died: the chunks naming the flush are found by reading the partition, and
   * the flush is sealed with them.
   */
  async recoverClaim(flush: FlushItem): Promise<FlushItem | undefined> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      FilterExpression: 'flushId = :f',
      ExpressionAttributeValues: {
        ':pk': s(chunksKey(flush.partition)),
        ':c': s('c#'),
        ':f': s(flush.flushId),
      },
    });
    return this.seal(flush.partition, flush.flushId, items.map(toChunk), flush.createdAtMs);
  }

  private async seal(
    partition: string,
    flushId: string,
    chunks: readonly OpenChunk[],
    createdAtMs: number,
  ): Promise<FlushItem | undefined> {
    if (chunks.length === 0) {
      await this.deleteFlush(flushId);
      return undefined;
    }
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.bytes, 0);
    const records = chunks.reduce((sum, chunk) => sum + chunk.records, 0);
    const list = chunks.map((chunk) => ({ sortKey: chunk.sortKey, key: chunk.key }));
    const partitionKeys = chunks.find((chunk) => chunk.partitionKeys)?.partitionKeys;
    await this.updateFlush(
      flushId,
      `SET #state = :sealed, chunks = :c, bytes = :b, records = :r${partitionKeys ? ', partitionKeys = :k' : ''}`,
      {
        ':sealed': s('sealed'),
        ':c': { L: list.map((chunk) => ({ L: [s(chunk.sortKey), s(chunk.key)] })) },
        ':b': n(bytes),
        ':r': n(records),
        ...(partitionKeys ? { ':k': s(JSON.stringify(partitionKeys)) } : {}),
      },
    );
    await this.sealedOpenBytes(partition, bytes);
    return {
      flushId,
      partition,
      state: 'sealed',
      chunks: list,
      bytes,
      records,
      createdAtMs,
      enqueuedAtMs: undefined,
      delivered: new Set(),
      ...(partitionKeys ? { partitionKeys } : {}),
    };
  }

  async markEnqueued(flushId: string, nowMs: number): Promise<void> {
    await this.updateFlush(flushId, 'SET enqueuedAtMs = :t', { ':t': n(nowMs) });
  }

  async markDelivered(flushId: string, role: string): Promise<void> {
    await this.updateFlush(flushId, 'ADD delivered :r', { ':r': { SS: [role] } });
  }

  async markAllDelivered(flushId: string): Promise<void> {
    await this.updateFlush(flushId, 'SET #state = :d', { ':d': s('delivered') });
  }

  async getFlush(flushId: string): Promise<FlushItem | undefined> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: s(FLUSHES), sk: s(flushId) },
        ConsistentRead: true,
      }),
    );
    return output.Item ? toFlush(output.Item) : undefined;
  }

  async pendingFlushes(): Promise<FlushItem[]> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': s(FLUSHES) },
    });
    return items.map(toFlush);
  }

  /** Forgets a delivered flush: its chunks' items first, the flush item last, so a crash leaves it re-drivable. */
  async completeFlush(flush: FlushItem): Promise<void> {
    await forEachLimited(flush.chunks, async (chunk) => {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: s(chunksKey(flush.partition)), sk: s(chunk.sortKey) },
        }),
      );
    });
    await this.deleteFlush(flush.flushId);
  }

  private async deleteFlush(flushId: string): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: { pk: s(FLUSHES), sk: s(flushId) } }),
    );
  }

  /**
   * A chunk's bytes join the hint and the partition's chunk counter moves on, creating the item when it is missing
   * (ADD on a missing item creates it). The counter only ever grows: forgetPartition compares it, see there.
   */
  private async chunkAdded(partition: string, bytes: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: s(PARTITIONS), sk: s(partitionSortKey(partition)) },
        UpdateExpression: 'ADD openBytes :b, chunksAdded :one',
        ExpressionAttributeValues: { ':b': n(bytes), ':one': n(1) },
      }),
    );
  }

  /**
   * A sealed flush's bytes leave the hint. Only on an existing item: the sweeper may have forgotten the partition
   * meanwhile (its chunks were no longer open), and an ADD would bring it back with a negative hint.
   */
  private async sealedOpenBytes(partition: string, bytes: number): Promise<void> {
    await this.ignoringRefusal(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: s(PARTITIONS), sk: s(partitionSortKey(partition)) },
        UpdateExpression: 'ADD openBytes :b',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':b': n(-bytes) },
      }),
    );
  }

  /**
   * Forgets a partition whose buffer was found empty, so partitions of past prefixes (a `!{timestamp}` in the prefix
   * makes new ones every hour) are not swept forever. The caller read the item (`seen`) and then found no open
   * chunk; the delete is conditional on the chunk counter being unchanged since that read. Why no open chunk can
   * be left without a partition item, under any interleaving and any crash (addChunk writes the chunk, then
   * ADDs to the counter):
   * - a chunk whose ADD came before the read was written before the chunk query, so the query saw it (open) or
   *   it was already claimed by a flush, which the sweeper recovers on its own;
   * - a chunk whose ADD comes after the read moved the counter: the delete is refused, or, if the ADD lands after
   *   the delete, the ADD re-creates the item;
   * - a buffer Lambda that died between the chunk and its ADD fails the batch; the replay finds the chunk
   *   recorded and makes the ADD then (with 0 bytes).
   * The open-bytes hint could not serve here: a seal and an add can bring it back to the value seen.
   */
  async forgetPartition(partition: string, seen: PartitionItem): Promise<void> {
    const unchanged = unchangedSince(seen);
    await this.ignoringRefusal(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: { pk: s(PARTITIONS), sk: s(partitionSortKey(partition)) },
        ConditionExpression: unchanged.expression,
        ...(Object.keys(unchanged.values).length > 0 ? { ExpressionAttributeValues: unchanged.values } : {}),
      }),
    );
  }

  /** Sends a conditional write; a refused condition is an answer, not a failure. */
  private async ignoringRefusal(command: UpdateItemCommand | DeleteItemCommand): Promise<void> {
    try {
      if (command instanceof UpdateItemCommand) await this.client.send(command);
      else await this.client.send(command);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async updateFlush(
    flushId: string,
    expression: string,
    values: Record<string, AttributeValue>,
  ): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: s(FLUSHES), sk: s(flushId) },
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(pk)',
        ...(expression.includes('#state') ? { ExpressionAttributeNames: { '#state': 'state' } } : {}),
        ExpressionAttributeValues: values,
      }),
    );
  }

  private async query(
    input: Omit<QueryCommandInput, 'TableName'>,
  ): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          ...input,
          TableName: this.tableName,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(output.Items ?? []));
      start = output.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function toChunk(item: Record<string, AttributeValue>): OpenChunk {
  const sortKey = item.sk!.S!;
  return {
    sortKey,
    chunkId: sortKey.split('#')[2] ?? '',
    key: item.key!.S!,
    bytes: Number(item.bytes!.N),
    records: Number(item.records!.N),
    arrivalMs: Number(item.arrivalMs!.N),
    ...partitionKeysOf(item),
  };
}

function partitionKeysOf(item: Record<string, AttributeValue>): { partitionKeys?: PartitionKeys } {
  const keys = item.partitionKeys?.S;
  return keys === undefined ? {} : { partitionKeys: JSON.parse(keys) as PartitionKeys };
}

function toFlush(item: Record<string, AttributeValue>): FlushItem {
  return {
    flushId: item.sk!.S!,
    partition: item.partition!.S!,
    state: (item.state?.S ?? 'claiming') as FlushState,
    chunks: (item.chunks?.L ?? []).map((entry) => ({ sortKey: entry.L![0]!.S!, key: entry.L![1]!.S! })),
    bytes: Number(item.bytes?.N ?? 0),
    records: Number(item.records?.N ?? 0),
    createdAtMs: Number(item.createdAtMs!.N),
    enqueuedAtMs: item.enqueuedAtMs?.N === undefined ? undefined : Number(item.enqueuedAtMs.N),
    delivered: new Set(item.delivered?.SS ?? []),
    ...partitionKeysOf(item),
  };
}
