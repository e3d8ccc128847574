import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  backupBucket,
  type CommonDestinationProps,
  type CommonDestinationS3Props,
  Compression,
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
import { acknowledge, GRANT_ACTION_WILDCARDS, IAM5, nagResource } from './nag.ts';
import { processingConfiguration } from './processors.ts';
import { checkRange, checkWriterProcessing, failWith } from './validation.ts';

export interface RedshiftTableProps extends CommonDestinationProps {
  /** `jdbc:redshift://<endpoint>:<port>/<database>` (Firehose's ClusterJDBCURL). */
  readonly jdbcUrl: string;
  /** ARN of the provisioned cluster or serverless workgroup the Redshift Data API statements run on. */
  readonly dataApiResourceArn: string;
  readonly tableName: string;
  readonly tableColumns?: string[];
  /** COPY options, e.g. `json 'auto' gzip`. */
  readonly copyOptions?: string;
  /** Secret with `username` and `password`, read by the flush Lambda. */
  readonly credentials: secretsmanager.ISecret;
  /** IAM role Redshift assumes to read the intermediate objects in COPY. */
  readonly copyRole?: iam.IRole;
  /** Where records are staged for COPY (spec §8). Default: a new bucket. */
  readonly intermediateBucket?: s3.IBucket;
  readonly intermediateS3?: CommonDestinationS3Props;
  /** Default 3600 s, 0–7200 s. */
  readonly retryDuration?: Duration;
}

/**
 * Loads into an Amazon Redshift table with COPY from an intermediate bucket (aws-cdk-lib has no such
 * destination). The construct produces Firehose's RedshiftDestinationConfiguration; the flush Lambda stages each
 * batch with a manifest and runs the COPY through the Redshift Data API (provisioned clusters and Serverless
 * workgroups) with the `credentials` secret.
 */
export class RedshiftTable implements IDestination {
  constructor(private readonly props: RedshiftTableProps) {}

  bind(scope: Construct, options: DestinationBindOptions): DestinationConfig {
    const props = this.props;
    const roles = deliveryRoles(options);
    const intermediate = props.intermediateS3 ?? {};
    const compression = intermediate.compression ?? Compression.UNCOMPRESSED;
    const retrySeconds = props.retryDuration?.toSeconds() ?? 3600;
    const problems: string[] = [];
    if (!/^jdbc:(redshift|postgresql):\/\/.+/.test(props.jdbcUrl) && !props.jdbcUrl.startsWith('${Token')) {
      problems.push(
        `jdbcUrl must look like jdbc:redshift://<endpoint>:<port>/<database> (got '${props.jdbcUrl.slice(0, 80)}').`,
      );
    }
    // Spec §3.4 and §3.3 rule 7: COPY cannot read these formats, and the intermediate prefix is literal.
    if (['Snappy', 'ZIP', 'HADOOP_SNAPPY'].includes(compression.value)) {
      problems.push(
        `intermediateS3.compression ${compression.value} cannot be read by COPY; use UNCOMPRESSED or GZIP.`,
      );
    }
    if (intermediate.dataOutputPrefix?.includes('!{')) {
      problems.push('intermediateS3.dataOutputPrefix must not contain expressions for Redshift.');
    }
    if (intermediate.errorOutputPrefix !== undefined) {
      problems.push(
        'intermediateS3.errorOutputPrefix must not be set for Redshift (failed records go to the S3 backup).',
      );
    }
    checkRange(problems, 'retryDuration', retrySeconds, 0, 7200, 'seconds');
    // Bound (granting the delivering roles lambda:InvokeFunction on each function) before the checks, which read
    // the Firehose shape it produces.
    const processing = processingConfiguration(scope, props.processors, roles);
    checkWriterProcessing(problems, processing, 'Redshift');
    failWith(scope, problems);

    const bucket = backupBucket(scope, 'IntermediateBucket', props.intermediateBucket);
    grantObjectWrites(roles, bucket, intermediate.encryptionKey);
    if (props.copyRole) {
      bucket.grantRead(props.copyRole);
      acknowledge(
        props.copyRole,
        [...GRANT_ACTION_WILDCARDS, IAM5(`Resource::${nagResource(props.copyRole, bucket.bucketArn)}/*`)],
        "COPY reads the intermediate objects Sluice writes under generated keys; aws-cdk-lib's grantRead action groups on that bucket only.",
      );
    }
    for (const role of roles) {
      props.credentials.grantRead(role);
      // The flush runs one COPY per batch (ExecuteStatement) and polls it (DescribeStatement); nothing else.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['redshift-data:ExecuteStatement'],
          resources: [props.dataApiResourceArn],
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['redshift-data:DescribeStatement'], resources: ['*'] }),
      );
      acknowledge(
        role,
        [IAM5('Resource::*')],
        'redshift-data:DescribeStatement has no resource-level permissions; it only sees statements the caller ran.',
      );
    }
    const s3Config = s3Configuration(bucket, options.role, { ...intermediate, compression });
    let backupConfiguration: Record<string, unknown> | undefined;
    if (props.s3Backup) {
      const backup = backupBucket(scope, 'BackupBucket', props.s3Backup.bucket);
      grantObjectWrites(roles, backup, props.s3Backup.encryptionKey);
      backupConfiguration = s3Configuration(backup, options.role, props.s3Backup);
    }
    const configuration = compact({
      ClusterJDBCURL: props.jdbcUrl,
      CopyCommand: compact({
        DataTableName: props.tableName,
        DataTableColumns: props.tableColumns?.join(','),
        CopyOptions: props.copyOptions,
      }),
      RoleARN: options.role.roleArn,
      RetryOptions: { DurationInSeconds: retrySeconds },
      S3Configuration: s3Config,
      ProcessingConfiguration: processing,
      S3BackupMode: props.s3Backup ? 'Enabled' : 'Disabled',
      S3BackupConfiguration: backupConfiguration,
      SecretsManagerConfiguration: {
        Enabled: true,
        SecretARN: props.credentials.secretArn,
        RoleARN: options.role.roleArn,
      },
    });
    const hints = s3Config.BufferingHints as { SizeInMBs: number; IntervalInSeconds: number };
    return {
      member: 'RedshiftDestinationConfiguration',
      configuration,
      bufferingHints: { sizeBytes: hints.SizeInMBs * MIB, intervalSeconds: hints.IntervalInSeconds },
      metricPrefix: 'DeliveryToRedshift',
    };
  }
}
