import { createHash } from 'node:crypto';
import { resolveCreateInput, toResolvedStream } from '../core/config/index.ts';
import type { ResolvedStream } from '../core/config/resolved.ts';
import { type PlannedObject, planS3Objects } from '../core/delivery/s3-objects.ts';
import type { ObjectStore, Telemetry } from '../core/ports.ts';
import type { PendingRun, RecordRun } from '../core/records.ts';
import type { DeliveryAdapters } from './delivery-adapters.ts';
import type { FlushDeadline } from './flush-deadline.ts';
import { SeededIds } from './seeded-ids.ts';
import { deliverToWriter } from './writer-delivery.ts';

export interface DeliverOptions {
  flushId: string;
  /** A fixed instant of the flush (not the clock): a re-drive renders the same keys and bodies. */
  flushedAtMs: number;
  store: ObjectStore;
  metrics: Telemetry;
  nowMs(): number;
  /** Objects of this flush written by an earlier attempt (deliveredMarker of each). */
  delivered: ReadonlySet<string>;
  onDelivered(marker: string): Promise<void>;
  /** Every put, transform call and backoff stays within it. */
  deadline: FlushDeadline;
  adapters: DeliveryAdapters;
}

/** The ledger's markers for a writer destination's finished send and first send (no object key has this form). */
const WRITER_SENT = 'writer:sent';
const WRITER_FIRST_SENT = 'writer:first-sent:';

function firstSentAtMs(delivered: ReadonlySet<string>): number | undefined {
  for (const marker of delivered) {
    if (marker.startsWith(WRITER_FIRST_SENT)) return Number(marker.slice(WRITER_FIRST_SENT.length));
  }
  return undefined;
}

/**
 * What the ledger records for a written object: its bucket and key. Not its role: a flush can write several
 * ErrorOutput objects (one per error-output type), and each must be written even if another was.
 *
 * With `content`, a digest of the body too. A Lambda transform may answer differently on a re-drive (a record Ok
 * before fails now), and the re-drive renders other records under a key an earlier attempt wrote; recorded by key
 * alone, that object would be skipped and the records only it holds lost. Recorded with its content, it is written
 * again (an overwrite), so every record is in what the last attempt wrote.
 */
export function deliveredMarker(object: PlannedObject, content = false): string {
  const marker = `${object.put.bucket}/${object.put.key}`;
  if (!content) return marker;
  const hash = createHash('sha256');
  for (const chunk of Array.isArray(object.put.body) ? object.put.body : [object.put.body])
    hash.update(chunk);
  return `${marker}#${hash.digest('hex').slice(0, 32)}`;
}

/**
 * Delivers one flush: processors → format conversion → compression → keys (planS3Objects, the core's stage
 * order), then the puts; for a writer destination, processors → send → error output and backup (deliverToWriter).
 * Keys come from ids seeded by the flush ID, so a re-driven flush overwrites its own objects (DESIGN.md AWS
 * invariant 4), and objects an earlier attempt recorded as written are skipped (with a Lambda transform, only
 * when their bytes are the same; see deliveredMarker).
 *
 * A re-drive runs the processors again (a Lambda transform is invoked again), except for a writer destination
 * whose send had finished. Invocation IDs come from their own seed, so the S3 keys do not depend on how many calls
 * a run made; a writer's processing-failed keys do (they follow the invocation IDs), so a re-drive that makes
 * other calls writes its documents under new keys (at least once, never lost).
 */
export async function deliverFlush(
  runs: readonly PendingRun[],
  stream: ResolvedStream,
  options: DeliverOptions,
): Promise<void> {
  let seq = 0;
  const batch: RecordRun[] = runs.map((run) => {
    const withSeq = { ...run, firstSeq: seq };
    seq += run.ends.length;
    return withSeq;
  });
  const { adapters, deadline } = options;
  const ids = new SeededIds(options.flushId);
  const processing = {
    ...(adapters.invoker ? { invoker: deadline.bound(adapters.invoker) } : {}),
    clock: { nowMs: options.nowMs },
    jitter: adapters.jitter ?? Math.random,
    sleep: (ms: number) => deadline.sleep(ms),
  };
  const oldestMs = runs.reduce((min, run) => Math.min(min, run.arrivalMs), Number.POSITIVE_INFINITY);
  // Only a Lambda transform can make a re-drive render other bytes under a key (see deliveredMarker).
  const byContent = stream.destination.processors.some((processor) => processor.type === 'Lambda');
  const putObjects = (objects: readonly PlannedObject[]) =>
    putPlannedObjects(objects, stream, options, { oldestMs, byContent });
  const writer = stream.writer;
  const planned = writer
    ? await deliverToWriter(batch, stream, writer, {
        flushId: options.flushId,
        ids,
        writerIds: new SeededIds(`${options.flushId}/writer`),
        nowMs: options.flushedAtMs,
        region: adapters.region,
        store: options.store,
        metrics: options.metrics,
        retry: { clock: processing.clock, jitter: processing.jitter, sleep: processing.sleep },
        destinations: adapters.destinations?.(deadline) ?? {},
        processing,
        putObjects,
        sent: options.delivered.has(WRITER_SENT),
        markSent: () => options.onDelivered(WRITER_SENT),
        firstSentAtMs: firstSentAtMs(options.delivered),
        markFirstSent: (atMs) => options.onDelivered(`${WRITER_FIRST_SENT}${atMs}`),
      })
    : await planS3Objects(batch, stream, {
        ids,
        nowMs: options.flushedAtMs,
        region: adapters.region,
        accountId: adapters.accountId,
        ...(adapters.glueTables ? { glueTables: adapters.glueTables } : {}),
        processing: {
          ...processing,
          // Invocation IDs from their own seed: the keys above must not depend on how many calls a run made.
          ids: new SeededIds(`${options.flushId}:invocations`),
        },
      });
  await putObjects(planned);
}

/** Puts the objects the ledger does not have yet, recording and counting each; a failed put throws (re-drive). */
async function putPlannedObjects(
  objects: readonly PlannedObject[],
  stream: ResolvedStream,
  options: DeliverOptions,
  { oldestMs, byContent }: { oldestMs: number; byContent: boolean },
): Promise<void> {
  for (const object of objects) {
    const marker = deliveredMarker(object, byContent);
    if (options.delivered.has(marker)) continue;
    options.deadline.check();
    try {
      await options.store.putObject(object.put);
    } catch (error) {
      options.metrics.gauge(stream.name, `${object.role}.Success`, 0);
      throw error;
    }
    await options.onDelivered(marker);
    // Firehose's names (spec §11); `.Success` is 1 per successful attempt, 0 per failed one (Average = ratio).
    options.metrics.count(stream.name, `${object.role}.Records`, object.records);
    options.metrics.count(stream.name, `${object.role}.Bytes`, object.bytes);
    options.metrics.count(stream.name, `${object.role}.ObjectCount`, 1);
    options.metrics.gauge(stream.name, `${object.role}.Success`, 1);
    if (Number.isFinite(oldestMs)) {
      options.metrics.gauge(
        stream.name,
        `${object.role}.DataFreshness`,
        Math.max(0, Math.round((options.nowMs() - oldestMs) / 1000)),
      );
    }
  }
}

/**
 * The stream's CreateDeliveryStream input (as the CDK construct wrote it) resolved by the core, exactly as the
 * local runtime resolves its streams.
 */
export function resolveStreamConfig(
  json: string,
  ctx: { region: string; accountId: string; nowMs: number },
): ResolvedStream {
  const stored = resolveCreateInput(JSON.parse(json), ctx);
  return toResolvedStream({ ...stored, status: 'ACTIVE' }, ctx);
}
