import { codecFor } from '../../compression/index.ts';
import type { Clock, CopyRequest, IdSource, ObjectStore, SqlClient } from '../../ports.ts';
import type { BackoffPolicy } from '../../retry.ts';
import { compileObjectKeys } from '../../s3/object-key.ts';
import type {
  BatchAttempts,
  DeliveryRecord,
  DeliveryResult,
  DestinationWriter,
  RetryPolicy,
} from '../contract.ts';
import { type RetryPorts, runAttempts } from '../retry-driver.ts';
import { SerialQueue } from '../serial-queue.ts';
import type { RedshiftSettings } from './config.ts';
import { buildCopyCommand, columnList, effectiveCopyOptions } from './copy-command.ts';
import { redshiftErrorOf } from './error-codes.ts';
import { manifestBody, manifestKeys, manifestOf, s3Url } from './manifest.ts';

/** §8: the console documents a retry every 5 minutes within RetryOptions.DurationInSeconds. */
export const REDSHIFT_BACKOFF: BackoffPolicy = { baseMs: 300_000, maxMs: 300_000, jitterFraction: 0 };
/** §8: the window includes the first attempt, and an attempt that outlasts it is not retried. */
export const REDSHIFT_RETRY_POLICY: RetryPolicy = { backoff: REDSHIFT_BACKOFF, windowFrom: 'first-attempt' };

export interface RedshiftWriterDeps {
  objects: ObjectStore;
  sql: SqlClient;
  ids: IdSource;
  clock: Clock;
  streamName: string;
  versionId: string;
}

/** Where a batch was staged and how it is loaded. */
export interface RedshiftBatchPlan {
  /** The intermediate object holding the batch's records. */
  object: { bucket: string; key: string };
  manifestKey: string;
  /** Where the manifest is copied if the batch is skipped (§8). */
  errorManifestKey: string;
  copy: CopyRequest;
}

export interface RedshiftBatch extends BatchAttempts {
  readonly plan: RedshiftBatchPlan;
}

export interface RedshiftDeliveryResult extends DeliveryResult {
  readonly plan: RedshiftBatchPlan;
  /** Set when the batch was skipped: the error manifest written for a manual backfill (§8). */
  readonly errorManifestKey: string | undefined;
}

export interface RedshiftWriter extends DestinationWriter {
  begin(records: readonly DeliveryRecord[]): Promise<RedshiftBatch>;
  /** Stages, loads with retries, and on failure leaves the error manifest: the whole §8 flow for one batch. */
  deliver(records: readonly DeliveryRecord[], ports: RetryPorts): Promise<RedshiftDeliveryResult>;
}

/**
 * The Redshift destination (§8). `begin` writes the batch to the intermediate bucket as an S3 destination would
 * (expression-free prefix + `yyyy/MM/dd/HH/` + `<stream>-<version>-<time>-<uuid><ext>`, §3.1) and a manifest
 * naming it; each attempt is one COPY of that manifest, queued behind the stream's other COPYs. Object-store
 * failures while staging are thrown, for the runtime to retry as it retries S3 delivery (§3.7). Redshift has no
 * per-record error documents (§4.2): a skipped batch is recorded by its manifest under `errors/`.
 */
export function createRedshiftWriter(settings: RedshiftSettings, deps: RedshiftWriterDeps): RedshiftWriter {
  const queue = new SerialQueue();
  const keys = compileObjectKeys({ prefix: '', errorOutputPrefix: undefined });
  const codec = codecFor(settings.compressionFormat);

  const begin = async (records: readonly DeliveryRecord[]): Promise<RedshiftBatch> => {
    const nowMs = deps.clock.nowMs();
    const keyContext = {
      streamName: deps.streamName,
      versionId: deps.versionId,
      instantMs: records[0]?.arrivalMs ?? nowMs,
      timeZone: 'UTC',
      ids: deps.ids,
    };
    const object = {
      bucket: settings.bucket,
      key: settings.prefix + keys.dataKey(keyContext, codec.extension),
    };
    await deps.objects.putObject({
      ...object,
      body: await codec.compress(
        records.map((r) => r.data),
        { uuid: deps.ids.uuid(), nowMs },
      ),
      contentType: 'application/octet-stream',
      ...(codec.contentEncoding ? { contentEncoding: codec.contentEncoding } : {}),
    });
    const { key: manifestKey, errorKey: errorManifestKey } = manifestKeys(
      settings.prefix,
      keys.dataKey(keyContext, ''),
    );
    await deps.objects.putObject({
      bucket: settings.bucket,
      key: manifestKey,
      body: manifestBody(manifestOf([object])),
      contentType: 'application/json',
    });
    const manifestUrl = s3Url(settings.bucket, manifestKey);
    const copy: CopyRequest = {
      statement: buildCopyCommand({
        dataTableName: settings.dataTableName,
        dataTableColumns: settings.dataTableColumns,
        copyOptions: settings.copyOptions,
        manifestUrl,
        roleArn: settings.roleArn,
        compressed: settings.compressionFormat === 'GZIP',
      }),
      table: settings.dataTableName,
      columns: columnList(settings.dataTableColumns),
      copyOptions: effectiveCopyOptions(settings.copyOptions, settings.compressionFormat === 'GZIP'),
      manifest: { bucket: settings.bucket, key: manifestKey, url: manifestUrl },
    };
    const plan: RedshiftBatchPlan = { object, manifestKey, errorManifestKey, copy };
    return {
      plan,
      async attempt() {
        const outcome = await queue.run(() => deps.sql.copy(copy));
        // §8: every failure (bad config, maintenance, network) is retried until the window closes.
        return outcome.ok ? { kind: 'delivered' } : { kind: 'retry', error: redshiftErrorOf(outcome) };
      },
      failureFields: () => ({ errorManifestUrl: s3Url(settings.bucket, errorManifestKey) }),
    };
  };

  const writer: RedshiftWriter = {
    errorOutputType: undefined,
    retryPolicy: REDSHIFT_RETRY_POLICY,
    retryDurationSeconds: settings.retryDurationSeconds,
    begin,
    async deliver(records, ports) {
      const batch = await begin(records);
      const result = await runAttempts(
        { batch, policy: REDSHIFT_RETRY_POLICY, retryDurationSeconds: settings.retryDurationSeconds },
        records,
        ports,
      );
      if (result.failed.length === 0) return { ...result, plan: batch.plan, errorManifestKey: undefined };
      await deps.objects.putObject({
        bucket: settings.bucket,
        key: batch.plan.errorManifestKey,
        body: manifestBody(manifestOf([batch.plan.object])),
        contentType: 'application/json',
      });
      return { ...result, plan: batch.plan, errorManifestKey: batch.plan.errorManifestKey };
    },
  };
  return writer;
}
