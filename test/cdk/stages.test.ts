import { Size, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchLogProcessingProcessor,
  DecompressionProcessor,
  DeliveryStream,
  HttpEndpoint,
  InputFormat,
  LambdaFunctionProcessor,
  OpenSearchDomain,
  OutputFormat,
  RecordDeAggregationProcessor,
  RedshiftTable,
  S3Bucket,
  type S3BucketProps,
  SchemaConfiguration,
} from '../../lib/cdk/index.ts';
import { unbundledStack } from './support.ts';

/** The grants and configuration of the flush Lambda's stages: Glue for format conversion, Lambda processors. */
let stack: Stack;
let bucket: s3.IBucket;
beforeEach(() => {
  stack = unbundledStack();
  bucket = s3.Bucket.fromBucketName(stack, 'Dest', 'dest-bucket');
});

const conversion = (schemaConfiguration: SchemaConfiguration): S3BucketProps => ({
  bufferingSize: Size.mebibytes(128),
  dataFormatConversion: {
    schemaConfiguration,
    inputFormat: InputFormat.openXJson({ convertDotsInJsonKeysToUnderscores: true }),
    outputFormat: OutputFormat.parquet({ compression: 'GZIP' }),
  },
});

/** Statements of the policies attached to a role, whatever policy resource holds them. */
function statementsOf(template: Template, roleLogicalIdPrefix: string): Array<Record<string, unknown>> {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as Array<{ Ref: string }>).some((role) =>
        role.Ref.startsWith(roleLogicalIdPrefix),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const glueArn = (resource: string, account = '123456789012', region = 'us-east-1') => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:glue:${region}:${account}:${resource}`]],
});

describe('data format conversion', () => {
  it('grants the flush role glue:GetTable on exactly the catalog, database and table', () => {
    new DeliveryStream(stack, 'Lake', {
      deliveryStreamName: 'lake',
      destination: new S3Bucket(
        bucket,
        conversion(SchemaConfiguration.fromTableName({ databaseName: 'analytics', tableName: 'events' })),
      ),
    });
    const template = Template.fromStack(stack);
    const glueStatements = statementsOf(template, 'LakeFlushRole').filter((s) =>
      JSON.stringify(s.Action).includes('glue:'),
    );
    expect(glueStatements).toEqual([
      {
        Action: 'glue:GetTable',
        Effect: 'Allow',
        Resource: [glueArn('catalog'), glueArn('database/analytics'), glueArn('table/analytics/events')],
      },
    ]);
    // Staged mode (128 MiB): the buffer Lambda never converts, so it has no Glue access.
    expect(JSON.stringify(statementsOf(template, 'LakeBufferRole'))).not.toContain('glue:');
  });

  it('adds GetTableVersion for a pinned version, in the table’s own catalog and region', () => {
    new DeliveryStream(stack, 'Lake', {
      deliveryStreamName: 'lake',
      destination: new S3Bucket(
        bucket,
        conversion(
          SchemaConfiguration.fromTableName({
            databaseName: 'shared',
            tableName: 'clicks',
            catalogId: '210987654321',
            region: 'eu-west-1',
            versionId: '7',
          }),
        ),
      ),
    });
    const template = Template.fromStack(stack);
    const glueStatements = statementsOf(template, 'LakeFlushRole').filter((s) =>
      JSON.stringify(s.Action).includes('glue:'),
    );
    expect(glueStatements).toEqual([
      {
        Action: ['glue:GetTable', 'glue:GetTableVersion'],
        Effect: 'Allow',
        Resource: [
          glueArn('catalog', '210987654321', 'eu-west-1'),
          glueArn('database/shared', '210987654321', 'eu-west-1'),
          glueArn('table/shared/clicks', '210987654321', 'eu-west-1'),
        ],
      },
    ]);
  });

  it('writes Firehose’s DataFormatConversionConfiguration for the flush Lambda, from a CfnTable', () => {
    const table = new glue.CfnTable(stack, 'Events', {
      catalogId: '123456789012',
      databaseName: 'analytics',
      tableInput: { name: 'events', storageDescriptor: { columns: [{ name: 'id', type: 'bigint' }] } },
    });
    const stream = new DeliveryStream(stack, 'Lake', {
      deliveryStreamName: 'lake',
      destination: new S3Bucket(bucket, conversion(SchemaConfiguration.fromCfnTable(table))),
    });
    const env =
      Template.fromStack(stack).findResources('AWS::Lambda::Function')[
        stack.getLogicalId(stream.flushFunction.node.defaultChild as lambda.CfnFunction)
      ]!.Properties.Environment.Variables.SLUICE_STREAM_CONFIG;
    const rendered = JSON.stringify(env);
    for (const fragment of [
      '\\"DataFormatConversionConfiguration\\":{\\"SchemaConfiguration\\":{\\"RoleARN\\":\\"',
      '\\"CatalogId\\":\\"123456789012\\",\\"DatabaseName\\":\\"analytics\\",\\"TableName\\":\\"',
      '\\"VersionId\\":\\"LATEST\\"}',
      '\\"InputFormatConfiguration\\":{\\"Deserializer\\":{\\"OpenXJsonSerDe\\":{\\"ConvertDotsInJsonKeysToUnderscores\\":true}}}',
      '\\"OutputFormatConfiguration\\":{\\"Serializer\\":{\\"ParquetSerDe\\":{\\"Compression\\":\\"GZIP\\"}}}',
    ]) {
      expect(rendered).toContain(fragment);
    }
    // The table name is the CfnTable's Ref.
    expect(rendered).toContain(`{"Ref":"${stack.getLogicalId(table)}"}`);
  });
});

describe('Lambda processors', () => {
  it('grant lambda:InvokeFunction on exactly the processor’s function ARN', () => {
    const enrich = lambda.Function.fromFunctionArn(
      stack,
      'Enrich',
      'arn:aws:lambda:us-east-1:123456789012:function:enrich',
    );
    const pinned = lambda.Function.fromFunctionArn(
      stack,
      'Redact',
      'arn:aws:lambda:us-east-1:123456789012:function:redact:live',
    );
    new DeliveryStream(stack, 'Clicks', {
      deliveryStreamName: 'clicks',
      destination: new S3Bucket(bucket, {
        processors: [
          new DecompressionProcessor(),
          new RecordDeAggregationProcessor({ subRecordType: 'JSON' }),
          new LambdaFunctionProcessor(enrich, { retries: 1 }),
        ],
      }),
    });
    new DeliveryStream(stack, 'Views', {
      deliveryStreamName: 'views',
      destination: new S3Bucket(bucket, { processors: [new LambdaFunctionProcessor(pinned)] }),
    });
    const template = Template.fromStack(stack);
    const invokes = (prefix: string) =>
      statementsOf(template, prefix).filter((s) => JSON.stringify(s.Action).includes('lambda:'));
    expect(invokes('ClicksFlushRole')).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: 'arn:aws:lambda:us-east-1:123456789012:function:enrich',
      },
    ]);
    // A qualified ARN (an alias) is granted as given, not every version with `:*`.
    expect(invokes('ViewsFlushRole')).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: 'arn:aws:lambda:us-east-1:123456789012:function:redact:live',
      },
    ]);
    // A Lambda transform makes the stream staged: only the flush Lambda runs it.
    expect(invokes('ClicksBufferRole')).toEqual([]);
    expect(invokes('ClicksSweeperRole')).toEqual([]);
    const clicks = stack.node.findChild('Clicks') as DeliveryStream;
    const env =
      template.findResources('AWS::Lambda::Function')[
        stack.getLogicalId(clicks.flushFunction.node.defaultChild as lambda.CfnFunction)
      ]!.Properties.Environment.Variables.SLUICE_STREAM_CONFIG;
    expect(JSON.stringify(env)).toContain(
      '{\\"Type\\":\\"Lambda\\",\\"Parameters\\":[{\\"ParameterName\\":\\"LambdaArn\\",\\"ParameterValue\\":\\"arn:aws:lambda:us-east-1:123456789012:function:enrich\\"},{\\"ParameterName\\":\\"NumberOfRetries\\",\\"ParameterValue\\":\\"1\\"}]}',
    );
  });
});

describe('writer destinations', () => {
  const flushEnv = (template: Template, stream: DeliveryStream) =>
    JSON.stringify(
      template.findResources('AWS::Lambda::Function')[
        stack.getLogicalId(stream.flushFunction.node.defaultChild as lambda.CfnFunction)
      ]!.Properties.Environment.Variables.SLUICE_STREAM_CONFIG,
    );

  it('Redshift: ExecuteStatement on the cluster only, DescribeStatement, the secret read; nothing else', () => {
    new DeliveryStream(stack, 'Dw', {
      deliveryStreamName: 'dw',
      destination: new RedshiftTable({
        jdbcUrl: 'jdbc:redshift://dw.abc123xyz789.us-east-1.redshift.amazonaws.com:5439/dev',
        dataApiResourceArn: 'arn:aws:redshift:us-east-1:123456789012:cluster:dw',
        tableName: 'events',
        credentials: secretsmanager.Secret.fromSecretCompleteArn(
          stack,
          'Creds',
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:creds-AbCdEf',
        ),
      }),
    });
    const statements = statementsOf(Template.fromStack(stack), 'DwFlushRole');
    const about = (prefix: string) => statements.filter((s) => JSON.stringify(s.Action).includes(prefix));
    expect(about('redshift-data:')).toEqual([
      {
        Action: 'redshift-data:ExecuteStatement',
        Effect: 'Allow',
        Resource: 'arn:aws:redshift:us-east-1:123456789012:cluster:dw',
      },
      { Action: 'redshift-data:DescribeStatement', Effect: 'Allow', Resource: '*' },
    ]);
    expect(about('secretsmanager:')).toEqual([
      {
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Effect: 'Allow',
        Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:creds-AbCdEf',
      },
    ]);
  });

  it('OpenSearch: the flush reaches the domain by ClusterEndpoint; writes are granted on the domain’s indices', () => {
    const domain = opensearch.Domain.fromDomainAttributes(stack, 'Search', {
      domainArn: 'arn:aws:es:us-east-1:123456789012:domain/search',
      domainEndpoint: 'search-search-abc.us-east-1.es.amazonaws.com',
    });
    const stream = new DeliveryStream(stack, 'Os', {
      deliveryStreamName: 'os',
      destination: new OpenSearchDomain(domain, { indexName: 'clicks' }),
    });
    const template = Template.fromStack(stack);
    const rendered = flushEnv(template, stream);
    expect(rendered).toContain(
      '\\"ClusterEndpoint\\":\\"https://search-search-abc.us-east-1.es.amazonaws.com\\"',
    );
    expect(rendered).not.toContain('DomainARN');
    const writes = statementsOf(template, 'OsFlushRole').filter((s) =>
      JSON.stringify(s.Action).includes('es:'),
    );
    expect(JSON.stringify(writes)).toContain('arn:aws:es:us-east-1:123456789012:domain/search/clicks*');
  });

  it('HTTP endpoint: only the access key secret is read', () => {
    new DeliveryStream(stack, 'Hook', {
      deliveryStreamName: 'hook',
      destination: new HttpEndpoint({
        endpointConfig: {
          url: 'https://collector.example.com/ingest',
          secret: secretsmanager.Secret.fromSecretCompleteArn(
            stack,
            'Key',
            'arn:aws:secretsmanager:us-east-1:123456789012:secret:collector-AbCdEf',
          ),
        },
      }),
    });
    const statements = statementsOf(Template.fromStack(stack), 'HookFlushRole');
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('secretsmanager:'))).toEqual([
      {
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Effect: 'Allow',
        Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:collector-AbCdEf',
      },
    ]);
    expect(JSON.stringify(statements)).not.toMatch(/lambda:|glue:|redshift-data:|es:ESHttp/);
  });
});

describe('processors before writer destinations (spec §5, §6)', () => {
  const processors = (name: string) => [
    new DecompressionProcessor(),
    new CloudWatchLogProcessingProcessor(),
    new LambdaFunctionProcessor(
      lambda.Function.fromFunctionArn(
        stack,
        `${name}Fn`,
        `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
      ),
      { retries: 2 },
    ),
  ];
  const creds = () =>
    secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'Creds',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:creds-AbCdEf',
    );

  it('grant each flush role lambda:InvokeFunction on exactly its function, and write ProcessingConfiguration', () => {
    const streams = {
      Hook: new DeliveryStream(stack, 'Hook', {
        destination: new HttpEndpoint({
          endpointConfig: { url: 'https://collector.example.com' },
          processors: processors('hook'),
        }),
      }),
      Os: new DeliveryStream(stack, 'Os', {
        destination: new OpenSearchDomain(
          opensearch.Domain.fromDomainAttributes(stack, 'Search', {
            domainArn: 'arn:aws:es:us-east-1:123456789012:domain/search',
            domainEndpoint: 'search-search-abc.us-east-1.es.amazonaws.com',
          }),
          { indexName: 'logs', processors: processors('os') },
        ),
      }),
      Dw: new DeliveryStream(stack, 'Dw', {
        destination: new RedshiftTable({
          jdbcUrl: 'jdbc:redshift://dw.abc123xyz789.us-east-1.redshift.amazonaws.com:5439/dev',
          dataApiResourceArn: 'arn:aws:redshift:us-east-1:123456789012:cluster:dw',
          tableName: 'events',
          credentials: creds(),
          processors: processors('dw'),
        }),
      }),
    };
    const template = Template.fromStack(stack);
    const functions = template.findResources('AWS::Lambda::Function');
    for (const [id, stream] of Object.entries(streams)) {
      const fn = id.toLowerCase();
      const invokes = (role: string) =>
        statementsOf(template, `${id}${role}`).filter((s) => JSON.stringify(s.Action).includes('lambda:'));
      expect(invokes('FlushRole')).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: `arn:aws:lambda:us-east-1:123456789012:function:${fn}`,
        },
      ]);
      // Writer destinations are staged: only the flush Lambda runs the processors.
      expect(stream.bufferingPlan.mode).toBe('staged');
      expect(invokes('BufferRole')).toEqual([]);
      expect(invokes('SweeperRole')).toEqual([]);
      const env =
        functions[stack.getLogicalId(stream.flushFunction.node.defaultChild as lambda.CfnFunction)]!
          .Properties.Environment.Variables.SLUICE_STREAM_CONFIG;
      // The config is JSON inside the environment's Fn::Join; the processors hold no tokens.
      const processing = JSON.stringify(
        `"ProcessingConfiguration":${JSON.stringify({
          Enabled: true,
          Processors: [
            {
              Type: 'Decompression',
              Parameters: [{ ParameterName: 'CompressionFormat', ParameterValue: 'GZIP' }],
            },
            {
              Type: 'CloudWatchLogProcessing',
              Parameters: [{ ParameterName: 'DataMessageExtraction', ParameterValue: 'true' }],
            },
            {
              Type: 'Lambda',
              Parameters: [
                {
                  ParameterName: 'LambdaArn',
                  ParameterValue: `arn:aws:lambda:us-east-1:123456789012:function:${fn}`,
                },
                { ParameterName: 'NumberOfRetries', ParameterValue: '2' },
              ],
            },
          ],
        })}`,
      ).slice(1, -1);
      expect(JSON.stringify(env)).toContain(processing);
    }
  });
});

describe('flushes that may outlast one Lambda run', () => {
  it('are staged with a 15-minute flush Lambda (writer destinations, Lambda transforms); plain S3 stays direct', () => {
    const transform = lambda.Function.fromFunctionArn(
      stack,
      'Fn',
      'arn:aws:lambda:us-east-1:123456789012:function:enrich',
    );
    const plain = new DeliveryStream(stack, 'Plain', { destination: new S3Bucket(bucket) });
    const transformed = new DeliveryStream(stack, 'Transformed', {
      destination: new S3Bucket(bucket, { processors: [new LambdaFunctionProcessor(transform)] }),
    });
    const webhook = new DeliveryStream(stack, 'Webhook', {
      destination: new HttpEndpoint({ endpointConfig: { url: 'https://collector.example.com' } }),
    });
    const template = Template.fromStack(stack);
    const functions = template.findResources('AWS::Lambda::Function');
    const of = (stream: DeliveryStream) => ({
      mode: stream.bufferingPlan.mode,
      flushTimeout:
        functions[stack.getLogicalId(stream.flushFunction.node.defaultChild as lambda.CfnFunction)]!
          .Properties.Timeout,
    });
    expect(of(plain)).toEqual({ mode: 'direct', flushTimeout: 300 });
    expect(of(transformed)).toEqual({ mode: 'staged', flushTimeout: 900 });
    expect(of(webhook)).toEqual({ mode: 'staged', flushTimeout: 900 });
    // Staged: the buffer Lambda never delivers, so it gets no destination grants.
    expect(JSON.stringify(statementsOf(template, 'TransformedBufferRole'))).not.toContain(
      'lambda:InvokeFunction',
    );
    // A re-drive waits 30 minutes whatever the flush timeout: 48 receives stay about Firehose's 24 h.
    for (const queue of Object.values(template.findResources('AWS::SQS::Queue'))) {
      if (queue.Properties.RedrivePolicy) expect(queue.Properties.VisibilityTimeout).toBe(1800);
    }
  });
});
