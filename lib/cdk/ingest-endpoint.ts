import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../aws/environment.ts';
import { runtimeFunction } from './runtime-function.ts';

export interface IngestEndpointProps {
  /** CloudWatch namespace of the ingest metrics. Default `Sluice`. */
  readonly metricsNamespace?: string;
  /** Requests per second across the endpoint; default 2,000, Firehose's per-stream request quota (spec §1.4). */
  readonly throttlingRateLimit?: number;
  readonly throttlingBurstLimit?: number;
}

/**
 * The Firehose-compatible endpoint: an HTTP API with IAM authorization (SigV4, signing name `execute-api`)
 * whose one route, `POST /`, invokes the ingest Lambda with Firehose's JSON 1.1 requests. Delivery streams
 * register themselves; the ingest Lambda may write only to their Kinesis streams.
 *
 * IAM at the endpoint cannot tell delivery streams apart (the name is in the body), so `execute-api:Invoke`
 * on it allows putting to every stream registered here. Streams that need separate producers get separate
 * endpoints (`DeliveryStreamProps.endpoint`).
 */
export class IngestEndpoint extends Construct {
  /** The stack's default endpoint, created on first use. */
  static of(scope: Construct): IngestEndpoint {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild('SluiceIngestEndpoint');
    return existing instanceof IngestEndpoint ? existing : new IngestEndpoint(stack, 'SluiceIngestEndpoint');
  }

  readonly api: apigwv2.HttpApi;
  readonly function: lambda.Function;
  /** `https://<api-id>.execute-api.<region>.amazonaws.com`: the endpoint URL producers are given. */
  readonly url: string;
  private readonly routes: Record<string, [string, 0 | 1]> = {};

  constructor(scope: Construct, id: string, props: IngestEndpointProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.function = runtimeFunction(this, 'Ingest', {
      handler: 'ingest',
      description: 'Sluice ingest: Firehose PutRecord/PutRecordBatch → Kinesis',
      memorySize: 512,
      timeout: Duration.seconds(29),
      environment: {
        [ENV.routes]: Lazy.string({ produce: () => stack.toJsonString(this.routes) }),
        [ENV.accountId]: stack.account,
        ...(props.metricsNamespace ? { [ENV.metricsNamespace]: props.metricsNamespace } : {}),
      },
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Sluice: Firehose-compatible ingest (JSON 1.1, SigV4 with signing name execute-api)',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: true,
    });
    this.api.addRoutes({
      path: '/',
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Ingest', this.function, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = this.api.defaultStage!.node.defaultChild as apigwv2.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        caller: '$context.identity.caller',
        ip: '$context.identity.sourceIp',
        time: '$context.requestTime',
        status: '$context.status',
        responseLength: '$context.responseLength',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    stage.defaultRouteSettings = {
      throttlingRateLimit: props.throttlingRateLimit ?? 2000,
      throttlingBurstLimit: props.throttlingBurstLimit ?? 2000,
    };
    this.url = `https://${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }

  /** Routes a delivery stream's records to its Kinesis stream and lets the ingest Lambda write there. */
  addStream(deliveryStreamName: string, stream: kinesis.IStream, encrypted: boolean): void {
    if (this.routes[deliveryStreamName]) {
      throw new Error(
        `${this.node.path}: a delivery stream named '${deliveryStreamName}' is already registered.`,
      );
    }
    this.routes[deliveryStreamName] = [stream.streamName, encrypted ? 1 : 0];
    stream.grantWrite(this.function);
  }

  /** Allows PutRecord and PutRecordBatch through this endpoint (to every stream registered on it). */
  grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.api.arnForExecuteApi('POST', '/')],
    });
  }
}
