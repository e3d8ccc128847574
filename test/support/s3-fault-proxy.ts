import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the proxy saw, path-style: `/<bucket>/<key>`. */
export interface ProxiedRequest {
  method: string;
  bucket: string;
  key: string;
  /** The status the client received. */
  status: number;
  /** The proxy answered with an injected error instead of S3's own response. */
  faulted: boolean;
  /** The request reached S3 (false only for faults injected before forwarding). */
  reachedS3: boolean;
}

export interface FaultRule {
  method?: string;
  /** Matched against `<bucket>/<key>`. */
  target: RegExp;
  /** How many matching requests fail; the rule is spent after that. */
  count: number;
  /** 500 InternalError or 503 SlowDown, the two S3 errors its documentation says to retry. */
  status: 500 | 503;
  /**
   * Forward the request to S3 and fail only the response: the write lands, its acknowledgement is lost (a timeout
   * after the write, as far as the client can tell).
   */
  afterForwarding?: boolean;
}

/** S3's error codes and messages for the statuses a rule can inject (S3 API Reference, "Error responses"). */
const S3_ERRORS = {
  500: { code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  503: { code: 'SlowDown', message: 'Please reduce your request rate.' },
} as const;

/**
 * A small HTTP proxy in front of an S3-compatible server (s3rver) that fails chosen requests with S3's own error
 * responses, so the real S3 client in the code under test sees real faults on the wire. Requests are forwarded
 * byte for byte, Host header included, so SigV4 signatures made for the proxy's address still verify upstream.
 * Path-style addressing only.
 */
export class S3FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  private rules: Array<FaultRule & { remaining: number }> = [];
  private server: Server | undefined;

  constructor(private readonly upstream: string) {}

  /** Listens on 127.0.0.1, an ephemeral port; resolves with the endpoint clients should use. */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  failNext(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.count });
  }

  /** Forgets the rules and the request log. */
  reset(): void {
    this.rules = [];
    this.requests.length = 0;
  }

  /** The PUTs whose `<bucket>/<key>` matches, in order. */
  puts(target: RegExp): ProxiedRequest[] {
    return this.requests.filter((r) => r.method === 'PUT' && target.test(`${r.bucket}/${r.key}`));
  }

  private takeFault(method: string, target: string): FaultRule | undefined {
    const rule = this.rules.find(
      (r) => r.remaining > 0 && (r.method ?? 'PUT') === method && r.target.test(target),
    );
    if (rule) rule.remaining--;
    return rule;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://proxy').pathname);
    const [bucket = '', ...key] = path.slice(1).split('/');
    const entry: ProxiedRequest = {
      method,
      bucket,
      key: key.join('/'),
      status: 0,
      faulted: false,
      reachedS3: false,
    };
    this.requests.push(entry);
    const body = await readAll(req);
    const fault = this.takeFault(method, `${entry.bucket}/${entry.key}`);
    try {
      if (fault && !fault.afterForwarding) return this.fail(res, entry, fault, path);
      const upstream = await this.forward(req, body);
      entry.reachedS3 = true;
      if (fault) return this.fail(res, entry, fault, path);
      entry.status = upstream.status;
      res.writeHead(upstream.status, upstream.headers);
      res.end(upstream.body);
    } catch (error) {
      entry.status = 502;
      res.writeHead(502).end(String(error));
    }
  }

  private fail(res: ServerResponse, entry: ProxiedRequest, fault: FaultRule, resource: string): void {
    const { code, message } = S3_ERRORS[fault.status];
    entry.status = fault.status;
    entry.faulted = true;
    const requestId = randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase();
    res.writeHead(fault.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
        `<Resource>${resource}</Resource><RequestId>${requestId}</RequestId></Error>`,
    );
  }

  private forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    const target = new URL(req.url ?? '/', this.upstream);
    return new Promise((resolve, reject) => {
      const out = request(
        target,
        { method: req.method, headers: req.headers, timeout: 10_000 },
        (response) => {
          readAll(response).then(
            (bytes) =>
              resolve({ status: response.statusCode ?? 502, headers: response.headers, body: bytes }),
            reject,
          );
        },
      );
      out.on('timeout', () => out.destroy(new Error('upstream timed out')));
      out.on('error', reject);
      out.end(body);
    });
  }
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
