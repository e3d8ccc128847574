import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { SluiceExampleStack } from '../../lib/cdk/example-stack.ts';
import { ENV, unbundledApp } from './support.ts';

/** The example app's stack, synthesized once and shared by every test of this file. */
let stack: SluiceExampleStack;
let template: Template;
let resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;

beforeAll(() => {
  stack = new SluiceExampleStack(unbundledApp(), 'SluiceExample', { env: ENV });
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

const STREAMS = ['Clicks', 'Archive', 'Webhook', 'Search', 'Warehouse', 'Lake', 'Orders'];

function policyOf(roleLogicalIdPrefix: string): string {
  const entry = Object.entries(resources).find(
    ([id, resource]) => resource.Type === 'AWS::IAM::Policy' && id.startsWith(roleLogicalIdPrefix),
  );
  if (!entry) throw new Error(`no policy ${roleLogicalIdPrefix}`);
  return JSON.stringify(entry[1].Properties);
}

describe('the example stack', () => {
  it('has one pipeline per delivery stream and one shared endpoint', () => {
    template.resourceCountIs('AWS::Kinesis::Stream', 7);
    template.resourceCountIs('AWS::DynamoDB::Table', 7);
    template.resourceCountIs('AWS::SQS::Queue', 14);
    // 3 per stream, the shared ingest Lambda and the example transform.
    template.resourceCountIs('AWS::Lambda::Function', 23);
    template.resourceCountIs('AWS::Events::Rule', 7);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 7);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 21);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /',
      AuthorizationType: 'AWS_IAM',
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it('pins the logical IDs of the stateful resources', () => {
    // Renaming any of these replaces a stream, a bucket or a table holding records: it must be deliberate.
    const stateful = Object.entries(resources)
      .filter(
        ([id, r]) =>
          ([
            'AWS::Kinesis::Stream',
            'AWS::S3::Bucket',
            'AWS::DynamoDB::Table',
            'AWS::SQS::Queue',
            'AWS::ApiGatewayV2::Api',
          ].includes(r.Type) &&
            id.startsWith('Clicks')) ||
          (id.startsWith('SluiceIngestEndpointApi') && r.Type === 'AWS::ApiGatewayV2::Api'),
      )
      .map(([id]) => id)
      .sort();
    expect(stateful).toEqual([
      'ClicksBufferLedgerF5AF01C4',
      'ClicksFlushDeadLetters0B4BA32E',
      'ClicksFlushesF60FD9A9',
      'ClicksRecords340E8AA6',
      'ClicksStaging33E3FF0C',
      'SluiceIngestEndpointApiC570A78E',
    ]);
  });

  it('runs Lambdas on Node 22, ARM64', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
  });

  it('buffers in direct mode within the mapping window, staged beyond it', () => {
    const modes = Object.fromEntries(
      STREAMS.map((name) => {
        const fn =
          resources[
            Object.keys(resources).find(
              (id) => id.startsWith(`${name}Buffer`) && resources[id]!.Type === 'AWS::Lambda::Function',
            )!
          ]!;
        const env = (fn.Properties!.Environment as { Variables: Record<string, string> }).Variables;
        return [name, JSON.parse(env.SLUICE_BUFFERING!)];
      }),
    );
    expect(modes.Clicks).toEqual({
      mode: 'direct',
      sizeBytes: 5 * 1048576,
      intervalSeconds: 300,
      batchingWindowSeconds: 300,
    });
    // Dynamic partitioning is always staged: 128 MiB by default with it (spec §2.1).
    expect(modes.Orders).toEqual({
      mode: 'staged',
      sizeBytes: 128 * 1048576,
      intervalSeconds: 300,
      batchingWindowSeconds: 30,
    });
    expect(modes.Archive).toEqual({
      mode: 'staged',
      sizeBytes: 128 * 1048576,
      intervalSeconds: 900,
      batchingWindowSeconds: 90,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': ['ClicksRecords340E8AA6', 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      MaximumBatchingWindowInSeconds: 300,
      MaximumRetryAttempts: -1,
      BisectBatchOnFunctionError: false,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': ['ClicksFlushesF60FD9A9', 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('gives each flush queue a DLQ with ~24 h of retries and an alarm on it', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 1800,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': ['ClicksFlushDeadLetters0B4BA32E', 'Arn'] },
        maxReceiveCount: 48,
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': ['ClicksFlushDeadLetters0B4BA32E', 'QueueName'] } },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Sluice',
      MetricName: 'DeliveryToS3.DataFreshness',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: 'clicks' }],
      Threshold: 1200,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Threshold: 12 * 3600 * 1000,
    });
  });

  it('expires staged chunks and keeps staging private and TLS-only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            ExpirationInDays: 15,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
        ],
      },
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      }),
    });
  });

  it("scopes each stream's roles to that stream's own resources", () => {
    for (const name of STREAMS) {
      const others = STREAMS.filter((other) => other !== name);
      for (const role of ['Buffer', 'Flush', 'Sweeper']) {
        const policy = policyOf(`${name}${role}Role`);
        for (const other of others) expect(policy).not.toContain(`"${other}`);
        expect(policy).not.toContain('dynamodb:Scan');
        expect(policy).not.toContain('"dynamodb:*"');
      }
      expect(policyOf(`${name}FlushRole`)).toContain(`${name}BufferLedger`);
    }
    // The flush role reads and deletes staged chunks; the buffer role only writes them; the sweeper never sees them.
    expect(policyOf('ClicksFlushRole')).toMatch(/s3:DeleteObject/);
    expect(policyOf('ClicksBufferRole')).not.toMatch(/s3:DeleteObject|s3:GetObject/);
    expect(policyOf('ClicksSweeperRole')).not.toContain('ClicksStaging');
    expect(policyOf('ClicksSweeperRole')).toContain('sqs:SendMessage');
  });

  it('lets the ingest Lambda write to the registered Kinesis streams only', () => {
    const policy = JSON.parse(policyOf('SluiceIngestEndpointIngestServiceRole')) as {
      PolicyDocument: { Statement: Array<{ Action: string[] | string; Resource: unknown }> };
    };
    const kinesisResources = policy.PolicyDocument.Statement.filter((s) =>
      JSON.stringify(s.Action).includes('kinesis:PutRecords'),
    ).map((s) => JSON.stringify(s.Resource));
    expect(kinesisResources).toHaveLength(STREAMS.length);
    for (const name of STREAMS) expect(kinesisResources.some((r) => r.includes(`${name}Records`))).toBe(true);
    const routes = (
      resources.SluiceIngestEndpointIngestBCF9F30F!.Properties!.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables.SLUICE_ROUTES;
    expect(JSON.stringify(routes)).toContain('clicks');
  });

  it('grantPutRecords allows execute-api:Invoke on POST / and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Producers') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/\\*/POST/$')])],
            },
          },
        ],
      },
    });
  });

  it('encrypts every store of a customer-managed-key stream with that key', () => {
    const key = Object.keys(resources).find(
      (id) => id.startsWith('ArchiveKey') && resources[id]!.Type === 'AWS::KMS::Key',
    )!;
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const ref = { 'Fn::GetAtt': [key, 'Arn'] };
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: ref },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: Match.objectLike({ KMSMasterKeyId: ref }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: ref });
  });

  it('writes the destination as Firehose CreateDeliveryStream input for the flush Lambda', () => {
    const flush = resources.ClicksFlushF32BC2FD!;
    const config = JSON.stringify(
      (flush.Properties!.Environment as { Variables: Record<string, unknown> }).Variables
        .SLUICE_STREAM_CONFIG,
    );
    for (const fragment of [
      'ExtendedS3DestinationConfiguration',
      'GZIP',
      'AppendDelimiterToRecord',
      'clicks/!{timestamp:yyyy/MM/dd}/',
    ]) {
      expect(config).toContain(fragment);
    }
  });

  it('runs the lake stream’s transform and reads its Glue table: invoke and GetTable on exactly those', () => {
    const flush = policyOf('LakeFlushRole');
    expect(flush).toContain('lambda:InvokeFunction');
    expect(flush).toContain('EnrichTransform');
    expect(flush).toContain('glue:GetTable');
    expect(flush).toContain(':table/sluice_example/');
    expect(flush).not.toContain('glue:GetTableVersion');
    for (const other of STREAMS.filter((name) => name !== 'Lake')) {
      const policy = policyOf(`${other}FlushRole`);
      expect(policy).not.toContain('glue:');
      expect(policy).not.toContain('lambda:InvokeFunction');
    }
  });

  it('lets the orders stream’s buffer Lambda write its error output (it routes partitions)', () => {
    expect(policyOf('OrdersBufferRole')).toContain('{"Fn::GetAtt":["DataLakeE54831B2","Arn"]},"/*"');
    // Other staged streams' buffer Lambdas write only their staging chunks.
    expect(policyOf('ArchiveBufferRole')).not.toContain('DataLakeE54831B2');
  });

  it('passes cdk-nag AwsSolutions (every acknowledgement is justified in code)', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});
