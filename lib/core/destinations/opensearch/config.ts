/**
 * The OpenSearch destination's configuration (§9): the shapes of AmazonopensearchserviceDestinationConfiguration
 * (and the equivalent legacy ElasticsearchDestinationConfiguration and the Serverless one), the checker, and the
 * settings a writer runs with once defaults are applied.
 */
import {
  type BufferingHintsShape,
  type ConfigProblems,
  checkBufferingHints,
  checkRetryOptions,
  ProblemCollector,
  pathOf,
  type RetryOptionsShape,
} from '../config-problems.ts';
import type { IndexRotationPeriod } from './index-name.ts';

export interface OpenSearchDestinationShape {
  RoleARN?: string;
  DomainARN?: string;
  ClusterEndpoint?: string;
  /** AmazonOpenSearchServerlessDestinationConfiguration only. */
  CollectionEndpoint?: string;
  IndexName?: string;
  TypeName?: string;
  IndexRotationPeriod?: string;
  BufferingHints?: BufferingHintsShape;
  RetryOptions?: RetryOptionsShape;
  S3BackupMode?: string;
  S3Configuration?: unknown;
  DocumentIdOptions?: { DefaultDocumentIdFormat?: string };
}

/** Which service flavour the destination is: it decides the failure document's field names (§4.2). */
export type OpenSearchFlavour = 'opensearch' | 'elasticsearch' | 'serverless';

export interface OpenSearchSettings {
  flavour: OpenSearchFlavour;
  /** The cluster's base URL (ClusterEndpoint, CollectionEndpoint, or the URL a runtime derived from DomainARN). */
  endpoint: string | undefined;
  domainArn: string | undefined;
  indexName: string;
  /** Sent as `_type` when set (6.x clusters: one type per index). */
  typeName: string | undefined;
  indexRotationPeriod: IndexRotationPeriod;
  documentIdFormat: 'FIREHOSE_DEFAULT' | 'NO_DOCUMENT_ID';
  retryDurationSeconds: number;
  /** AllDocuments: every source record is also written to the S3 configuration; failed ones always are. */
  s3BackupMode: 'FailedDocumentsOnly' | 'AllDocuments';
  bufferingHints: { sizeBytes: number; intervalSeconds: number };
}

const MIB = 1024 * 1024;
/** §9 */
export const OPENSEARCH_DEFAULT_RETRY_SECONDS = 300;
const ROTATIONS: readonly IndexRotationPeriod[] = ['NoRotation', 'OneHour', 'OneDay', 'OneWeek', 'OneMonth'];

/** Checks an OpenSearch/Elasticsearch/Serverless destination configuration (§9, §2.1). */
export function checkOpenSearchDestination(
  config: OpenSearchDestinationShape,
  flavour: OpenSearchFlavour = 'opensearch',
  path = flavour === 'serverless'
    ? 'amazonOpenSearchServerlessDestinationConfiguration'
    : flavour === 'elasticsearch'
      ? 'elasticsearchDestinationConfiguration'
      : 'amazonopensearchserviceDestinationConfiguration',
): ConfigProblems {
  const c = new ProblemCollector();
  // Index naming rules (lower case, …) are the cluster's to enforce: it answers per item with a 400 (§9).
  if (c.required(config.IndexName, pathOf(path, 'IndexName'))) {
    c.length(config.IndexName, pathOf(path, 'IndexName'), 1, 80);
  }
  c.length(config.TypeName, pathOf(path, 'TypeName'), 0, 100);
  c.oneOf(config.IndexRotationPeriod, pathOf(path, 'IndexRotationPeriod'), ROTATIONS);
  checkBufferingHints(c, config.BufferingHints, pathOf(path, 'BufferingHints'), 100);
  checkRetryOptions(c, config.RetryOptions, path);
  c.oneOf(config.S3BackupMode, pathOf(path, 'S3BackupMode'), ['FailedDocumentsOnly', 'AllDocuments']);
  c.required(config.S3Configuration, pathOf(path, 'S3Configuration'));
  c.oneOf(
    config.DocumentIdOptions?.DefaultDocumentIdFormat,
    pathOf(pathOf(path, 'DocumentIdOptions'), 'DefaultDocumentIdFormat'),
    ['FIREHOSE_DEFAULT', 'NO_DOCUMENT_ID'],
  );
  if (flavour === 'serverless') {
    if (!config.CollectionEndpoint)
      c.invalid('CollectionEndpoint is required for an OpenSearch Serverless destination.');
    if (config.TypeName) c.invalid('TypeName is not supported by OpenSearch Serverless collections.');
  } else if ((config.DomainARN === undefined) === (config.ClusterEndpoint === undefined)) {
    // §9: the domain is named by DomainARN or ClusterEndpoint, exactly one of them.
    c.invalid('Specify either DomainARN or ClusterEndpoint, but not both.');
  }
  const endpoint = flavour === 'serverless' ? config.CollectionEndpoint : config.ClusterEndpoint;
  if (typeof endpoint === 'string') checkEndpoint(c, endpoint);
  return c.problems;
}

function checkEndpoint(c: ProblemCollector, endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    c.invalid(`Cluster endpoint '${endpoint.slice(0, 200)}' is not a valid URL.`);
    return;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
  // §9 models `https:…`; DESIGN.md lets a local pipeline use plain http on loopback.
  if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
    c.invalid(
      'The cluster endpoint must use https (plain http is accepted only for 127.0.0.1, localhost and ::1).',
    );
  }
}

/** Settings after defaults (§9). Call only on a configuration the checker passed. */
export function resolveOpenSearchSettings(
  config: OpenSearchDestinationShape,
  flavour: OpenSearchFlavour = 'opensearch',
): OpenSearchSettings {
  return {
    flavour,
    endpoint: flavour === 'serverless' ? config.CollectionEndpoint : config.ClusterEndpoint,
    domainArn: config.DomainARN,
    indexName: config.IndexName ?? '',
    typeName: config.TypeName ? config.TypeName : undefined,
    // The Serverless shape has no IndexRotationPeriod, so a collection's index is not rotated by default.
    indexRotationPeriod:
      (config.IndexRotationPeriod as IndexRotationPeriod | undefined) ??
      (flavour === 'serverless' ? 'NoRotation' : 'OneDay'),
    documentIdFormat:
      config.DocumentIdOptions?.DefaultDocumentIdFormat === 'NO_DOCUMENT_ID'
        ? 'NO_DOCUMENT_ID'
        : 'FIREHOSE_DEFAULT',
    retryDurationSeconds: config.RetryOptions?.DurationInSeconds ?? OPENSEARCH_DEFAULT_RETRY_SECONDS,
    s3BackupMode: config.S3BackupMode === 'AllDocuments' ? 'AllDocuments' : 'FailedDocumentsOnly',
    bufferingHints: {
      sizeBytes: (config.BufferingHints?.SizeInMBs ?? 5) * MIB,
      intervalSeconds: config.BufferingHints?.IntervalInSeconds ?? 300,
    },
  };
}
