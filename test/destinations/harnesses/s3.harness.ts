import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { DeliveryRecord } from '../../../lib/core/destinations/contract.ts';
import type { DeliveryStreamStatus } from '../../../lib/local/delivery-stream-runtime.ts';
import { S3FaultProxy } from '../../support/s3-fault-proxy.ts';
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from '../../support/s3rver.ts';
import { firehoseClient, type InProcessSluice, s3StreamInput, startSluice } from '../../support/sluice.ts';
import { waitFor } from '../../support/wait-for.ts';
import type { ContractCase } from './harness.ts';

export const BUCKET = 'contract';
export const BACKUP_BUCKET = 'contract-backup';
export const TRANSFORM_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:reject-high-ids';
const GLUE_TABLE = { DatabaseName: 'contract', TableName: 'events' };

/**
 * Attempts the runtime's S3 client makes per put before the error reaches the runtime's own retry loop
 * (S3ObjectStore's `maxAttempts` default). Faults beyond it make the runtime back off and retry the batch.
 */
export const SDK_ATTEMPTS_PER_PUT = 3;

/** A stream created for one test, with its own key prefixes so tests never see each other's objects. */
export interface S3Stream {
  name: string;
  dataPrefix: string;
  errorPrefix: string;
  backupPrefix: string;
}

export interface S3StreamOptions {
  /** S3BackupMode Enabled: the source records also go to BACKUP_BUCKET (spec §3.5). */
  backup?: boolean;
  /** A transform Lambda (TRANSFORM_ARN) that fails records with `id` >= 100 (spec §5.3). */
  transform?: boolean;
  /** JSON → Parquet against the Glue table contract.events (spec §7). */
  conversion?: boolean;
}

/**
 * The S3 writer as Firehose users meet it: the local runtime (`sluice start` in this process) takes records over the
 * Firehose API and delivers them with its real S3 client to s3rver, through a fault proxy that fails chosen PUTs.
 * Objects are read back from s3rver directly, bypassing the proxy.
 *
 * Firehose's S3 delivery never gives up within 24 h (spec §3.7), so the contract's cases read differently here:
 * a permanent failure is a record that fails processing or conversion; a partial failure is one object of a batch
 * (the backup, an error output) failing while the others were written.
 */
export class S3Harness {
  readonly name = 'S3 (local runtime → fault proxy → s3rver)';
  readonly notApplicable: Partial<Record<ContractCase, string>> = {
    retryWindow:
      'Firehose retries S3 delivery for 24 h before dropping data (§3.7); Sluice never drops an acknowledged ' +
      'record and stalls instead, which test/integration/s3-endpoint.test.ts covers with s3rver down',
  };
  s3rver!: RunningS3rver;
  proxy!: S3FaultProxy;
  sluice!: InProcessSluice;
  private s3!: S3Client;
  private streams = 0;

  async start() {
    this.s3rver = await startS3rver({ buckets: [BUCKET, BACKUP_BUCKET] });
    this.proxy = new S3FaultProxy(this.s3rver.endpoint);
    const proxyEndpoint = await this.proxy.start();
    this.sluice = await startSluice({
      s3: {
        endpoint: proxyEndpoint,
        region: 'us-east-1',
        credentials: S3RVER_CREDENTIALS,
        forcePathStyle: true,
      },
      lambdaFunctions: {
        [TRANSFORM_ARN]: `${join(import.meta.dirname, '..', 'fixtures', 'reject-high-ids.mjs')}#handler`,
      },
      glueTables: {
        [`${GLUE_TABLE.DatabaseName}.${GLUE_TABLE.TableName}`]: {
          Columns: [
            { Name: 'id', Type: 'int' },
            { Name: 'name', Type: 'string' },
          ],
        },
      },
    });
    this.s3 = new S3Client({
      endpoint: this.s3rver.endpoint,
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async stop() {
    this.s3?.destroy();
    await this.sluice?.close();
    await this.proxy?.stop();
    await this.s3rver?.stop();
  }

  reset() {
    this.proxy.reset();
  }

  async createStream(options: S3StreamOptions = {}): Promise<S3Stream> {
    const name = `contract-${++this.streams}`;
    const stream = {
      name,
      dataPrefix: `${name}/data/`,
      errorPrefix: `${name}/errors/`,
      backupPrefix: `${name}/source/`,
    };
    const destination: Record<string, unknown> = {
      BucketARN: `arn:aws:s3:::${BUCKET}`,
      Prefix: stream.dataPrefix,
      ErrorOutputPrefix: `${stream.errorPrefix}!{firehose:error-output-type}/`,
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 900 },
    };
    if (options.conversion) {
      destination.DataFormatConversionConfiguration = {
        SchemaConfiguration: { ...GLUE_TABLE, RoleARN: 'arn:aws:iam::000000000000:role/glue' },
        InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
        OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
      };
    } else {
      destination.CompressionFormat = 'GZIP';
      const transform = {
        Type: 'Lambda',
        Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: TRANSFORM_ARN }],
      };
      destination.ProcessingConfiguration = {
        Enabled: true,
        Processors: [...(options.transform ? [transform] : []), { Type: 'AppendDelimiterToRecord' }],
      };
    }
    if (options.backup) {
      destination.S3BackupMode = 'Enabled';
      destination.S3BackupConfiguration = {
        RoleARN: 'arn:aws:iam::000000000000:role/firehose',
        BucketARN: `arn:aws:s3:::${BACKUP_BUCKET}`,
        Prefix: stream.backupPrefix,
      };
    }
    await this.sluice.runtime.execute('CreateDeliveryStream', s3StreamInput(name, destination));
    return stream;
  }

  /** Sends the records with PutRecordBatch through the real Firehose SDK client. */
  async put(stream: S3Stream, records: readonly DeliveryRecord[]): Promise<void> {
    const client = firehoseClient(this.sluice.endpoint);
    try {
      const out = await client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: stream.name,
          Records: records.map((r) => ({ Data: r.data })),
        }),
      );
      if (out.FailedPutCount !== 0) throw new Error(`${out.FailedPutCount} records were refused`);
    } finally {
      client.destroy();
    }
  }

  /**
   * Flushes the stream and waits until all of it is delivered. Each time delivery stalls, another flush cuts the
   * backoff short (this harness is about what is retried, not when); returns every stall seen and the final status.
   */
  async flush(stream: S3Stream): Promise<{ status: DeliveryStreamStatus; stalls: DeliveryStreamStatus[] }> {
    const runtime = this.sluice.runtime;
    let done = false;
    const flushed = runtime.flush(stream.name).finally(() => {
      done = true;
    });
    const stalls: DeliveryStreamStatus[] = [];
    await waitFor(
      `${stream.name} to be delivered`,
      async () => {
        if (done) return true;
        const status = await this.status(stream);
        // A stall stays reported while its retry runs; a new failure sets a new retry time.
        if (status.stalled && status.nextRetryAtMs !== stalls.at(-1)?.nextRetryAtMs) {
          stalls.push(status);
          void runtime.flush(stream.name);
        }
        return false;
      },
      { timeoutMs: 30_000 },
    );
    await flushed;
    return { status: await this.status(stream), stalls };
  }

  async status(stream: S3Stream): Promise<DeliveryStreamStatus> {
    const status = (await this.sluice.runtime.status()).find((s) => s.name === stream.name);
    if (!status) throw new Error(`no status for ${stream.name}`);
    return status;
  }

  /** Every object under `prefix`, decompressed when its key says GZIP (`.gz`, spec §3.4). */
  async objects(prefix: string, bucket = BUCKET): Promise<Map<string, Buffer>> {
    const listed = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const out = new Map<string, Buffer>();
    for (const { Key } of listed.Contents ?? []) {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: Key! }));
      const body = Buffer.from(await object.Body!.transformToByteArray());
      out.set(Key!, Key!.endsWith('.gz') ? gunzipSync(body) : body);
    }
    return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The JSON documents of every newline-delimited object under `prefix`. */
  async documents(prefix: string, bucket = BUCKET): Promise<Array<Record<string, unknown>>> {
    return [...(await this.objects(prefix, bucket)).values()].flatMap((body) =>
      body
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
  }
}
