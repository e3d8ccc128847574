import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type BufferingPlan, planBuffering } from '../aws/buffering-plan.ts';
import { DEFAULT_METRICS_NAMESPACE, STREAM_DIMENSION } from '../aws/emf.ts';
import { ENV } from '../aws/environment.ts';
import type { DestinationConfig, IDestination } from './destination.ts';
import { StreamEncryption, StreamEncryptionType } from './encryption.ts';
import { IngestEndpoint } from './ingest-endpoint.ts';
import { acknowledge, BASIC_EXECUTION_ROLE, GRANT_ACTION_WILDCARDS, IAM5, nagResource } from './nag.ts';
import { runtimeFunction } from './runtime-function.ts';
import { failWith } from './validation.ts';

export interface DeliveryStreamProps {
  readonly destination: IDestination;
  /** Default: a name generated from the construct path (at most 64 characters, [a-zA-Z0-9_.-]). */
  readonly deliveryStreamName?: string;
  /** Default: StreamEncryption.awsOwnedKey(). */
  readonly encryption?: StreamEncryption;
  /** Default: the stack's IngestEndpoint.of(stack). */
  readonly endpoint?: IngestEndpoint;
  /** Kinesis capacity: on demand (default) or provisioned with `shardCount` shards. */
  readonly streamMode?: kinesis.StreamMode;
  readonly shardCount?: number;
  /** How long records wait in Kinesis if delivery stalls. Default 24 h (Firehose's buffer retention, spec §1.3). */
  readonly retentionPeriod?: Duration;
  /** For the staging bucket and buffer ledger. Default RETAIN: they may hold records not yet delivered. */
  readonly removalPolicy?: RemovalPolicy;
  /** CloudWatch namespace of the stream's metrics. Default `Sluice`. */
  readonly metricsNamespace?: string;
  /** Create a CloudWatch dashboard for the stream. Default true. */
  readonly dashboard?: boolean;
}

/** The flush Lambda's timeout for S3 deliveries; SQS redelivers a failed flush after FLUSH_REDRIVE_DELAY. */
const FLUSH_TIMEOUT = Duration.minutes(5);
/**
 * For writer destinations and Lambda transforms: a retry window (HTTP endpoint and OpenSearch default to 300 s)
 * or a 5-minute transform call then fits in one run; longer windows span re-drives (lib/aws/writer-delivery.ts).
 */
const LONG_FLUSH_TIMEOUT = Duration.minutes(15);
/** The flush queue's visibility timeout: at least 2× the longest flush timeout, 6× the usual one. */
const FLUSH_REDRIVE_DELAY = Duration.minutes(30);
/** 48 attempts 30 minutes apart: about Firehose's 24 h of S3 retries (spec §3.7) before the DLQ. */
const FLUSH_MAX_RECEIVES = 48;
/** Lambda's environment holds 4 KB in all; the stream config is the big part. */
const MAX_CONFIG_CHARS = 3000;

/**
 * A Firehose-compatible delivery stream deployed as Sluice: the shared ingest endpoint → a Kinesis Data
 * Stream → the buffer Lambda (staging in S3 + a DynamoDB buffer ledger) → an SQS flush queue (+ DLQ) and a
 * one-minute sweeper → the flush Lambda → the destination. Every function's role is scoped to this stream's
 * own resources.
 */
export class DeliveryStream extends Construct {
  readonly deliveryStreamName: string;
  /** The ARN Sluice reports for the stream (as in Firehose events); no AWS resource has it. */
  readonly deliveryStreamArn: string;
  readonly destination: IDestination;
  readonly endpoint: IngestEndpoint;
  readonly encryptionKey: kms.IKey | undefined;
  readonly kinesisStream: kinesis.Stream;
  readonly stagingBucket: s3.Bucket;
  readonly bufferLedger: dynamodb.Table;
  readonly flushQueue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly bufferFunction: lambda.Function;
  readonly flushFunction: lambda.Function;
  readonly sweeperFunction: lambda.Function;
  readonly bufferingPlan: BufferingPlan;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly iteratorAgeAlarm: cloudwatch.Alarm;
  readonly dataFreshnessAlarm: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard | undefined;
  private readonly metricsNamespace: string;
  private readonly metricPrefix: string;

  constructor(scope: Construct, id: string, props: DeliveryStreamProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.destination = props.destination;
    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    this.deliveryStreamName =
      props.deliveryStreamName ?? Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    this.deliveryStreamArn = stack.formatArn({
      service: 'firehose',
      resource: 'deliverystream',
      resourceName: this.deliveryStreamName,
    });
    const encryption = props.encryption ?? StreamEncryption.awsOwnedKey();
    this.encryptionKey = encryption.resolveKey(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.retentionPeriod ?? Duration.hours(24);
    const streamMode = props.streamMode ?? kinesis.StreamMode.ON_DEMAND;

    const problems: string[] = [];
    if (
      !Token.isUnresolved(this.deliveryStreamName) &&
      !/^[a-zA-Z0-9_.-]{1,64}$/.test(this.deliveryStreamName)
    ) {
      problems.push(
        `deliveryStreamName '${this.deliveryStreamName.slice(0, 80)}' must be 1–64 characters of [a-zA-Z0-9_.-] (spec §1.2).`,
      );
    }
    if (streamMode === kinesis.StreamMode.ON_DEMAND && props.shardCount !== undefined) {
      problems.push('shardCount is only for streamMode PROVISIONED.');
    }
    if (props.shardCount !== undefined && (!Number.isInteger(props.shardCount) || props.shardCount < 1)) {
      problems.push(`shardCount must be a whole number of at least 1 (got ${props.shardCount}).`);
    }
    const retentionHours = retention.toHours({ integral: false });
    if (retentionHours < 24 || retentionHours > 8760) {
      problems.push(`retentionPeriod must be between 24 and 8760 hours (got ${retentionHours}).`);
    }
    failWith(this, problems);

    this.kinesisStream = new kinesis.Stream(this, 'Records', {
      streamMode,
      ...(streamMode === kinesis.StreamMode.PROVISIONED ? { shardCount: props.shardCount ?? 1 } : {}),
      retentionPeriod: retention,
      ...kinesisEncryption(encryption, this.encryptionKey),
    });
    this.stagingBucket = new s3.Bucket(this, 'Staging', {
      ...(this.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: this.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy,
      // Chunks normally live minutes; this only sweeps chunks of flushes abandoned in the DLQ (14 days) and lost.
      lifecycleRules: [
        { expiration: Duration.days(15), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.bufferLedger = new dynamodb.Table(this, 'BufferLedger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(this.encryptionKey
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: this.encryptionKey }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      removalPolicy,
    });
    const queueEncryption = this.encryptionKey
      ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: this.encryptionKey }
      : { encryption: sqs.QueueEncryption.SQS_MANAGED };
    this.deadLetterQueue = new sqs.Queue(this, 'FlushDeadLetters', {
      ...queueEncryption,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.flushQueue = new sqs.Queue(this, 'Flushes', {
      ...queueEncryption,
      enforceSSL: true,
      visibilityTimeout: FLUSH_REDRIVE_DELAY,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: FLUSH_MAX_RECEIVES },
    });

    // Roles first: the destination writes the flush role's ARN into its config and grants to both roles.
    const flushRole = lambdaRole(this, 'FlushRole');
    const bufferRole = lambdaRole(this, 'BufferRole');
    const sweeperRole = lambdaRole(this, 'SweeperRole');
    const config: DestinationConfig = this.destination.bind(this, { role: flushRole, additionalRoles: [] });
    this.metricPrefix = config.metricPrefix;
    const mayOutlastOneRun =
      config.member !== 'ExtendedS3DestinationConfiguration' || hasLambdaProcessor(config.configuration);
    const partitioned = isDynamicallyPartitioned(config.configuration);
    this.bufferingPlan = planBuffering(config.bufferingHints, {
      mayOutlastOneRun,
      processesBeforeStaging: partitioned,
    });
    if (this.bufferingPlan.mode === 'direct') {
      // Direct mode: the buffer Lambda delivers, so it needs the destination's grants too.
      this.destination.bind(new Construct(this, 'DirectDelivery'), { role: bufferRole, additionalRoles: [] });
    } else if (partitioned) {
      // Dynamic partitioning: the buffer Lambda runs the transform and writes error output and source backup
      // (lib/aws/partition-staging.ts), so it gets the destination's grants too.
      this.destination.bind(new Construct(this, 'PartitionRouting'), {
        role: bufferRole,
        additionalRoles: [],
      });
    }
    const streamConfig = stack.toJsonString({
      DeliveryStreamName: this.deliveryStreamName,
      [config.member]: config.configuration,
    });
    if (configLength(config) > MAX_CONFIG_CHARS) {
      failWith(this, [
        `the destination configuration is too large for the Lambda environment (~${configLength(config)} of ${MAX_CONFIG_CHARS} characters); shorten prefixes or attributes.`,
      ]);
    }

    const environment = {
      [ENV.streamName]: this.deliveryStreamName,
      [ENV.streamConfig]: streamConfig,
      [ENV.buffering]: JSON.stringify(this.bufferingPlan),
      [ENV.ledgerTable]: this.bufferLedger.tableName,
      [ENV.stagingBucket]: this.stagingBucket.bucketName,
      [ENV.flushQueueUrl]: this.flushQueue.queueUrl,
      [ENV.accountId]: stack.account,
      [ENV.metricsNamespace]: this.metricsNamespace,
      ...(config.activePartitionLimit === undefined
        ? {}
        : { [ENV.activePartitionLimit]: String(config.activePartitionLimit) }),
    };
    // A flush holds up to the size hint (128 MiB) plus its compressed copy.
    const deliveryMemory = Math.min(
      3008,
      Math.max(512, Math.ceil((config.bufferingHints.sizeBytes * 3) / 1_048_576) + 256),
    );
    this.bufferFunction = runtimeFunction(this, 'Buffer', {
      handler: 'buffer',
      role: bufferRole,
      description: `Sluice ${this.deliveryStreamName}: Kinesis → staged chunks (${this.bufferingPlan.mode})`,
      memorySize: this.bufferingPlan.mode === 'direct' ? deliveryMemory : 1024,
      // Routing partitions runs the transform in this Lambda: calls of up to 5 minutes, retried.
      timeout: partitioned && mayOutlastOneRun ? LONG_FLUSH_TIMEOUT : Duration.minutes(5),
      environment,
    });
    this.flushFunction = runtimeFunction(this, 'Flush', {
      handler: 'flush',
      role: flushRole,
      description: `Sluice ${this.deliveryStreamName}: staged chunks → destination`,
      memorySize: deliveryMemory,
      timeout: mayOutlastOneRun ? LONG_FLUSH_TIMEOUT : FLUSH_TIMEOUT,
      environment,
    });
    this.sweeperFunction = runtimeFunction(this, 'Sweeper', {
      handler: 'sweeper',
      role: sweeperRole,
      description: `Sluice ${this.deliveryStreamName}: enqueue due buffers`,
      memorySize: 256,
      timeout: Duration.minutes(1),
      environment,
    });

    this.bufferFunction.addEventSource(
      new KinesisEventSource(this.kinesisStream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10_000,
        maxBatchingWindow: Duration.seconds(this.bufferingPlan.batchingWindowSeconds),
        // Never skip a batch: the mapping retries until the batch is staged (DESIGN.md AWS invariant 3); the
        // iterator-age alarm fires long before records expire.
        retryAttempts: -1,
        bisectBatchOnError: false,
        parallelizationFactor: 1,
      }),
    );
    this.flushFunction.addEventSource(
      new SqsEventSource(this.flushQueue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    new events.Rule(this, 'Sweep', {
      description: `Sluice ${this.deliveryStreamName}: one-minute buffer sweeper`,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.sweeperFunction, { retryAttempts: 0 })],
    });

    // Least privilege: each role gets exactly the operations its handler issues, on this stream's resources.
    const tableActions = (actions: string[]) =>
      new iam.PolicyStatement({
        actions: actions.map((a) => `dynamodb:${a}`),
        resources: [this.bufferLedger.tableArn],
      });
    bufferRole.addToPrincipalPolicy(
      tableActions(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query']),
    );
    sweeperRole.addToPrincipalPolicy(
      tableActions(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query']),
    );
    flushRole.addToPrincipalPolicy(tableActions(['GetItem', 'UpdateItem', 'DeleteItem']));
    this.stagingBucket.grantPut(bufferRole, 'chunks/*');
    this.stagingBucket.grantRead(flushRole, 'chunks/*');
    this.stagingBucket.grantDelete(flushRole, 'chunks/*');
    this.flushQueue.grantSendMessages(bufferRole);
    this.flushQueue.grantSendMessages(sweeperRole);
    if (this.encryptionKey) {
      // The ledger's key is used by every role that reads or writes items.
      this.encryptionKey.grantEncryptDecrypt(sweeperRole);
      this.encryptionKey.grantEncryptDecrypt(bufferRole);
      this.encryptionKey.grantEncryptDecrypt(flushRole);
    }

    const chunks = IAM5(`Resource::${nagResource(this, this.stagingBucket.bucketArn)}/chunks/*`);
    acknowledge(
      bufferRole,
      [chunks],
      "Chunk keys are generated per batch; the grant is limited to this stream's staging prefix.",
    );
    acknowledge(
      flushRole,
      [chunks],
      "Chunk keys are generated per batch; the grant is limited to this stream's staging prefix.",
    );
    acknowledge(
      this.stagingBucket,
      ['AwsSolutions-S1'],
      "Staging holds transient chunks read only by this stream's flush Lambda; every access is already in the buffer ledger and Lambda logs, and access logs would cost more than the data.",
    );
    acknowledge(
      this.kinesisStream,
      ['AwsSolutions-KDS3'],
      encryption.type === StreamEncryptionType.CUSTOMER_MANAGED
        ? 'Encrypted with a customer managed key; the rule cannot read a key given by reference and reports it.'
        : 'The stream encryption was chosen explicitly (StreamEncryption); customerManagedKey() gives a key under your control.',
    );

    this.endpoint = props.endpoint ?? IngestEndpoint.of(this);
    this.endpoint.addStream(
      this.deliveryStreamName,
      this.kinesisStream,
      encryption.type !== StreamEncryptionType.UNENCRYPTED,
    );

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'FlushDeadLettersAlarm', {
      alarmDescription: `Sluice ${this.deliveryStreamName}: flushes gave up after ~24 h of retries; redrive the DLQ once the destination is fixed.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.iteratorAgeAlarm = new cloudwatch.Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription: `Sluice ${this.deliveryStreamName}: the buffer Lambda is behind by half the Kinesis retention; records expire at the full retention.`,
      metric: this.bufferFunction.metric('IteratorAge', {
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: retention.toMilliseconds() / 2,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.dataFreshnessAlarm = new cloudwatch.Alarm(this, 'DataFreshnessAlarm', {
      alarmDescription: `Sluice ${this.deliveryStreamName}: the oldest delivered record waited more than the buffering interval plus 15 minutes.`,
      metric: this.metric(`${this.metricPrefix}.DataFreshness`, {
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: this.bufferingPlan.intervalSeconds + 900,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.dashboard = props.dashboard === false ? undefined : this.createDashboard();
  }

  /** Allows PutRecord and PutRecordBatch through the stream's endpoint (see IngestEndpoint on scoping). */
  grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    return this.endpoint.grantPutRecords(grantee);
  }

  /** A metric of this stream by Firehose's name (spec §11), from the handlers' EMF output. */
  metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName,
      dimensionsMap: { [STREAM_DIMENSION]: this.deliveryStreamName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  metricIncomingBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('IncomingBytes', props);
  }
  metricIncomingRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('IncomingRecords', props);
  }
  metricIncomingPutRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('IncomingPutRequests', props);
  }
  metricThrottledRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ThrottledRecords', props);
  }
  /** `<destination>.Records`, e.g. DeliveryToS3.Records. */
  metricDeliveryRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(`${this.metricPrefix}.Records`, props);
  }
  metricDeliveryBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(`${this.metricPrefix}.Bytes`, props);
  }
  metricDeliveryDataFreshness(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(`${this.metricPrefix}.DataFreshness`, { statistic: 'Maximum', ...props });
  }
  metricBackupToS3Bytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('BackupToS3.Bytes', props);
  }
  metricBackupToS3Records(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('BackupToS3.Records', props);
  }
  metricBackupToS3DataFreshness(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('BackupToS3.DataFreshness', { statistic: 'Maximum', ...props });
  }

  private createDashboard(): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard');
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Incoming',
        left: [this.metricIncomingRecords(), this.metricThrottledRecords()],
        right: [this.metricIncomingBytes()],
      }),
      new cloudwatch.GraphWidget({
        title: 'Delivered',
        left: [this.metricDeliveryRecords()],
        right: [this.metricDeliveryBytes()],
      }),
      new cloudwatch.GraphWidget({
        title: 'Freshness (s) and buffer age',
        left: [
          this.metricDeliveryDataFreshness(),
          this.metric('Sluice.BufferAgeSeconds', { statistic: 'Maximum' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Backlog',
        left: [
          this.flushQueue.metricApproximateNumberOfMessagesVisible(),
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
        ],
        right: [this.bufferFunction.metric('IteratorAge', { statistic: 'Maximum' })],
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [this.deadLetterAlarm, this.iteratorAgeAlarm, this.dataFreshnessAlarm],
      }),
    );
    return dashboard;
  }
}

function kinesisEncryption(
  encryption: StreamEncryption,
  key: kms.IKey | undefined,
): Pick<kinesis.StreamProps, 'encryption' | 'encryptionKey'> {
  switch (encryption.type) {
    case StreamEncryptionType.UNENCRYPTED:
      return { encryption: kinesis.StreamEncryption.UNENCRYPTED };
    case StreamEncryptionType.CUSTOMER_MANAGED:
      return { encryption: kinesis.StreamEncryption.KMS, encryptionKey: key };
    default:
      return { encryption: kinesis.StreamEncryption.MANAGED };
  }
}

/** A Lambda role whose only managed policy is basic execution (CloudWatch Logs). */
function lambdaRole(scope: Construct, id: string): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
  });
  acknowledge(
    role,
    [BASIC_EXECUTION_ROLE],
    'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch Logs.',
  );
  acknowledge(
    role,
    GRANT_ACTION_WILDCARDS,
    "Action groups written by aws-cdk-lib's grant helpers, on this stream's own buckets and keys only.",
  );
  return role;
}

function hasLambdaProcessor(configuration: Record<string, unknown>): boolean {
  const processing = configuration.ProcessingConfiguration as
    | { Processors?: Array<{ Type?: string }> }
    | undefined;
  return (processing?.Processors ?? []).some((processor) => processor.Type === 'Lambda');
}

function isDynamicallyPartitioned(configuration: Record<string, unknown>): boolean {
  const partitioning = configuration.DynamicPartitioningConfiguration as { Enabled?: boolean } | undefined;
  return partitioning?.Enabled === true;
}

function configLength(config: DestinationConfig): number {
  // Tokens (ARNs of resources in the app) render to ~100 characters once deployed.
  return JSON.stringify(config.configuration).replace(/\$\{Token\[[^\]]*\]\}/g, 'x'.repeat(100)).length;
}
