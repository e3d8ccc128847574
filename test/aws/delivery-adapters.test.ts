import { describe, expect, it } from 'vitest';
import type { GlueSender } from '../../lib/adapters/aws/glue-tables.ts';
import { resolveStreamConfig } from '../../lib/aws/deliver.ts';
import {
  type AwsClientFactory,
  awsDeliveryAdapters,
  httpEndpointSecretArn,
} from '../../lib/aws/delivery-adapters.ts';

const ACCOUNT = '123456789012';
const CTX = { region: 'us-east-1', accountId: ACCOUNT, nowMs: 0 };
const role = `arn:aws:iam::${ACCOUNT}:role/flush`;

/** A client factory that records which clients a stream's configuration asks for. */
function recordingClients() {
  const made: string[] = [];
  const sent: unknown[] = [];
  const glue: GlueSender = {
    async send(command) {
      sent.push(command.input);
      return { Table: { StorageDescriptor: { Columns: [{ Name: 'id', Type: 'bigint' }] } } };
    },
  };
  const clients: AwsClientFactory = {
    glue: (region) => {
      made.push(`glue:${region}`);
      return glue;
    },
    lambda: () => {
      made.push('lambda');
      return { send: async () => ({}) as never };
    },
    destinations: (region) => {
      made.push(`destinations:${region}`);
      return {} as never;
    },
  };
  return { clients, made, sent };
}

const s3 = (extra: Record<string, unknown>) =>
  resolveStreamConfig(
    JSON.stringify({
      DeliveryStreamName: 's',
      ExtendedS3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::b', RoleARN: role, ...extra },
    }),
    CTX,
  );

describe('awsDeliveryAdapters: the clients a stream’s configuration calls for, and no others', () => {
  it('a plain S3 stream needs none', () => {
    const { clients, made } = recordingClients();
    const adapters = awsDeliveryAdapters(s3({}), CTX, clients);
    expect(adapters).toEqual({ region: 'us-east-1', accountId: ACCOUNT });
    expect(made).toEqual([]);
  });

  it('conversion reads Glue in the SchemaConfiguration’s Region and CatalogId, at its VersionId', async () => {
    const { clients, made, sent } = recordingClients();
    const adapters = awsDeliveryAdapters(
      s3({
        CompressionFormat: 'UNCOMPRESSED',
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 300 },
        DataFormatConversionConfiguration: {
          SchemaConfiguration: {
            DatabaseName: 'db',
            TableName: 't',
            RoleARN: role,
            Region: 'eu-west-1',
            CatalogId: '210987654321',
            VersionId: '3',
          },
          InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
        },
      }),
      CTX,
      clients,
    );
    expect(made).toEqual(['glue:eu-west-1']);
    expect(adapters.invoker).toBeUndefined();
    await adapters.glueTables!('db', 't');
    expect(sent).toEqual([{ CatalogId: '210987654321', DatabaseName: 'db', TableName: 't', VersionId: '3' }]);
  });

  it('a Lambda processor gets an invoker; a writer destination gets destination clients on first use', () => {
    const { clients, made } = recordingClients();
    const transformed = awsDeliveryAdapters(
      s3({
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'Lambda',
              Parameters: [
                {
                  ParameterName: 'LambdaArn',
                  ParameterValue: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f`,
                },
              ],
            },
          ],
        },
      }),
      CTX,
      clients,
    );
    expect(transformed.invoker).toBeDefined();
    expect(made).toEqual(['lambda']);

    const config = {
      DeliveryStreamName: 'h',
      HttpEndpointDestinationConfiguration: {
        EndpointConfiguration: { Url: 'https://collector.example.com' },
        RoleARN: role,
        S3Configuration: { BucketARN: 'arn:aws:s3:::b', RoleARN: role },
        SecretsManagerConfiguration: {
          Enabled: true,
          SecretARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k',
          RoleARN: role,
        },
      },
    };
    expect(httpEndpointSecretArn(config)).toBe('arn:aws:secretsmanager:us-east-1:123456789012:secret:k');
    const writer = awsDeliveryAdapters(resolveStreamConfig(JSON.stringify(config), CTX), CTX, clients);
    expect(made).toEqual(['lambda']);
    expect(writer.destinations).toBeDefined();
  });
});
