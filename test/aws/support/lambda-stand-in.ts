import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

/** A function body: the event in, the response out (what a Node.js Lambda handler is). */
export type StandInHandler = (event: unknown) => Promise<unknown>;

export interface LambdaStandIn {
  endpoint: string;
  /** Function name (unqualified) and qualifier of every invocation, in order. */
  calls: Array<{ functionName: string; qualifier: string | undefined; invocationType: string }>;
  /** The next invocation is answered with this API error instead (e.g. TooManyRequestsException, 429), once. */
  failNext(type: string, status: number): void;
  stop(): Promise<void>;
}

/** A handler exported by a module file, e.g. `examples/transforms/enrich.mjs`, as Lambda would load it. */
export async function loadHandler(modulePath: string, exportName = 'handler'): Promise<StandInHandler> {
  const module = (await import(pathToFileURL(modulePath).href)) as Record<string, StandInHandler>;
  const handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${modulePath} exports no function ${exportName}`);
  return handler;
}

/** Lambda's synchronous payload limit, for the request and the response alike (6 MB, enforced as 6 MiB). */
const PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * A STAND-IN for the AWS Lambda Invoke API, not Lambda: `POST /2015-03-31/functions/{FunctionName}/invocations`
 * as the REST API documents it, running JavaScript handlers in this process, so the real `@aws-sdk/client-lambda`
 * talks to it. It answers as Lambda does: the handler's JSON result with 200; a handler that throws, or a result
 * over 6 MB, with 200 and `X-Amz-Function-Error: Unhandled` and an `{errorType, errorMessage}` body; a request over
 * 6 MB with 413 RequestTooLargeException; an unknown function with 404 ResourceNotFoundException. FunctionName may
 * be a name, `name:qualifier` or a (qualified) ARN. It does not verify signatures.
 */
export async function startLambdaStandIn(functions: Record<string, StandInHandler>): Promise<LambdaStandIn> {
  const calls: LambdaStandIn['calls'] = [];
  let injected: { type: string; status: number } | undefined;
  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
      if (req.method !== 'POST' || !match)
        return apiError(res, 404, 'UnknownOperationException', 'Not found');
      const reference = parseFunction(decodeURIComponent(match[1]!));
      const qualifier = url.searchParams.get('Qualifier') ?? reference.qualifier;
      const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      calls.push({ functionName: reference.name, qualifier, invocationType });
      if (injected) {
        const { type, status } = injected;
        injected = undefined;
        return apiError(res, status, type, `Injected ${type}`);
      }
      const handler = functions[reference.name];
      if (!handler) {
        return apiError(res, 404, 'ResourceNotFoundException', `Function not found: ${reference.name}`);
      }
      if (body.byteLength > PAYLOAD_LIMIT_BYTES) {
        return apiError(
          res,
          413,
          'RequestTooLargeException',
          `Request must be smaller than ${PAYLOAD_LIMIT_BYTES} bytes for the InvokeFunction operation`,
        );
      }
      let result: string;
      try {
        result = JSON.stringify(await handler(JSON.parse(body.toString('utf8'))));
      } catch (error) {
        return functionError(
          res,
          (error as Error).name ?? 'Error',
          (error as Error).message ?? String(error),
        );
      }
      if (Buffer.byteLength(result) > PAYLOAD_LIMIT_BYTES) {
        return functionError(
          res,
          'Function.ResponseSizeTooLarge',
          `Response payload size exceeded maximum allowed payload size (${PAYLOAD_LIMIT_BYTES} bytes).`,
        );
      }
      send(res, 200, { 'x-amz-executed-version': '$LATEST' }, result);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    failNext(type, status) {
      injected = { type, status };
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseFunction(reference: string): { name: string; qualifier: string | undefined } {
  const arn = /^arn:[^:]+:lambda:[^:]*:\d{12}:function:([^:]+)(?::([^:]+))?$/.exec(reference);
  const [name, qualifier] = arn ? [arn[1]!, arn[2]] : reference.split(':');
  return { name: name!, qualifier };
}

function functionError(res: ServerResponse, errorType: string, errorMessage: string): void {
  send(
    res,
    200,
    { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
    JSON.stringify({ errorType, errorMessage }),
  );
}

/** Lambda's REST errors: the type in `x-amzn-ErrorType`, and `{Type, Message}` in the body. */
function apiError(res: ServerResponse, status: number, type: string, message: string): void {
  send(res, status, { 'x-amzn-errortype': type }, JSON.stringify({ Type: 'User', Message: message }));
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': 'stand-in',
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
