import { Readable } from 'node:stream';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { type HttpRequest, HttpResponse } from '@smithy/protocol-http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SigV4Verifier } from '../../../lib/local/auth/sigv4-verifier.ts';

export const CALLER = { accessKeyId: 'AKIDPRODUCER', secretAccessKey: 'producer-secret' };

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * An HTTP API with IAM authorization in front of the ingest Lambda, in process: it checks the SigV4
 * signature for the `execute-api` service (what API Gateway does) and turns the request into the payload
 * format 2.0 event API Gateway hands the Lambda.
 */
export class FakeHttpApi {
  private readonly verifier = new SigV4Verifier([CALLER], { service: 'execute-api' });
  requests = 0;

  constructor(private readonly handler: Handler) {}

  async invoke(request: HttpRequest): Promise<APIGatewayProxyStructuredResultV2> {
    this.requests++;
    const body = typeof request.body === 'string' ? request.body : Buffer.from(request.body ?? '').toString();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    try {
      this.verifier.verify(
        { method: request.method, path: request.path, query: '', headers, body: Buffer.from(body) },
        Date.now(),
      );
    } catch (error) {
      // API Gateway's own answer to a bad signature; the Lambda is never invoked.
      return { statusCode: 403, body: JSON.stringify({ message: (error as Error).message }) };
    }
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: 'POST /',
      rawPath: request.path,
      rawQueryString: '',
      headers,
      requestContext: {
        accountId: '123456789012',
        apiId: 'fakeapi',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'fakeapi',
        http: {
          method: request.method,
          path: request.path,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: '',
        },
        requestId: `req-${this.requests}`,
        routeKey: 'POST /',
        stage: '$default',
        time: '',
        timeEpoch: Date.now(),
      },
      body,
      isBase64Encoded: false,
    };
    return this.handler(event);
  }

  /**
   * A stock FirehoseClient pointed at the endpoint as docs/aws.md tells producers to: the endpoint URL, and
   * SigV4 with the signing name API Gateway verifies (`execute-api`) instead of `firehose`.
   */
  client(): FirehoseClient {
    const config = {
      region: 'us-east-1',
      endpoint: 'https://fakeapi.execute-api.us-east-1.amazonaws.com',
      credentials: CALLER,
      maxAttempts: 1,
      // API Gateway verifies SigV4 for the `execute-api` service, not `firehose`.
      signingName: 'execute-api',
      requestHandler: {
        handle: async (request: HttpRequest) => {
          const result = await this.invoke(request);
          return {
            response: new HttpResponse({
              statusCode: result.statusCode ?? 200,
              headers: (result.headers ?? {}) as Record<string, string>,
              body: Readable.from([Buffer.from(result.body ?? '')]),
            }),
          };
        },
      },
    };
    return new FirehoseClient(config);
  }
}
