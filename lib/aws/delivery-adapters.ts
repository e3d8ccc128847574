import { GlueClient } from '@aws-sdk/client-glue';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createGlueTables, type GlueSender } from '../adapters/aws/glue-tables.ts';
import { createAwsLambdaInvoker, type LambdaInvokeClient } from '../adapters/aws/lambda-invoker.ts';
import type { ResolvedStream } from '../core/config/resolved.ts';
import type { GlueTables } from '../core/delivery/parquet-objects.ts';
import type { TransformInvoker } from '../core/ports.ts';
import type { DestinationPorts } from '../local/destination-writer.ts';
import { type AwsDestinationClients, awsDestinationPorts } from './destination-ports.ts';
import type { FlushDeadline } from './flush-deadline.ts';
import { sdkDestinationClients } from './sdk-destination-clients.ts';

/** What a flush needs beyond the object store to run a stream's stages on AWS. */
export interface DeliveryAdapters {
  region: string;
  accountId: string;
  /** Schemas for data format conversion (spec §7.1), when the stream converts. */
  glueTables?: GlueTables;
  /** Runs Lambda processors (spec §5), when the stream has one. */
  invoker?: TransformInvoker;
  /** Jitter in [0, 1) for transform and destination retry backoff. Default Math.random. */
  jitter?: () => number;
  /** HTTP transport, `_bulk` client and Redshift SQL client of a writer destination, bounded by a flush's deadline. */
  destinations?: (deadline: FlushDeadline) => DestinationPorts;
}

/** How SDK clients are made; tests point them at stand-in endpoints. */
export interface AwsClientFactory {
  /** A Glue client for a region (SchemaConfiguration.Region may differ from the Lambda's). */
  glue(region: string): GlueSender;
  lambda(): LambdaInvokeClient;
  destinations(region: string): AwsDestinationClients;
}

const sdkClients: AwsClientFactory = {
  glue: (region) => new GlueClient({ region }),
  lambda: () => new LambdaClient({}),
  destinations: sdkDestinationClients,
};

interface SchemaConfiguration {
  CatalogId?: string;
  Region?: string;
  VersionId?: string;
}

/**
 * The adapters a stream's configuration calls for, built once per execution environment: a Glue catalog reader
 * for the SchemaConfiguration's Region and CatalogId, and a Lambda invoker when a Lambda processor is configured.
 */
export function awsDeliveryAdapters(
  stream: ResolvedStream,
  ctx: { region: string; accountId: string; httpSecretArn?: string },
  clients: AwsClientFactory = sdkClients,
): DeliveryAdapters {
  const adapters: DeliveryAdapters = { region: ctx.region, accountId: ctx.accountId };
  const schema = stream.destination.dataFormatConversion?.SchemaConfiguration as
    | SchemaConfiguration
    | undefined;
  if (schema) {
    adapters.glueTables = createGlueTables({
      client: clients.glue(schema.Region ?? ctx.region),
      ...(schema.CatalogId ? { catalogId: schema.CatalogId } : {}),
      ...(schema.VersionId ? { versionId: schema.VersionId } : {}),
    });
  }
  if (stream.destination.processors.some((processor) => processor.type === 'Lambda')) {
    adapters.invoker = createAwsLambdaInvoker(clients.lambda());
  }
  if (stream.writer) {
    let destinationClients: AwsDestinationClients | undefined;
    adapters.destinations = (deadline) => {
      destinationClients ??= clients.destinations(ctx.region);
      return awsDestinationPorts(
        destinationClients,
        { region: ctx.region, httpSecretArn: ctx.httpSecretArn },
        deadline,
      );
    };
  }
  return adapters;
}

/**
 * The secret of an HTTP endpoint destination's access key (SecretsManagerConfiguration), from the stream's
 * CreateDeliveryStream input: the resolved stream keeps no secret references.
 */
export function httpEndpointSecretArn(config: unknown): string | undefined {
  const secrets = (
    config as {
      HttpEndpointDestinationConfiguration?: {
        SecretsManagerConfiguration?: { Enabled?: boolean; SecretARN?: string };
      };
    }
  ).HttpEndpointDestinationConfiguration?.SecretsManagerConfiguration;
  return secrets?.Enabled ? secrets.SecretARN : undefined;
}
