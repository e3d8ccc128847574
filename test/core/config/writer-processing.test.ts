import { describe, expect, it } from 'vitest';
import { describeStream } from '../../../lib/core/config/describe.ts';
import { resolveCreateInput, toResolvedStream } from '../../../lib/core/config/resolve-stream.ts';
import { applyUpdateDestination } from '../../../lib/core/config/update-destination.ts';
import { BUCKET, ctx, errorOf, ROLE } from './fixtures.ts';

const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:enrich';
const S3 = { RoleARN: ROLE, BucketARN: BUCKET };

const lambda = (...extra: Array<[string, string]>) => ({
  Type: 'Lambda',
  Parameters: [['LambdaArn', LAMBDA_ARN], ...extra].map(([ParameterName, ParameterValue]) => ({
    ParameterName,
    ParameterValue,
  })),
});
const decompression = {
  Type: 'Decompression',
  Parameters: [{ ParameterName: 'CompressionFormat', ParameterValue: 'GZIP' }],
};
const cloudWatchLogs = {
  Type: 'CloudWatchLogProcessing',
  Parameters: [{ ParameterName: 'DataMessageExtraction', ParameterValue: 'true' }],
};
const processing = (...processors: unknown[]) => ({
  ProcessingConfiguration: { Enabled: true, Processors: processors },
});

const WRITERS: Record<string, (extra: Record<string, unknown>) => Record<string, unknown>> = {
  HttpEndpointDestination: (extra) => ({
    DeliveryStreamName: 'to-http',
    HttpEndpointDestinationConfiguration: {
      EndpointConfiguration: { Url: 'https://receiver.example.com/ingest' },
      S3Configuration: S3,
      ...extra,
    },
  }),
  AmazonopensearchserviceDestination: (extra) => ({
    DeliveryStreamName: 'to-os',
    AmazonopensearchserviceDestinationConfiguration: {
      RoleARN: ROLE,
      ClusterEndpoint: 'https://search.example.com',
      IndexName: 'logs',
      S3Configuration: S3,
      ...extra,
    },
  }),
  RedshiftDestination: (extra) => ({
    DeliveryStreamName: 'to-rs',
    RedshiftDestinationConfiguration: {
      RoleARN: ROLE,
      ClusterJDBCURL: 'jdbc:postgresql://127.0.0.1:5432/dev',
      CopyCommand: { DataTableName: 'events', CopyOptions: "JSON 'auto'" },
      Username: 'loader',
      Password: 'secret-password',
      S3Configuration: S3,
      ...extra,
    },
  }),
};

describe('processors before writer destinations (§2.2, §5, §6)', () => {
  for (const [name, input] of Object.entries(WRITERS)) {
    it(`${name}: Lambda, Decompression and CloudWatchLogProcessing resolve in Firehose's order with §2.2 defaults`, () => {
      const stored = resolveCreateInput(input(processing(lambda(), cloudWatchLogs, decompression)), ctx);
      const resolved = toResolvedStream(stored, ctx);
      expect(resolved.destination.processors).toEqual([
        { type: 'Lambda', parameters: { LambdaArn: LAMBDA_ARN } },
        { type: 'CloudWatchLogProcessing', parameters: { DataMessageExtraction: 'true' } },
        { type: 'Decompression', parameters: { CompressionFormat: 'GZIP' } },
      ]);
      const destination = (describeStream(stored, ctx).Destinations as Array<Record<string, unknown>>)[0]!;
      expect(destination[`${name}Description`]).toMatchObject(
        processing(lambda(), cloudWatchLogs, decompression),
      );
    });

    it(`${name}: the processors of dynamic partitioning are refused, each by name (§6: Extended S3 only)`, () => {
      const error = errorOf(() =>
        resolveCreateInput(
          input(
            processing(
              lambda(),
              { Type: 'AppendDelimiterToRecord' },
              {
                Type: 'RecordDeAggregation',
                Parameters: [{ ParameterName: 'SubRecordType', ParameterValue: 'JSON' }],
              },
              {
                Type: 'MetadataExtraction',
                Parameters: [
                  { ParameterName: 'MetadataExtractionQuery', ParameterValue: '{a: .a}' },
                  { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
                ],
              },
            ),
          ),
          ctx,
        ),
      );
      expect(error.type).toBe('InvalidArgumentException');
      expect(error.message.split('; ')).toEqual(
        ['AppendDelimiterToRecord', 'RecordDeAggregation', 'MetadataExtraction'].map(
          (type, i) =>
            `Processors[${i + 1}]: the ${type} processor is only available on an Extended S3 destination, as part of dynamic partitioning. The ${name} runs Lambda, Decompression and CloudWatchLogProcessing processors.`,
        ),
      );
    });
  }

  it('the Lambda of an HTTP endpoint stream takes BufferSizeInMBs 0.2–3 (the 256 KB default is Splunk’s and Snowflake’s)', () => {
    const ok = resolveCreateInput(
      WRITERS.HttpEndpointDestination!(processing(lambda(['BufferSizeInMBs', '0.2']))),
      ctx,
    );
    expect(toResolvedStream(ok, ctx).destination.processors[0]!.parameters.BufferSizeInMBs).toBe('0.2');
    const error = errorOf(() =>
      resolveCreateInput(
        WRITERS.HttpEndpointDestination!(processing(lambda(['BufferSizeInMBs', '3.5']))),
        ctx,
      ),
    );
    expect(error).toEqual({
      type: 'InvalidArgumentException',
      message: 'Processors[0]: BufferSizeInMBs 3.5 is out of range; it must be between 0.2 and 3.',
    });
  });

  it('CloudWatchLogProcessing without Decompression is refused on a writer as on S3', () => {
    const error = errorOf(() =>
      resolveCreateInput(WRITERS.AmazonopensearchserviceDestination!(processing(cloudWatchLogs)), ctx),
    );
    expect(error.message).toBe('CloudWatchLogProcessing processor requires a Decompression processor.');
  });

  it('a disabled ProcessingConfiguration runs nothing', () => {
    const stored = resolveCreateInput(
      WRITERS.HttpEndpointDestination!({
        ProcessingConfiguration: { Enabled: false, Processors: [lambda()] },
      }),
      ctx,
    );
    expect(toResolvedStream(stored, ctx).destination.processors).toEqual([]);
  });

  it('UpdateDestination adds a Lambda to an HTTP endpoint stream and checks it like a create', () => {
    const stored = {
      ...resolveCreateInput(WRITERS.HttpEndpointDestination!({}), ctx),
      status: 'ACTIVE' as const,
    };
    const updated = applyUpdateDestination(
      stored,
      {
        DeliveryStreamName: 'to-http',
        CurrentDeliveryStreamVersionId: '1',
        DestinationId: 'destinationId-000000000001',
        HttpEndpointDestinationUpdate: processing(lambda()),
      },
      ctx,
    );
    expect(toResolvedStream(updated, ctx).destination.processors).toEqual([
      { type: 'Lambda', parameters: { LambdaArn: LAMBDA_ARN } },
    ]);
    const error = errorOf(() =>
      applyUpdateDestination(
        stored,
        {
          DeliveryStreamName: 'to-http',
          CurrentDeliveryStreamVersionId: '1',
          DestinationId: 'destinationId-000000000001',
          HttpEndpointDestinationUpdate: processing({ Type: 'AppendDelimiterToRecord' }),
        },
        ctx,
      ),
    );
    expect(error.message).toContain('the AppendDelimiterToRecord processor is only available');
  });
});
