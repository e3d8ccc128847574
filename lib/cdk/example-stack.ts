import { join } from 'node:path';
import { ArnFormat, CfnOutput, Duration, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Compression } from './common.ts';
import { InputFormat, OutputFormat, SchemaConfiguration } from './data-format-conversion.ts';
import { DeliveryStream } from './delivery-stream.ts';
import { StreamEncryption } from './encryption.ts';
import { HttpCompression, HttpEndpoint } from './http-endpoint.ts';
import { acknowledge, BASIC_EXECUTION_ROLE, IAM5, nagResource } from './nag.ts';
import { OpenSearchDomain } from './opensearch.ts';
import {
  AppendDelimiterToRecordProcessor,
  LambdaFunctionProcessor,
  MetadataExtractionProcessor,
} from './processors.ts';
import { RedshiftTable } from './redshift.ts';
import { S3Bucket } from './s3-bucket.ts';

/**
 * The example app's stack: one delivery stream per destination type behind one ingest endpoint, and a data lake
 * stream that runs a Lambda transform and converts to Parquet with a Glue table's schema (docs/aws.md).
 */
export class SluiceExampleStack extends Stack {
  readonly clicks: DeliveryStream;
  readonly archive: DeliveryStream;
  readonly webhook: DeliveryStream;
  readonly search: DeliveryStream;
  readonly warehouse: DeliveryStream;
  readonly lake: DeliveryStream;
  readonly orders: DeliveryStream;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const bucket = new s3.Bucket(this, 'DataLake', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    });

    // Default hints (5 MiB / 300 s): the direct path, one object per event source mapping batch.
    this.clicks = new DeliveryStream(this, 'Clicks', {
      deliveryStreamName: 'clicks',
      destination: new S3Bucket(bucket, {
        compression: Compression.GZIP,
        dataOutputPrefix: 'clicks/!{timestamp:yyyy/MM/dd}/',
        errorOutputPrefix: 'clicks-errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
        processors: [new AppendDelimiterToRecordProcessor()],
      }),
    });
    // Firehose's largest hints (128 MiB / 900 s): the staged path, with a source-record backup and a CMK.
    this.archive = new DeliveryStream(this, 'Archive', {
      deliveryStreamName: 'archive',
      encryption: StreamEncryption.customerManagedKey(),
      destination: new S3Bucket(bucket, {
        compression: Compression.ZIP,
        bufferingInterval: Duration.seconds(900),
        bufferingSize: Size.mebibytes(128),
        dataOutputPrefix: 'archive/',
        s3Backup: { bucket, dataOutputPrefix: 'archive-source/' },
      }),
    });

    const webhookSecret = new secretsmanager.Secret(this, 'WebhookKey', {
      description: 'Access key of the example HTTP endpoint',
    });
    this.webhook = new DeliveryStream(this, 'Webhook', {
      deliveryStreamName: 'webhook',
      destination: new HttpEndpoint({
        endpointConfig: {
          url: 'https://collector.example.com/firehose',
          name: 'collector',
          secret: webhookSecret,
        },
        requestCompression: HttpCompression.GZIP,
        bufferingHints: { interval: Duration.seconds(60), size: Size.mebibytes(1) },
        s3Backup: { bucket, dataOutputPrefix: 'webhook-failed/' },
      }),
    });

    const domain = opensearch.Domain.fromDomainEndpoint(
      this,
      'Domain',
      'https://search-logs-abcdefghijklmnop.us-east-1.es.amazonaws.com',
    );
    this.search = new DeliveryStream(this, 'Search', {
      deliveryStreamName: 'search',
      destination: new OpenSearchDomain(domain, {
        indexName: 'logs',
        s3Backup: { bucket, dataOutputPrefix: 'search-failed/' },
      }),
    });

    const redshiftCredentials = new secretsmanager.Secret(this, 'RedshiftCredentials', {
      description: 'Example Redshift user (username/password)',
      generateSecretString: { secretStringTemplate: '{"username":"sluice"}', generateStringKey: 'password' },
    });
    const copyRole = new iam.Role(this, 'RedshiftCopyRole', {
      assumedBy: new iam.ServicePrincipal('redshift.amazonaws.com'),
    });
    this.warehouse = new DeliveryStream(this, 'Warehouse', {
      deliveryStreamName: 'warehouse',
      destination: new RedshiftTable({
        jdbcUrl: 'jdbc:redshift://warehouse.abc123xyz789.us-east-1.redshift.amazonaws.com:5439/dev',
        dataApiResourceArn: this.formatArn({
          service: 'redshift',
          resource: 'cluster',
          resourceName: 'warehouse',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
        tableName: 'events',
        copyOptions: "json 'auto' gzip",
        credentials: redshiftCredentials,
        copyRole,
        intermediateBucket: bucket,
        intermediateS3: { dataOutputPrefix: 'redshift-staging/', compression: Compression.GZIP },
      }),
    });

    // examples/transforms/enrich.mjs (a blueprint-style transform that also runs under `sluice start`), then
    // JSON → Parquet with the schema of a Glue table (spec §5, §7).
    const enrich = new lambda.Function(this, 'EnrichTransform', {
      description: 'Example Firehose transform: adds processedAt',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'enrich.handler',
      code: lambda.Code.fromAsset(join(import.meta.dirname, '..', '..', 'examples', 'transforms')),
      timeout: Duration.minutes(1),
    });
    acknowledge(enrich, ['AwsSolutions-L1'], 'Pinned to Node.js 22, as the Sluice handlers are.');
    acknowledge(
      enrich,
      [BASIC_EXECUTION_ROLE],
      'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch Logs.',
    );
    const database = new glue.CfnDatabase(this, 'LakeDatabase', {
      catalogId: this.account,
      databaseInput: { name: 'sluice_example' },
    });
    const events = new glue.CfnTable(this, 'LakeEvents', {
      catalogId: this.account,
      databaseName: 'sluice_example',
      tableInput: {
        name: 'events',
        tableType: 'EXTERNAL_TABLE',
        storageDescriptor: {
          location: bucket.s3UrlForObject('lake/'),
          columns: [
            { name: 'customer_id', type: 'bigint' },
            { name: 'page', type: 'string' },
            { name: 'at', type: 'timestamp' },
            { name: 'processedat', type: 'timestamp' },
          ],
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
    events.addResourceDependency(database);
    this.lake = new DeliveryStream(this, 'Lake', {
      deliveryStreamName: 'lake',
      destination: new S3Bucket(bucket, {
        bufferingInterval: Duration.seconds(900),
        bufferingSize: Size.mebibytes(128),
        dataOutputPrefix: 'lake/dt=!{timestamp:yyyy-MM-dd}/',
        errorOutputPrefix: 'lake-errors/!{firehose:error-output-type}/',
        processors: [new LambdaFunctionProcessor(enrich)],
        dataFormatConversion: {
          schemaConfiguration: SchemaConfiguration.fromCfnTable(events),
          inputFormat: InputFormat.OPENX_JSON,
          outputFormat: OutputFormat.PARQUET,
        },
      }),
    });

    // Dynamic partitioning (spec §6): one prefix per customer and day, keys from a jq query; the buffer Lambda
    // routes records to partitions, each flushed on its own 128 MiB / 300 s.
    this.orders = new DeliveryStream(this, 'Orders', {
      deliveryStreamName: 'orders',
      destination: new S3Bucket(bucket, {
        compression: Compression.GZIP,
        dataOutputPrefix: 'orders/customer=!{partitionKeyFromQuery:customer}/dt=!{timestamp:yyyy-MM-dd}/',
        errorOutputPrefix: 'orders-errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
        processors: [
          MetadataExtractionProcessor.jq16({ customer: '.customer.id' }),
          new AppendDelimiterToRecordProcessor(),
        ],
        dynamicPartitioning: { enabled: true, retryDuration: Duration.minutes(10) },
      }),
    });

    const producers = new iam.Role(this, 'Producers', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Assumed by applications that put records to the Sluice endpoint',
    });
    this.clicks.grantPutRecords(producers);
    acknowledge(
      producers,
      [IAM5(`Resource::${nagResource(this, this.clicks.endpoint.api.arnForExecuteApi('POST', '/'))}`)],
      'Invoke on POST / in any stage: the API has only its $default stage.',
    );
    acknowledge(
      bucket,
      ['AwsSolutions-S1'],
      'Example data lake; enable server access logs to a log bucket in a real deployment.',
    );
    acknowledge(
      webhookSecret,
      ['AwsSolutions-SMG4'],
      'An API key issued by the HTTP endpoint; it is rotated by its issuer, not by a rotation Lambda.',
    );
    acknowledge(
      redshiftCredentials,
      ['AwsSolutions-SMG4'],
      'Example credentials; attach a rotation schedule for the cluster in a real deployment.',
    );
    new CfnOutput(this, 'EndpointUrl', { value: this.clicks.endpoint.url });
    new CfnOutput(this, 'ProducerRoleArn', { value: producers.roleArn });
  }
}
