/**
 * Destinations delivered by a writer of lib/core/destinations (HTTP endpoint §10, OpenSearch §9, Redshift §8)
 * rather than as S3 objects: how each is checked, resolved, described and updated. Each has an S3Configuration
 * (error output and backups; for Redshift the intermediate bucket); those follow the S3 rules.
 */

import type { ConfigProblems } from '../destinations/config-problems.ts';
import {
  checkHttpEndpointDestination,
  HTTP_ENDPOINT_DEFAULT_RETRY_SECONDS,
  type HttpEndpointDestinationShape,
  resolveHttpEndpointSettings,
} from '../destinations/http-endpoint/config.ts';
import {
  checkOpenSearchDestination,
  OPENSEARCH_DEFAULT_RETRY_SECONDS,
  type OpenSearchDestinationShape,
  type OpenSearchFlavour,
  resolveOpenSearchSettings,
} from '../destinations/opensearch/config.ts';
import {
  checkRedshiftDestination,
  REDSHIFT_DEFAULT_RETRY_SECONDS,
  type RedshiftDestinationShape,
  resolveRedshiftSettings,
} from '../destinations/redshift/config.ts';
import { type RawProcessingConfiguration, resolveProcessingConfiguration } from '../processors/index.ts';
import { bucketFromArn } from './check-s3-destination.ts';
import type { WriterDestination } from './resolved.ts';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export interface WriterDestinationKind {
  /** CreateDeliveryStream member. */
  member: string;
  /** UpdateDestination member. */
  updateMember: string;
  /** DescribeDeliveryStream member of the destination description. */
  descriptionMember: string;
  check(config: unknown): ConfigProblems;
  resolve(config: unknown): WriterDestination;
  /** The description, defaults filled in, secrets left out; the S3 description is added by the caller. */
  describe(config: unknown): Record<string, unknown>;
}

/**
 * Processors that serve dynamic partitioning, which only Extended S3 destinations have (spec §6: MetadataExtraction
 * supplies partition keys, RecordDeAggregation and AppendDelimiterToRecord are its multi-record rows). A writer
 * destination runs the others: Decompression with CloudWatchLogProcessing, and the Lambda transform (§5).
 */
export const EXTENDED_S3_ONLY_PROCESSORS: ReadonlySet<string> = new Set([
  'MetadataExtraction',
  'RecordDeAggregation',
  'AppendDelimiterToRecord',
]);

/**
 * A writer destination's ProcessingConfiguration: each processor's parameters with this destination's Lambda
 * defaults and ranges (§2.2), and no processor that only an Extended S3 destination accepts (§6).
 */
function checkWriterProcessing(
  config: unknown,
  destination: 'HttpEndpoint' | 'OpenSearch' | 'Redshift',
  name: string,
): string[] {
  const processing = (config as { ProcessingConfiguration?: RawProcessingConfiguration })
    .ProcessingConfiguration;
  if (processing === undefined) return [];
  const problems = resolveProcessingConfiguration(processing, { destination }).problems;
  for (const [index, processor] of (processing.Processors ?? []).entries()) {
    if (processor.Type !== undefined && EXTENDED_S3_ONLY_PROCESSORS.has(processor.Type)) {
      problems.push(
        `Processors[${index}]: the ${processor.Type} processor is only available on an Extended S3 destination, as part of dynamic partitioning. The ${name} runs Lambda, Decompression and CloudWatchLogProcessing processors.`,
      );
    }
  }
  return problems;
}

/** The destination's own rules plus its processors'. */
function withProcessing(
  problems: ConfigProblems,
  config: unknown,
  destination: 'HttpEndpoint' | 'OpenSearch' | 'Redshift',
  name: string,
): ConfigProblems {
  problems.invalidArguments.push(...checkWriterProcessing(config, destination, name));
  return problems;
}

const processingDescription = (config: { ProcessingConfiguration?: unknown }) =>
  config.ProcessingConfiguration !== undefined
    ? { ProcessingConfiguration: clone(config.ProcessingConfiguration) }
    : {};

const bufferingDescription = (hints: { SizeInMBs?: number; IntervalInSeconds?: number } | undefined) => ({
  SizeInMBs: hints?.SizeInMBs ?? 5,
  IntervalInSeconds: hints?.IntervalInSeconds ?? 300,
});

const httpEndpoint: WriterDestinationKind = {
  member: 'HttpEndpointDestinationConfiguration',
  updateMember: 'HttpEndpointDestinationUpdate',
  descriptionMember: 'HttpEndpointDestinationDescription',
  check: (config) =>
    withProcessing(
      checkHttpEndpointDestination(config as HttpEndpointDestinationShape),
      config,
      'HttpEndpoint',
      'HttpEndpointDestination',
    ),
  resolve: (config) => ({
    kind: 'HttpEndpoint',
    settings: resolveHttpEndpointSettings(config as HttpEndpointDestinationShape),
  }),
  // The AccessKey is sensitive in the model and never described, as on AWS.
  describe: (raw) => {
    const config = raw as HttpEndpointDestinationShape & {
      CloudWatchLoggingOptions?: unknown;
      ProcessingConfiguration?: unknown;
      RoleARN?: string;
    };
    const endpoint = config.EndpointConfiguration ?? {};
    return {
      EndpointConfiguration: {
        Url: endpoint.Url,
        ...(endpoint.Name !== undefined ? { Name: endpoint.Name } : {}),
      },
      BufferingHints: bufferingDescription(config.BufferingHints),
      CloudWatchLoggingOptions: config.CloudWatchLoggingOptions
        ? clone(config.CloudWatchLoggingOptions)
        : { Enabled: false },
      RequestConfiguration: {
        ContentEncoding: config.RequestConfiguration?.ContentEncoding ?? 'NONE',
        CommonAttributes: clone(config.RequestConfiguration?.CommonAttributes ?? []),
      },
      ...processingDescription(config),
      ...(config.RoleARN !== undefined ? { RoleARN: config.RoleARN } : {}),
      RetryOptions: {
        DurationInSeconds: config.RetryOptions?.DurationInSeconds ?? HTTP_ENDPOINT_DEFAULT_RETRY_SECONDS,
      },
      S3BackupMode: config.S3BackupMode ?? 'FailedDataOnly',
    };
  },
};

function openSearch(member: string, name: string, flavour: OpenSearchFlavour): WriterDestinationKind {
  return {
    member: `${name}DestinationConfiguration`,
    updateMember: `${name}DestinationUpdate`,
    descriptionMember: `${name}DestinationDescription`,
    check: (config) =>
      withProcessing(
        checkOpenSearchDestination(config as OpenSearchDestinationShape, flavour, member),
        config,
        'OpenSearch',
        `${name}Destination`,
      ),
    resolve: (config) => ({
      kind: 'OpenSearch',
      settings: resolveOpenSearchSettings(config as OpenSearchDestinationShape, flavour),
    }),
    describe: (raw) => {
      const config = raw as OpenSearchDestinationShape & {
        CloudWatchLoggingOptions?: unknown;
        ProcessingConfiguration?: unknown;
      };
      const {
        S3Configuration: _s3,
        ProcessingConfiguration: _p,
        ...rest
      } = config as Record<string, unknown>;
      return {
        ...clone(rest),
        ...(flavour === 'serverless' ? {} : { IndexRotationPeriod: config.IndexRotationPeriod ?? 'OneDay' }),
        ...processingDescription(config),
        BufferingHints: bufferingDescription(config.BufferingHints),
        RetryOptions: {
          DurationInSeconds: config.RetryOptions?.DurationInSeconds ?? OPENSEARCH_DEFAULT_RETRY_SECONDS,
        },
        S3BackupMode: config.S3BackupMode ?? 'FailedDocumentsOnly',
        CloudWatchLoggingOptions: config.CloudWatchLoggingOptions
          ? clone(config.CloudWatchLoggingOptions)
          : { Enabled: false },
        DocumentIdOptions: {
          DefaultDocumentIdFormat: config.DocumentIdOptions?.DefaultDocumentIdFormat ?? 'FIREHOSE_DEFAULT',
        },
      };
    },
  };
}

/**
 * Redshift (§8). The Password is sensitive and never described; Username is (as botocore's description shape
 * has it). S3BackupConfiguration is described as S3BackupDescription by the caller, like the S3Configuration.
 */
const redshift: WriterDestinationKind = {
  member: 'RedshiftDestinationConfiguration',
  updateMember: 'RedshiftDestinationUpdate',
  descriptionMember: 'RedshiftDestinationDescription',
  check: (config) => {
    const problems = withProcessing(
      checkRedshiftDestination(config as RedshiftDestinationShape),
      config,
      'Redshift',
      'RedshiftDestination',
    );
    const backup = config as { S3BackupMode?: string; S3BackupConfiguration?: unknown };
    // §3.5: Enabled backs the source records up to their own bucket, so that bucket must be named.
    if (backup.S3BackupMode === 'Enabled' && backup.S3BackupConfiguration === undefined) {
      problems.invalidArguments.push(
        'S3BackupConfiguration is required when the Redshift destination has S3BackupMode Enabled.',
      );
    }
    return problems;
  },
  resolve: (raw) => {
    const config = raw as RedshiftDestinationShape;
    return {
      kind: 'Redshift',
      settings: resolveRedshiftSettings(config, bucketFromArn(config.S3Configuration?.BucketARN ?? '') ?? ''),
    };
  },
  describe: (raw) => {
    const config = raw as RedshiftDestinationShape & {
      CloudWatchLoggingOptions?: unknown;
      ProcessingConfiguration?: unknown;
    };
    const copy = config.CopyCommand ?? {};
    return {
      RoleARN: config.RoleARN,
      ClusterJDBCURL: config.ClusterJDBCURL,
      CopyCommand: {
        DataTableName: copy.DataTableName,
        ...(copy.DataTableColumns !== undefined ? { DataTableColumns: copy.DataTableColumns } : {}),
        CopyOptions: copy.CopyOptions ?? '',
      },
      ...(config.Username !== undefined ? { Username: config.Username } : {}),
      RetryOptions: {
        DurationInSeconds: config.RetryOptions?.DurationInSeconds ?? REDSHIFT_DEFAULT_RETRY_SECONDS,
      },
      ...processingDescription(config),
      S3BackupMode: config.S3BackupMode ?? 'Disabled',
      CloudWatchLoggingOptions: config.CloudWatchLoggingOptions
        ? clone(config.CloudWatchLoggingOptions)
        : { Enabled: false },
      ...(config.SecretsManagerConfiguration !== undefined
        ? { SecretsManagerConfiguration: clone(config.SecretsManagerConfiguration) }
        : {}),
    };
  },
};

export const WRITER_DESTINATIONS: readonly WriterDestinationKind[] = [
  httpEndpoint,
  redshift,
  openSearch('amazonopensearchserviceDestinationConfiguration', 'Amazonopensearchservice', 'opensearch'),
  openSearch('elasticsearchDestinationConfiguration', 'Elasticsearch', 'elasticsearch'),
  openSearch(
    'amazonOpenSearchServerlessDestinationConfiguration',
    'AmazonOpenSearchServerless',
    'serverless',
  ),
];

/** The writer destination a create input (or stored stream input) has, with its configuration. */
export function writerDestinationOf(
  input: Record<string, unknown>,
): { kind: WriterDestinationKind; config: Record<string, unknown> } | undefined {
  for (const kind of WRITER_DESTINATIONS) {
    const config = input[kind.member];
    if (config !== undefined) return { kind, config: config as Record<string, unknown> };
  }
  return undefined;
}
