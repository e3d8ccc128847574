import type { AwsCredentials } from '../adapters/opensearch-bulk-client.ts';
import type { OpenSearchSettings } from '../core/destinations/opensearch/config.ts';
import type { RedshiftSettings } from '../core/destinations/redshift/config.ts';
import { SluiceError } from '../core/errors.ts';
import type { BulkIndexClient, HttpTransport, SqlClient } from '../core/ports.ts';
import type { DestinationPorts } from '../local/destination-writer.ts';
import type { FlushDeadline } from './flush-deadline.ts';

/** The outside world a writer destination reaches on AWS; SDK-backed in the Lambda, stand-ins in tests. */
export interface AwsDestinationClients {
  http: HttpTransport;
  /** A secret's SecretString (Secrets Manager GetSecretValue). */
  secretString(secretArn: string): Promise<string>;
  /** A `_bulk` client for a cluster URL, signing with SigV4 for `es` or `aoss` in `region`. */
  bulkClient(endpoint: string, signing: { region: string; service: 'es' | 'aoss' }): BulkIndexClient;
  /** A Redshift Data API SqlClient for the cluster or workgroup, polling with `sleep`. */
  redshiftData(settings: RedshiftSettings, sleep: (ms: number) => Promise<void>): SqlClient;
}

export type { AwsCredentials };

/**
 * The destination ports of one flush on AWS, every wait bounded by its deadline:
 * - HTTP endpoint: the transport, with `X-Amz-Firehose-Access-Key` from SecretsManagerConfiguration's secret
 *   (`{"api_key": …}`, as Firehose reads it) when the configuration names one; the key is never logged.
 * - OpenSearch: the cluster URL (ClusterEndpoint or CollectionEndpoint; the construct writes it), SigV4 for `es`,
 *   or `aoss` for Serverless collections.
 * - Redshift: the Data API (provisioned clusters and Serverless workgroups), polling within the deadline.
 */
export function awsDestinationPorts(
  clients: AwsDestinationClients,
  ctx: { region: string; httpSecretArn: string | undefined },
  deadline: FlushDeadline,
): DestinationPorts {
  return {
    http: deadline.boundHttp(withAccessKeyFromSecret(clients, ctx.httpSecretArn)),
    bulkClient: (settings: OpenSearchSettings) => {
      if (!settings.endpoint) {
        throw new SluiceError(
          'OpenSearchEndpointMissing',
          'Sluice on AWS reaches a cluster by ClusterEndpoint (or CollectionEndpoint); the OpenSearchDomain construct sets it.',
        );
      }
      return clients.bulkClient(settings.endpoint, {
        region: regionOf(settings) ?? ctx.region,
        service: settings.flavour === 'serverless' ? 'aoss' : 'es',
      });
    },
    redshiftSql: async (settings: RedshiftSettings) => {
      if (settings.cluster.kind === 'postgresql') {
        throw new SluiceError(
          'RedshiftNotOnAws',
          `Sluice on AWS loads Redshift through the Redshift Data API: give a jdbc:redshift:// ClusterJDBCURL (got ${settings.clusterJdbcUrl.slice(0, 200)}).`,
        );
      }
      return clients.redshiftData(settings, (ms) => deadline.sleep(ms));
    },
  };
}

function withAccessKeyFromSecret(
  clients: AwsDestinationClients,
  secretArn: string | undefined,
): HttpTransport {
  if (!secretArn) return clients.http;
  let accessKey: Promise<string> | undefined;
  return {
    async send(request) {
      accessKey ??= clients.secretString(secretArn).then(apiKeyOf);
      // A failed read is tried again by the next request, not remembered.
      const key = await accessKey.catch((error) => {
        accessKey = undefined;
        throw error;
      });
      return clients.http.send({
        ...request,
        headers: { ...request.headers, 'X-Amz-Firehose-Access-Key': key },
      });
    },
  };
}

function apiKeyOf(secretString: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    parsed = undefined;
  }
  const key = (parsed as { api_key?: unknown } | undefined)?.api_key;
  if (typeof key !== 'string') {
    throw new SluiceError(
      'HttpEndpointSecretInvalid',
      'The HTTP endpoint secret must be JSON with an "api_key" string (its value is not shown).',
    );
  }
  return key;
}

/** `search-x.<region>.es.amazonaws.com`, `<id>.<region>.aoss.amazonaws.com`, or the DomainARN's region. */
function regionOf(settings: OpenSearchSettings): string | undefined {
  const host = settings.endpoint ? new URL(settings.endpoint).hostname : '';
  const fromHost = /\.([a-z]{2}(?:-[a-z]+)+-\d)\.(?:es|aoss)\.amazonaws\.com$/.exec(host)?.[1];
  return fromHost ?? settings.domainArn?.split(':')[3];
}
