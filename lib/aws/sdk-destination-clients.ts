import { RedshiftDataClient, type RedshiftDataClientConfig } from '@aws-sdk/client-redshift-data';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { RedshiftDataSqlClient } from '../adapters/aws/redshift-data-client.ts';
import { NodeHttpTransport } from '../adapters/http-transport.ts';
import { OpenSearchBulkClient } from '../adapters/opensearch-bulk-client.ts';
import type { BulkIndexClient } from '../core/ports.ts';
import type { AwsDestinationClients } from './destination-ports.ts';

/**
 * The SDK-backed destination clients of the Lambdas, made on first use so a stream pays only for its own
 * destination. SigV4 for OpenSearch uses the Lambda role's credentials, as the SDK clients resolve them.
 */
export function sdkDestinationClients(
  region: string,
  /** Client settings beyond the region (tests point the clients at stand-in endpoints). */
  config: { secretsManager?: SecretsManagerClientConfig; redshiftData?: RedshiftDataClientConfig } = {},
): AwsDestinationClients {
  let secrets: SecretsManagerClient | undefined;
  let redshiftData: RedshiftDataClient | undefined;
  const bulkClients = new Map<string, BulkIndexClient>();
  const secretsClient = () => {
    secrets ??= new SecretsManagerClient({ region, ...config.secretsManager });
    return secrets;
  };
  return {
    http: new NodeHttpTransport(),
    async secretString(secretArn) {
      const output = await secretsClient().send(new GetSecretValueCommand({ SecretId: secretArn }));
      return output.SecretString ?? '';
    },
    bulkClient(endpoint, signing) {
      const key = `${endpoint} ${signing.region} ${signing.service}`;
      let client = bulkClients.get(key);
      if (!client) {
        const credentials = secretsClient().config.credentials;
        client = new OpenSearchBulkClient({ endpoint, auth: { kind: 'sigv4', ...signing, credentials } });
        bulkClients.set(key, client);
      }
      return client;
    },
    redshiftData(settings, sleep) {
      const cluster = settings.cluster;
      if (cluster.kind === 'postgresql') throw new Error('The Data API serves Redshift clusters only.');
      redshiftData ??= new RedshiftDataClient({ region: cluster.region || region, ...config.redshiftData });
      return new RedshiftDataSqlClient({
        client: redshiftData,
        cluster,
        ...(settings.secretArn ? { secretArn: settings.secretArn } : {}),
        sleep,
      });
    },
  };
}
