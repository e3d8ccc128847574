import { NodeHttpTransport } from '../adapters/http-transport.ts';
import type { OpenSearchSettings } from '../core/destinations/opensearch/config.ts';
import type { RedshiftSettings } from '../core/destinations/redshift/config.ts';
import { effectiveCopyOptions } from '../core/destinations/redshift/copy-command.ts';
import { SluiceError } from '../core/errors.ts';
import type { BulkIndexClient, HttpTransport, ObjectStore, SqlClient } from '../core/ports.ts';

/** An object store the local Redshift loader can read manifests and staged objects back from. */
interface ReadableStore extends ObjectStore {
  getObject(bucket: string, key: string): Promise<{ body: Uint8Array } | undefined>;
}

function isReadable(store: ObjectStore): store is ReadableStore {
  return typeof (store as Partial<ReadableStore>).getObject === 'function';
}

/**
 * The destination adapters of the local runtime, shared by its streams: one HTTP transport (§10), one `_bulk`
 * client per OpenSearch cluster (§9), and a PostgreSQL COPY loader per Redshift writer (§8). The OpenSearch client
 * and `pg` load on first use: a runtime that only writes to S3 never pays for them.
 */
export class LocalDestinationAdapters {
  readonly http: HttpTransport = new NodeHttpTransport();
  private readonly bulkClients = new Map<string, BulkIndexClient>();

  constructor(
    private readonly store: ObjectStore,
    /** Self-managed clusters' basic-auth credentials by endpoint (the config file's `openSearchBasicAuth`). */
    private readonly basicAuth: Readonly<Record<string, { username: string; password: string }>> = {},
  ) {}

  /**
   * Locally a cluster is reached through its ClusterEndpoint (or CollectionEndpoint), with HTTP basic auth when
   * the config file lists the endpoint (a self-managed cluster, spec §9) and without authentication otherwise;
   * the AWS runtime signs with SigV4.
   */
  bulkClient(settings: OpenSearchSettings): BulkIndexClient {
    const endpoint = settings.endpoint;
    if (!endpoint) {
      throw new SluiceError(
        'OpenSearchEndpointMissing',
        'Locally an OpenSearch destination needs ClusterEndpoint (or CollectionEndpoint) to reach a cluster; DomainARN alone names an AWS domain.',
      );
    }
    let client = this.bulkClients.get(endpoint);
    if (!client) {
      const credentials = this.basicAuth[endpoint] ?? this.basicAuth[endpoint.replace(/\/+$/, '')];
      const auth = credentials ? { kind: 'basic' as const, ...credentials } : { kind: 'none' as const };
      const loading = import('../adapters/opensearch-bulk-client.ts').then(
        ({ OpenSearchBulkClient }) => new OpenSearchBulkClient({ endpoint, auth }),
      );
      client = { bulk: async (ndjson) => (await loading).bulk(ndjson) };
      this.bulkClients.set(endpoint, client);
    }
    return client;
  }

  /**
   * The SqlClient a Redshift writer COPYs through. Locally that is PostgreSQL, reached by a `jdbc:postgresql://`
   * URL with the destination's Username and Password. What cannot work locally is thrown here rather than failing
   * every COPY until the retry window closes and the batch is skipped: the delivery stalls with the reason in
   * `sluice status`, and the records wait in the log for an UpdateDestination that fixes it. No message names the
   * password.
   */
  async redshiftSql(settings: RedshiftSettings): Promise<SqlClient> {
    if (settings.cluster.kind !== 'postgresql') {
      throw new SluiceError(
        'RedshiftNotLocal',
        `Locally a Redshift destination loads into PostgreSQL: give a jdbc:postgresql://<host>:<port>/<database> ClusterJDBCURL (got ${settings.clusterJdbcUrl.slice(0, 200)}; Redshift clusters are loaded by the AWS runtime through the Redshift Data API).`,
      );
    }
    if (settings.username === undefined) {
      throw new SluiceError(
        'RedshiftCredentialsMissing',
        'Locally SecretsManagerConfiguration is not read: give the Redshift destination a Username and Password for the PostgreSQL server.',
      );
    }
    const store = this.store;
    if (!isReadable(store)) {
      throw new SluiceError(
        'ObjectStoreNotReadable',
        'The object store cannot read objects back, which the local Redshift loader needs.',
      );
    }
    const { PostgresCopyLoader, planPostgresCopy } = await import('../adapters/postgres-copy-loader.ts');
    const planned = planPostgresCopy(
      effectiveCopyOptions(settings.copyOptions, settings.compressionFormat === 'GZIP'),
    );
    if ('problems' in planned) {
      throw new SluiceError(
        'CopyOptionsNotLoadable',
        `The local PostgreSQL loader cannot apply these CopyOptions: ${planned.problems.join(' ')}`,
      );
    }
    return new PostgresCopyLoader({
      jdbcUrl: settings.clusterJdbcUrl,
      user: settings.username,
      ...(settings.password === undefined ? {} : { password: settings.password }),
      readObject: async (bucket, key) => (await store.getObject(bucket, key))?.body,
    });
  }
}
