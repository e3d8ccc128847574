import { Duration, Size, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AppendDelimiterToRecordProcessor,
  DeliveryStream,
  InputFormat,
  LambdaFunctionProcessor,
  MetadataExtractionProcessor,
  OutputFormat,
  S3Bucket,
  type S3BucketProps,
  SchemaConfiguration,
} from '../../lib/cdk/index.ts';
import { unbundledStack } from './support.ts';

/** Dynamic partitioning in the constructs (spec §6): props with aws-cdk-lib's names, the rules, the wiring. */
let stack: Stack;
let bucket: s3.IBucket;
beforeEach(() => {
  stack = unbundledStack();
  bucket = s3.Bucket.fromBucketName(stack, 'Dest', 'dest-bucket');
});

const byQuery: S3BucketProps = {
  dataOutputPrefix: 'customer=!{partitionKeyFromQuery:customer}/',
  errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
  processors: [
    MetadataExtractionProcessor.jq16({ customer: '.customer' }),
    new AppendDelimiterToRecordProcessor(),
  ],
  dynamicPartitioning: { enabled: true },
};

const stream = (props: S3BucketProps) =>
  new DeliveryStream(stack, 'Stream', {
    deliveryStreamName: 'clicks',
    destination: new S3Bucket(bucket, props),
  });

function functionProps(fn: lambda.Function): Record<string, unknown> {
  return Template.fromStack(stack).findResources('AWS::Lambda::Function')[
    stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)
  ]!.Properties;
}

function statementsOf(roleLogicalIdPrefix: string): Array<Record<string, unknown>> {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as Array<{ Ref: string }>).some((role) =>
        role.Ref.startsWith(roleLogicalIdPrefix),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('a dynamically partitioned stream', () => {
  it('writes DynamicPartitioningConfiguration with 128 MiB by default, and is staged', () => {
    const s = stream({
      ...byQuery,
      dynamicPartitioning: { enabled: true, retryDuration: Duration.minutes(10) },
    });
    // The config holds tokens (the bucket's ARN), so it is an Fn::Join: its literal parts are checked.
    const rendered = JSON.stringify(
      (functionProps(s.flushFunction).Environment as { Variables: Record<string, unknown> }).Variables
        .SLUICE_STREAM_CONFIG,
    );
    for (const fragment of [
      '\\"DynamicPartitioningConfiguration\\":{\\"Enabled\\":true,\\"RetryOptions\\":{\\"DurationInSeconds\\":600}}',
      // Spec §2.1: 128 MiB when dynamic partitioning is on and no size is given.
      '\\"BufferingHints\\":{\\"IntervalInSeconds\\":300,\\"SizeInMBs\\":128}',
      '{\\"Type\\":\\"MetadataExtraction\\",\\"Parameters\\":[{\\"ParameterName\\":\\"MetadataExtractionQuery\\",\\"ParameterValue\\":\\"{customer: .customer}\\"},{\\"ParameterName\\":\\"JsonParsingEngine\\",\\"ParameterValue\\":\\"JQ-1.6\\"}]}',
    ]) {
      expect(rendered).toContain(fragment);
    }
    expect(s.bufferingPlan).toMatchObject({
      mode: 'staged',
      sizeBytes: 128 * 1_048_576,
      intervalSeconds: 300,
    });
  });

  it('lets the buffer Lambda write error output and invoke the transform; passes the partition limit', () => {
    const enrich = lambda.Function.fromFunctionArn(
      stack,
      'Enrich',
      'arn:aws:lambda:us-east-1:123456789012:function:enrich',
    );
    const s = stream({
      dataOutputPrefix: 'customer=!{partitionKeyFromLambda:customer}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      processors: [new LambdaFunctionProcessor(enrich)],
      dynamicPartitioning: { enabled: true, activePartitionLimit: 1000 },
      bufferingSize: Size.mebibytes(64),
      bufferingInterval: Duration.seconds(60),
    });
    const buffer = functionProps(s.bufferFunction);
    expect(
      (buffer.Environment as { Variables: Record<string, string> }).Variables.SLUICE_ACTIVE_PARTITION_LIMIT,
    ).toBe('1000');
    // The transform runs while routing: calls of up to 5 minutes, retried.
    expect(buffer.Timeout).toBe(900);
    const bufferStatements = statementsOf('StreamBufferRole');
    expect(bufferStatements).toContainEqual({
      Action: 'lambda:InvokeFunction',
      Effect: 'Allow',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:enrich',
    });
    const puts = bufferStatements.filter((statement) =>
      JSON.stringify(statement.Action).includes('s3:PutObject'),
    );
    expect(JSON.stringify(puts)).toContain(':s3:::dest-bucket/*');
  });
});

describe('dynamic partitioning fails when', () => {
  it('the buffering size is under 64 MiB (spec §2.1)', () => {
    expect(() => stream({ ...byQuery, bufferingSize: Size.mebibytes(32) })).toThrow(
      /SizeInMBs must be at least 64 when Dynamic Partitioning is enabled/,
    );
  });
  it('the buffering interval is under 60 s', () => {
    expect(() => stream({ ...byQuery, bufferingInterval: Duration.seconds(30) })).toThrow(
      /IntervalInSeconds must be at least 60 seconds when Dynamic Partitioning is enabled/,
    );
  });
  it('the prefix uses query keys but no MetadataExtraction processor is configured', () => {
    expect(() => stream({ ...byQuery, processors: [new AppendDelimiterToRecordProcessor()] })).toThrow(
      /MetadataExtraction processor should be present/,
    );
  });
  it('the prefix uses Lambda keys but no Lambda processor is configured', () => {
    expect(() => stream({ ...byQuery, dataOutputPrefix: 'c=!{partitionKeyFromLambda:customer}/' })).toThrow(
      /Lambda should be present when S3 Prefix contains keys from partitionKeyFromLambda/,
    );
  });
  it('no error output prefix is given', () => {
    expect(() => stream({ ...byQuery, errorOutputPrefix: undefined })).toThrow(/ErrorOutputPrefix/);
  });
  it('the retry duration is over 7200 s', () => {
    expect(() =>
      stream({ ...byQuery, dynamicPartitioning: { enabled: true, retryDuration: Duration.hours(3) } }),
    ).toThrow(/dynamicPartitioning.retryDuration must be between 0 and 7200 seconds \(got 10800\)/);
  });
  it('the active-partition limit is outside 1–5000', () => {
    expect(() =>
      stream({ ...byQuery, dynamicPartitioning: { enabled: true, activePartitionLimit: 5001 } }),
    ).toThrow(/activePartitionLimit must be a whole number from 1 to 5000 \(got 5001\)/);
  });
  it('an active-partition limit is given with partitioning disabled', () => {
    expect(() =>
      stream({
        dynamicPartitioning: { enabled: false, activePartitionLimit: 10 },
      }),
    ).toThrow(/activePartitionLimit needs dynamicPartitioning.enabled/);
  });
  it('it is combined with data format conversion (not run by the AWS partition flush yet)', () => {
    const table = new glue.CfnTable(stack, 'Table', {
      catalogId: '123456789012',
      databaseName: 'analytics',
      tableInput: { name: 'events' },
    });
    expect(() =>
      stream({
        ...byQuery,
        processors: [MetadataExtractionProcessor.jq16({ customer: '.customer' })],
        dataFormatConversion: {
          schemaConfiguration: SchemaConfiguration.fromCfnTable(table),
          inputFormat: InputFormat.OPENX_JSON,
          outputFormat: OutputFormat.PARQUET,
        },
      }),
    ).toThrow(/dynamicPartitioning with dataFormatConversion is not supported by Sluice on AWS yet/);
  });
});
