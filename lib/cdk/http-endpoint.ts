import type { Duration, SecretValue, Size } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
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
import { processingConfiguration } from './processors.ts';
import { checkRange, checkWriterProcessing, failWith } from './validation.ts';

export enum HttpCompression {
  GZIP = 'GZIP',
  NONE = 'NONE',
}

export interface HttpEndpointConfig {
  /** HTTPS URL (spec §10.1, at most 1000 characters). */
  readonly url: string;
  readonly name?: string;
  /**
   * Not supported: the key would be in the Lambda's environment in clear text. Use `secret`.
   * @deprecated kept so aws-cdk-lib configurations fail with a clear message instead of silently.
   */
  readonly accessKey?: SecretValue;
  /** Secrets Manager secret holding the access key (`{"api_key": "…"}`), read by the flush Lambda. */
  readonly secret?: secretsmanager.ISecret;
}

export interface HttpEndpointProps extends CommonDestinationProps {
  readonly endpointConfig: HttpEndpointConfig;
  readonly requestCompression?: HttpCompression;
  readonly bufferingHints?: { readonly interval?: Duration; readonly size?: Size };
  /** Default 300 s, 0–7200 s (spec §10.4). */
  readonly retryDuration?: Duration;
  readonly attributes?: Array<{ readonly name: string; readonly value: string }>;
}

/**
 * Delivers to an HTTP endpoint (spec §10). The construct produces Firehose's HttpEndpointDestinationConfiguration;
 * the flush Lambda sends with the core's HTTP endpoint writer, reading the access key from `secret` (read access is
 * granted to the delivering roles, nothing else).
 */
export class HttpEndpoint implements IDestination {
  constructor(private readonly props: HttpEndpointProps) {}

  bind(scope: Construct, options: DestinationBindOptions): DestinationConfig {
    const props = this.props;
    const roles = deliveryRoles(options);
    const hints = bufferingHints(props.bufferingHints?.interval, props.bufferingHints?.size);
    const retrySeconds = props.retryDuration?.toSeconds() ?? 300;
    const problems: string[] = [];
    const url = props.endpointConfig.url;
    if (!url.startsWith('https://') && !url.startsWith('${Token'))
      problems.push(`endpointConfig.url must be an https:// URL (got '${url.slice(0, 80)}').`);
    if (url.length > 1000) problems.push('endpointConfig.url must be at most 1000 characters.');
    if (props.endpointConfig.accessKey) {
      problems.push(
        'endpointConfig.accessKey would be stored in the Lambda environment in clear text; pass endpointConfig.secret (a Secrets Manager secret) instead.',
      );
    }
    checkRange(problems, 'bufferingHints.size', hints.SizeInMBs, 1, 64, 'MiB');
    checkRange(problems, 'bufferingHints.interval', hints.IntervalInSeconds, 0, 900, 'seconds');
    checkRange(problems, 'retryDuration', retrySeconds, 0, 7200, 'seconds');
    // Bound (granting the delivering roles lambda:InvokeFunction on each function) before the checks, which read
    // the Firehose shape it produces.
    const processing = processingConfiguration(scope, props.processors, roles);
    checkWriterProcessing(problems, processing, 'HttpEndpoint');
    failWith(scope, problems);

    const bucket = backupBucket(scope, 'BackupBucket', props.s3Backup?.bucket);
    grantObjectWrites(roles, bucket, props.s3Backup?.encryptionKey);
    for (const role of roles) props.endpointConfig.secret?.grantRead(role);
    const configuration = compact({
      EndpointConfiguration: compact({ Url: url, Name: props.endpointConfig.name }),
      BufferingHints: hints,
      RequestConfiguration: compact({
        ContentEncoding: props.requestCompression ?? HttpCompression.NONE,
        CommonAttributes: props.attributes?.map((a) => ({ AttributeName: a.name, AttributeValue: a.value })),
      }),
      RetryOptions: { DurationInSeconds: retrySeconds },
      RoleARN: options.role.roleArn,
      S3BackupMode: props.s3Backup?.mode === BackupMode.ALL ? 'AllData' : 'FailedDataOnly',
      ProcessingConfiguration: processing,
      S3Configuration: s3Configuration(bucket, options.role, props.s3Backup ?? {}),
      SecretsManagerConfiguration: props.endpointConfig.secret
        ? { Enabled: true, SecretARN: props.endpointConfig.secret.secretArn, RoleARN: options.role.roleArn }
        : undefined,
    });
    return {
      member: 'HttpEndpointDestinationConfiguration',
      configuration,
      bufferingHints: { sizeBytes: hints.SizeInMBs * MIB, intervalSeconds: hints.IntervalInSeconds },
      metricPrefix: 'DeliveryToHttpEndpoint',
    };
  }
}
