import { resolveCreateInput, toResolvedStream } from '../core/config/index.ts';
import type { ResolvedStream } from '../core/config/resolved.ts';
import { planS3Objects } from '../core/delivery/s3-objects.ts';
import { SluiceError } from '../core/errors.ts';
import type { ObjectStore, Telemetry } from '../core/ports.ts';
import type { PendingRun, RecordRun } from '../core/records.ts';
import { SeededIds } from './seeded-ids.ts';

/** A flush stopped before the Lambda's deadline; what is left is re-driven (SQS redelivery, Kinesis retry). */
export class FlushDeadlineError extends SluiceError {
  constructor(flushId: string) {
    super(
      'Sluice.FlushDeadline',
      `Flush ${flushId} stopped before the Lambda timeout; it will be re-driven.`,
    );
  }
}

export interface DeliverOptions {
  flushId: string;
  /** A fixed instant of the flush (not the clock): a re-drive renders the same keys and bodies. */
  flushedAtMs: number;
  store: ObjectStore;
  metrics: Telemetry;
  nowMs(): number;
  /** Objects of this flush written by an earlier attempt. */
  delivered: ReadonlySet<string>;
  onDelivered(role: string): Promise<void>;
  /** Throws FlushDeadlineError when too little time is left for another put. */
  checkDeadline(): void;
}

/**
 * Delivers one flush: processors → compression → keys (planS3Objects, the core's stage order), then the puts.
 * Keys come from ids seeded by the flush ID, so a re-driven flush overwrites its own objects (DESIGN.md AWS
 * invariant 4), and objects an earlier attempt recorded as written are skipped.
 *
 * Destination seam: only the S3 family is resolved by the core today. The HTTP endpoint, OpenSearch and
 * Redshift writers plug in here, chosen by the resolved destination's type, once the core resolves them.
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
  const planned = await planS3Objects(batch, stream, {
    ids: new SeededIds(options.flushId),
    nowMs: options.flushedAtMs,
  });
  const oldestMs = runs.reduce((min, run) => Math.min(min, run.arrivalMs), Number.POSITIVE_INFINITY);
  for (const object of planned) {
    if (options.delivered.has(object.role)) continue;
    options.checkDeadline();
    try {
      await options.store.putObject(object.put);
    } catch (error) {
      options.metrics.gauge(stream.name, `${object.role}.Success`, 0);
      throw error;
    }
    await options.onDelivered(object.role);
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
