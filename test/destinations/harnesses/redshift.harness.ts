import { expect } from 'vitest';
import { PostgresCopyLoader } from '../../../lib/adapters/postgres-copy-loader.ts';
import type { DeliveryRecord, FailedRecord } from '../../../lib/core/destinations/contract.ts';
import { resolveRedshiftSettings } from '../../../lib/core/destinations/redshift/config.ts';
import {
  createRedshiftWriter,
  type RedshiftDeliveryResult,
} from '../../../lib/core/destinations/redshift/writer.ts';
import type { CopyRequest, SqlClient, SqlOutcome } from '../../../lib/core/ports.ts';
import { type RunningPostgres, startPostgres } from '../../support/postgres.ts';
import { type DestinationHarness, fakeRetryPorts, MemoryObjectStore, SequentialIds } from './harness.ts';

/** Network trouble between Firehose and the cluster: the COPY never reaches the database. */
export class FlakySqlClient implements SqlClient {
  failures = 0;
  readonly requests: CopyRequest[] = [];
  constructor(private readonly inner: SqlClient) {}
  async copy(request: CopyRequest): Promise<SqlOutcome> {
    this.requests.push(request);
    if (this.failures > 0) {
      this.failures--;
      return { ok: false, kind: 'connection', message: 'Connection terminated unexpectedly' };
    }
    return this.inner.copy(request);
  }
  close() {
    return this.inner.close();
  }
}

export const TABLE_DDL = 'CREATE TABLE events (id integer NOT NULL, name varchar(64))';

export class RedshiftHarness implements DestinationHarness {
  readonly name = 'Redshift (PostgreSQL)';
  readonly notApplicable = {
    partial: 'a COPY loads the whole manifest or nothing (§8)',
    noDuplicate:
      'Firehose does not avoid it: a COPY whose acknowledgement is lost is run again and loads the rows twice (§3.7, at-least-once)',
  };
  readonly transientErrorCode = 'Redshift.ConnectionFailed';
  pg!: RunningPostgres;
  store = new MemoryObjectStore();
  sql!: FlakySqlClient;
  lastResult: RedshiftDeliveryResult | undefined;

  async start() {
    this.pg = await startPostgres();
    await this.pg.query(TABLE_DDL);
  }
  async stop() {
    await this.pg.stop();
  }
  async reset() {
    await this.pg.query('DROP TABLE IF EXISTS events');
    await this.pg.query(TABLE_DDL);
    this.store = new MemoryObjectStore();
    this.sql = new FlakySqlClient(this.loader());
  }

  loader() {
    return new PostgresCopyLoader({
      jdbcUrl: this.pg.jdbcUrl,
      user: 'postgres',
      readObject: (bucket, key) => this.store.getObject(bucket, key),
    });
  }

  async deliver(records: readonly DeliveryRecord[], retryDurationSeconds = 3600) {
    const settings = resolveRedshiftSettings(
      {
        RoleARN: 'arn:aws:iam::123456789012:role/firehose',
        ClusterJDBCURL: this.pg.jdbcUrl,
        CopyCommand: { DataTableName: 'events', DataTableColumns: 'id,name', CopyOptions: "json 'auto'" },
        Username: 'postgres',
        Password: 'unused-password',
        RetryOptions: { DurationInSeconds: retryDurationSeconds },
        S3Configuration: {
          BucketARN: 'arn:aws:s3:::intermediate',
          Prefix: 'stage/',
          CompressionFormat: 'GZIP',
        },
      },
      'intermediate',
    );
    const ports = fakeRetryPorts();
    const writer = createRedshiftWriter(settings, {
      objects: this.store,
      sql: this.sql,
      ids: new SequentialIds(),
      clock: ports.clock,
      streamName: 'contract',
      versionId: '1',
    });
    this.lastResult = await writer.deliver(records, ports);
    return { result: this.lastResult, sleeps: ports.sleeps };
  }

  async readDelivered() {
    const [table] = await this.pg.query<{ t: string | null }>("SELECT to_regclass('events')::text AS t");
    if (!table?.t) return [];
    return this.pg.query<Record<string, unknown>>('SELECT id, name FROM events ORDER BY id');
  }

  failTransiently(attempts: number) {
    this.sql.failures += attempts;
  }

  async failPermanently(records: readonly DeliveryRecord[]) {
    await this.pg.query('DROP TABLE events');
    return {
      records,
      errorCode: 'Redshift.TableNotFound',
      // The batch is skipped as a whole and recorded by its manifest under errors/ (§8).
      fields: () => ({
        errorManifestUrl:
          's3://intermediate/stage/errors/manifests/2016/02/25/13/contract-1-2016-02-25-13-00-00-00000000-0000-4000-8000-000000000003',
      }),
      // §8: one attempt, then one every 5 minutes while the window (600 s) lasts: at 0, 300 and 600 s.
      attemptsMade: 3,
      retryDurationSeconds: 600,
      // The manifest names the staged object that holds every record of the batch (Redshift's manifest format).
      errorOutput: () => ({
        entries: [
          {
            url: expect.stringMatching(
              /^s3:\/\/intermediate\/stage\/2016\/02\/25\/13\/contract-1-2016-02-25-13-00-00-[0-9a-f-]{36}\.gz$/,
            ),
            mandatory: true,
          },
        ],
      }),
    };
  }

  async errorOutputOf(failed: FailedRecord) {
    const url = /^s3:\/\/([^/]+)\/(.+)$/.exec(String(failed.fields.errorManifestUrl));
    const body = url ? await this.store.getObject(url[1]!, url[2]!) : undefined;
    if (!body) throw new Error(`no error manifest at ${failed.fields.errorManifestUrl}`);
    return JSON.parse(Buffer.from(body).toString('utf8')) as Record<string, unknown>;
  }

  itemsPerAttempt() {
    return this.sql.requests.map(() => 1);
  }
}
