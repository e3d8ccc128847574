import type { Duration, Size } from 'aws-cdk-lib';
import type * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import type { Construct } from 'constructs';
import {
  BackupMode,
  backupBucket,
  bufferingHints,
  type CommonDestinationProps,
  compact,
  grantObjectWrites,
  s3Configuration,
} from './common.ts';
import {
  type DestinationBindOptions,
  type DestinationConfig,
  deliveryRoles,
  type IDestination,
  MIB,
} from './destination.ts';
import { acknowledge, IAM5, nagResource } from './nag.ts';
import { processingConfiguration } from './processors.ts';
import { checkRange, checkWriterProcessing, failWith } from './validation.ts';

/** Firehose's IndexRotationPeriod (spec §9). */
export enum IndexRotation {
  NO_ROTATION = 'NoRotation',
  ONE_HOUR = 'OneHour',
  ONE_DAY = 'OneDay',
  ONE_WEEK = 'OneWeek',
  ONE_MONTH = 'OneMonth',
}

export interface OpenSearchDomainProps extends CommonDestinationProps {
  readonly indexName: string;
  /** Default ONE_DAY, as Firehose's. */
  readonly indexRotation?: IndexRotation;
  readonly bufferingInterval?: Duration;
  /** 1–100 MiB (spec §2.1). */
  readonly bufferingSize?: Size;
  /** Default 300 s, 0–7200 s. */
  readonly retryDuration?: Duration;
}

/**
 * Delivers to an Amazon OpenSearch Service domain (aws-cdk-lib has no such destination). Document IDs derive
 * from the flush ID at delivery time (DESIGN.md AWS invariant 4). The construct produces Firehose's
 * AmazonopensearchserviceDestinationConfiguration; the flush Lambda sends with the core's bulk writer, signing with
 * SigV4 (`es`).
 * Domains inside a VPC are not reachable yet: the flush Lambda runs outside any VPC.
 */
export class OpenSearchDomain implements IDestination {
  constructor(
    private readonly domain: opensearch.IDomain,
    private readonly props: OpenSearchDomainProps,
  ) {}

  bind(scope: Construct, options: DestinationBindOptions): DestinationConfig {
    const props = this.props;
    const roles = deliveryRoles(options);
    const hints = bufferingHints(props.bufferingInterval, props.bufferingSize);
    const retrySeconds = props.retryDuration?.toSeconds() ?? 300;
    const problems: string[] = [];
    // OpenSearch index names: lower case, no spaces or the characters \ / * ? " < > | , #, not starting with - _ +.
    if (!/^[a-z0-9][^\\/*?"<>|,# A-Z]{0,79}$/.test(props.indexName)) {
      problems.push(
        `indexName '${props.indexName.slice(0, 80)}' is not a valid OpenSearch index name (lower case, 1–80 characters, none of \\ / * ? " < > | , # or spaces).`,
      );
    }
    checkRange(problems, 'bufferingSize', hints.SizeInMBs, 1, 100, 'MiB');
    checkRange(problems, 'bufferingInterval', hints.IntervalInSeconds, 0, 900, 'seconds');
    checkRange(problems, 'retryDuration', retrySeconds, 0, 7200, 'seconds');
    // Bound (granting the delivering roles lambda:InvokeFunction on each function) before the checks, which read
    // the Firehose shape it produces.
    const processing = processingConfiguration(scope, props.processors, roles);
    checkWriterProcessing(problems, processing, 'OpenSearch');
    failWith(scope, problems);

    const bucket = backupBucket(scope, 'BackupBucket', props.s3Backup?.bucket);
    grantObjectWrites(roles, bucket, props.s3Backup?.encryptionKey);
    for (const role of roles) {
      this.domain.grantIndexWrite(`${props.indexName}*`, role);
      this.domain.grantPathWrite('_bulk', role);
      const index = `${nagResource(role, this.domain.domainArn)}/${props.indexName}*`;
      acknowledge(
        role,
        [IAM5(`Resource::${index}`), IAM5(`Resource::${index}/*`)],
        'Index rotation appends a date to the index name (spec §9), so writes are granted on the name followed by any suffix.',
      );
    }
    const configuration = compact({
      // The flush Lambda reaches the domain by URL (DomainARN would need a DescribeDomain call per cold start);
      // Firehose accepts either (spec §9), and the grants above are on the domain's ARN.
      ClusterEndpoint: `https://${this.domain.domainEndpoint}`,
      IndexName: props.indexName,
      IndexRotationPeriod: props.indexRotation ?? IndexRotation.ONE_DAY,
      BufferingHints: hints,
      RetryOptions: { DurationInSeconds: retrySeconds },
      RoleARN: options.role.roleArn,
      S3BackupMode: props.s3Backup?.mode === BackupMode.ALL ? 'AllDocuments' : 'FailedDocumentsOnly',
      ProcessingConfiguration: processing,
      S3Configuration: s3Configuration(bucket, options.role, props.s3Backup ?? {}),
    });
    return {
      member: 'AmazonopensearchserviceDestinationConfiguration',
      configuration,
      bufferingHints: { sizeBytes: hints.SizeInMBs * MIB, intervalSeconds: hints.IntervalInSeconds },
      metricPrefix: 'DeliveryToAmazonOpenSearchService',
    };
  }
}
