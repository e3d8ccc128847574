import { Duration, SecretValue, Size, type Stack, TimeZone } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AppendDelimiterToRecordProcessor,
  BackupMode,
  CloudWatchLogProcessingProcessor,
  Compression,
  DeliveryStream,
  type DeliveryStreamProps,
  HttpEndpoint,
  type HttpEndpointProps,
  IngestEndpoint,
  InputFormat,
  LambdaFunctionProcessor,
  MetadataExtractionProcessor,
  OpenSearchDomain,
  OutputFormat,
  RecordDeAggregationProcessor,
  RedshiftTable,
  type RedshiftTableProps,
  S3Bucket,
  type S3BucketProps,
  SchemaConfiguration,
} from '../../lib/cdk/index.ts';
import { unbundledStack } from './support.ts';

/** Every validation rule of the constructs, each with a configuration that breaks only that rule. */
let stack: Stack;
let bucket: s3.IBucket;
beforeEach(() => {
  stack = unbundledStack();
  bucket = s3.Bucket.fromBucketName(stack, 'Dest', 'dest-bucket');
});

const s3Stream = (props: S3BucketProps, extra: Partial<DeliveryStreamProps> = {}) =>
  new DeliveryStream(stack, 'Stream', { destination: new S3Bucket(bucket, props), ...extra });

const httpStream = (props: Partial<HttpEndpointProps>) =>
  new DeliveryStream(stack, 'Stream', {
    destination: new HttpEndpoint({ endpointConfig: { url: 'https://collector.example.com' }, ...props }),
  });

const redshiftStream = (props: Partial<RedshiftTableProps>) =>
  new DeliveryStream(stack, 'Stream', {
    destination: new RedshiftTable({
      jdbcUrl: 'jdbc:redshift://host.example.com:5439/dev',
      dataApiResourceArn: 'arn:aws:redshift:us-east-1:123456789012:cluster:dw',
      tableName: 'events',
      credentials: secretsmanager.Secret.fromSecretNameV2(stack, 'Creds', 'creds'),
      ...props,
    }),
  });

describe('DeliveryStream fails when', () => {
  it('the name breaks Firehose’s pattern', () => {
    expect(() => s3Stream({}, { deliveryStreamName: 'bad name!' })).toThrow(
      /deliveryStreamName 'bad name!' must be 1–64/,
    );
  });
  it('shardCount is given for an on-demand stream', () => {
    expect(() => s3Stream({}, { shardCount: 2 })).toThrow(/shardCount is only for streamMode PROVISIONED/);
  });
  it('shardCount is below 1', () => {
    expect(() => s3Stream({}, { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: 0 })).toThrow(
      /at least 1/,
    );
  });
  it('retention is under 24 hours', () => {
    expect(() => s3Stream({}, { retentionPeriod: Duration.hours(12) })).toThrow(/between 24 and 8760 hours/);
  });
  it('two streams register the same name on one endpoint', () => {
    s3Stream({}, { deliveryStreamName: 'same' });
    expect(
      () =>
        new DeliveryStream(stack, 'Other', { deliveryStreamName: 'same', destination: new S3Bucket(bucket) }),
    ).toThrow(/'same' is already registered/);
  });
  it('the destination config does not fit the Lambda environment', () => {
    const attributes = Array.from({ length: 60 }, (_, i) => ({
      name: `attribute-${i}`,
      value: 'v'.repeat(40),
    }));
    expect(() => httpStream({ attributes })).toThrow(/too large for the Lambda environment/);
  });
});

describe('S3Bucket fails (with the core’s rules) when', () => {
  it('the buffering size is over 128 MiB', () => {
    expect(() => s3Stream({ bufferingSize: Size.mebibytes(129) })).toThrow(
      /ValidationException.*sizeInMBs|SizeInMBs/i,
    );
  });
  it('the buffering size is not whole MiB', () => {
    expect(() => s3Stream({ bufferingSize: Size.kibibytes(1536) })).toThrow(
      /whole number|integral|cannot be converted/i,
    );
  });
  it('the buffering interval is over 900 s', () => {
    expect(() => s3Stream({ bufferingInterval: Duration.seconds(901) })).toThrow(
      /ValidationException.*intervalInSeconds/i,
    );
  });
  it('the prefix has expressions but no error prefix is given', () => {
    expect(() => s3Stream({ dataOutputPrefix: 'x/!{timestamp:yyyy}/' })).toThrow(
      /InvalidArgumentException.*ErrorOutputPrefix cannot be null or empty when Prefix contains expressions/,
    );
  });
  it('the error prefix has expressions but no error-output-type', () => {
    expect(() => s3Stream({ errorOutputPrefix: 'err/!{timestamp:yyyy}/' })).toThrow(
      /InvalidArgumentException.*error-output-type/,
    );
  });
  it('the compression is not one of Firehose’s', () => {
    expect(() => s3Stream({ compression: Compression.of('LZ4') })).toThrow(
      /ValidationException.*compressionFormat/i,
    );
  });
  it('the time zone is unknown', () => {
    expect(() => s3Stream({ timeZone: TimeZone.of('Mars/Olympus_Mons') })).toThrow(
      /CustomTimeZone .* not a known IANA time zone/,
    );
  });
  it('the S3 backup asks for failed records only', () => {
    expect(() => s3Stream({ s3Backup: { mode: BackupMode.FAILED } })).toThrow(
      /s3Backup.mode FAILED is not available/,
    );
  });
  it('a MetadataExtraction processor is configured without dynamic partitioning', () => {
    expect(() =>
      s3Stream({ processors: [MetadataExtractionProcessor.jq16({ customer: '.customer' })] }),
    ).toThrow(/MetadataExtractionProcessor needs dynamicPartitioning: \{ enabled: true \}/);
  });
  it('data format conversion is combined with compression', () => {
    expect(() =>
      s3Stream({
        compression: Compression.GZIP,
        bufferingSize: Size.mebibytes(128),
        dataFormatConversion: {
          schemaConfiguration: SchemaConfiguration.fromTableName({ databaseName: 'db', tableName: 't' }),
          inputFormat: InputFormat.OPENX_JSON,
          outputFormat: OutputFormat.PARQUET,
        },
      }),
    ).toThrow(/CompressionFormat/);
  });
});

describe('a writer destination fails when a processor only an S3 destination runs is configured (spec §6)', () => {
  const onlyOnS3 =
    /the (AppendDelimiterToRecord|RecordDeAggregation|MetadataExtraction) processor runs only before an S3 destination/;
  const search = () =>
    opensearch.Domain.fromDomainEndpoint(stack, 'Domain', 'https://search-d-abc.us-east-1.es.amazonaws.com');
  it('HttpEndpoint with AppendDelimiterToRecord', () => {
    expect(() => httpStream({ processors: [new AppendDelimiterToRecordProcessor()] })).toThrow(
      /the AppendDelimiterToRecord processor runs only before an S3 destination/,
    );
  });
  it('RedshiftTable with RecordDeAggregation', () => {
    expect(() =>
      redshiftStream({ processors: [new RecordDeAggregationProcessor({ subRecordType: 'JSON' })] }),
    ).toThrow(/the RecordDeAggregation processor runs only before an S3 destination/);
  });
  it('OpenSearchDomain with MetadataExtraction', () => {
    expect(
      () =>
        new DeliveryStream(stack, 'Search', {
          destination: new OpenSearchDomain(search(), {
            indexName: 'logs',
            processors: [MetadataExtractionProcessor.jq16({ customer: '.customer' })],
          }),
        }),
    ).toThrow(/the MetadataExtraction processor runs only before an S3 destination/);
  });
  it('CloudWatchLogProcessing comes without Decompression (the core’s rule, checked at synth)', () => {
    expect(() => httpStream({ processors: [new CloudWatchLogProcessingProcessor()] })).toThrow(
      /CloudWatchLogProcessing processor requires a Decompression processor/,
    );
  });
  it('a Lambda processor’s buffer size is out of range for the destination (spec §2.2)', () => {
    const fn = lambda.Function.fromFunctionArn(
      stack,
      'Fn',
      'arn:aws:lambda:us-east-1:123456789012:function:f',
    );
    expect(() =>
      httpStream({ processors: [new LambdaFunctionProcessor(fn, { bufferSize: Size.mebibytes(5) })] }),
    ).toThrow(/BufferSizeInMBs/);
  });
  it('lists every refused processor at once', () => {
    expect(() =>
      httpStream({
        processors: [
          new AppendDelimiterToRecordProcessor(),
          new RecordDeAggregationProcessor({ subRecordType: 'JSON' }),
        ],
      }),
    ).toThrow(new RegExp(`${onlyOnS3.source}.*; ${onlyOnS3.source}`));
  });
});

describe('HttpEndpoint fails when', () => {
  it('the URL is not https', () => {
    expect(() => httpStream({ endpointConfig: { url: 'http://collector.example.com' } })).toThrow(
      /must be an https:\/\/ URL/,
    );
  });
  it('an access key would land in the Lambda environment', () => {
    expect(() =>
      httpStream({
        endpointConfig: { url: 'https://c.example.com', accessKey: SecretValue.unsafePlainText('k') },
      }),
    ).toThrow(/accessKey would be stored in the Lambda environment/);
  });
  it('the buffering size is over 64 MiB', () => {
    expect(() => httpStream({ bufferingHints: { size: Size.mebibytes(65) } })).toThrow(
      /bufferingHints.size must be between 1 and 64/,
    );
  });
  it('the retry duration is over 7200 s', () => {
    expect(() => httpStream({ retryDuration: Duration.seconds(7201) })).toThrow(
      /retryDuration must be between 0 and 7200/,
    );
  });
});

describe('OpenSearchDomain fails when', () => {
  const domain = () =>
    opensearch.Domain.fromDomainEndpoint(stack, 'Domain', 'https://search-x-abc.us-east-1.es.amazonaws.com');
  it('the index name is not valid', () => {
    expect(
      () =>
        new DeliveryStream(stack, 'Stream', {
          destination: new OpenSearchDomain(domain(), { indexName: 'Logs' }),
        }),
    ).toThrow(/indexName 'Logs' is not a valid OpenSearch index name/);
  });
  it('the buffering size is over 100 MiB', () => {
    expect(
      () =>
        new DeliveryStream(stack, 'Stream', {
          destination: new OpenSearchDomain(domain(), {
            indexName: 'logs',
            bufferingSize: Size.mebibytes(101),
          }),
        }),
    ).toThrow(/bufferingSize must be between 1 and 100/);
  });
});

describe('RedshiftTable fails when', () => {
  it('the JDBC URL is not a Redshift one', () => {
    expect(() => redshiftStream({ jdbcUrl: 'postgres://x' })).toThrow(/jdbcUrl must look like jdbc:redshift/);
  });
  it('the intermediate compression cannot be read by COPY', () => {
    expect(() => redshiftStream({ intermediateS3: { compression: Compression.SNAPPY } })).toThrow(
      /Snappy cannot be read by COPY/,
    );
  });
  it('the intermediate prefix has expressions', () => {
    expect(() => redshiftStream({ intermediateS3: { dataOutputPrefix: '!{timestamp:yyyy}/' } })).toThrow(
      /must not contain expressions for Redshift/,
    );
  });
  it('an intermediate error prefix is set', () => {
    expect(() => redshiftStream({ intermediateS3: { errorOutputPrefix: 'e/' } })).toThrow(
      /errorOutputPrefix must not be set for Redshift/,
    );
  });
});

describe('valid configurations', () => {
  it('accept Firehose’s extremes: 128 MiB / 900 s with backup, and zero buffering', () => {
    s3Stream({ bufferingSize: Size.mebibytes(128), bufferingInterval: Duration.seconds(900), s3Backup: {} });
    new DeliveryStream(stack, 'Zero', {
      destination: new S3Bucket(bucket, { bufferingInterval: Duration.seconds(0) }),
      endpoint: new IngestEndpoint(stack, 'SecondEndpoint'),
    });
  });
});
