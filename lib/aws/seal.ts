import type { IdSource } from '../core/ports.ts';
import { type BufferLedger, MAX_CHUNKS_PER_FLUSH, type OpenChunk } from './buffer-ledger.ts';
import type { FlushQueue } from './flush-queue.ts';

export interface SealDeps {
  ledger: BufferLedger;
  queue: FlushQueue;
  ids: IdSource;
  nowMs(): number;
  sizeBytes: number;
}

/** Claim attempts lost to concurrent claimers before giving up until the next trigger. */
const MAX_ROUNDS = 64;

/**
 * Turns a partition's open buffer into flushes and enqueues them. `due`: the interval elapsed, so everything
 * open goes; otherwise only whole buffers of at least the size hint (the rest keeps buffering). A flush takes
 * the oldest chunks up to the size hint (Firehose's hint is a target, not a cap: an object can be a little
 * over by a chunk) and at most MAX_CHUNKS_PER_FLUSH chunks.
 */
export async function sealPartition(partition: string, due: boolean, deps: SealDeps): Promise<string[]> {
  const flushIds: string[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const open = await deps.ledger.openChunks(partition);
    const openBytes = open.reduce((sum, chunk) => sum + chunk.bytes, 0);
    if (open.length === 0 || (!due && openBytes < deps.sizeBytes)) break;
    const take = takeUpToSize(open, deps.sizeBytes);
    const flushId = deps.ids.uuid();
    const flush = await deps.ledger.claim(partition, flushId, take, deps.nowMs());
    if (!flush) continue;
    await deps.queue.enqueue({ flushId });
    await deps.ledger.markEnqueued(flushId, deps.nowMs());
    flushIds.push(flushId);
  }
  return flushIds;
}

function takeUpToSize(open: readonly OpenChunk[], sizeBytes: number): OpenChunk[] {
  const take: OpenChunk[] = [];
  let bytes = 0;
  for (const chunk of open) {
    if (take.length > 0 && (bytes >= sizeBytes || bytes + chunk.bytes > sizeBytes)) break;
    if (take.length === MAX_CHUNKS_PER_FLUSH) break;
    take.push(chunk);
    bytes += chunk.bytes;
  }
  return take;
}
