import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A request as Firehose sent it (§10.2), decoded. */
export interface ReceivedRequest {
  headers: Record<string, string | string[] | undefined>;
  requestId: string;
  timestamp: number;
  records: Buffer[];
}

/** How to answer one request; the default is Firehose's success response echoing the request ID. */
export interface ScriptedResponse {
  status: number;
  /** Raw body; by default `{"requestId": <theirs>, "timestamp": <now>}` plus `errorMessage` when not 200. */
  body?: string;
  contentType?: string;
  /** Keep the request's records although the answer is a failure (an acknowledgement lost on the way). */
  storeAnyway?: boolean;
  /** Wait before answering (for timeout tests; keep it short). */
  delayMs?: number;
}

/**
 * A Firehose HTTP endpoint receiver on 127.0.0.1 (§10.2, §10.3) as a well-behaved endpoint would implement it:
 * it keeps each request ID's records once, so a retry of a request it already stored adds nothing.
 */
export class HttpEndpointServer {
  readonly requests: ReceivedRequest[] = [];
  private readonly stored = new Map<string, Buffer[]>();
  private readonly script: ScriptedResponse[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.read(req).then(async (raw) => {
        const decoded = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const body = JSON.parse(decoded.toString('utf8')) as {
          requestId: string;
          timestamp: number;
          records: Array<{ data: string }>;
        };
        const received: ReceivedRequest = {
          headers: req.headers,
          requestId: body.requestId,
          timestamp: body.timestamp,
          records: body.records.map((r) => Buffer.from(r.data, 'base64')),
        };
        this.requests.push(received);
        const answer = this.script.shift() ?? { status: 200 };
        if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
        if (answer.status === 200 || answer.storeAnyway) {
          if (!this.stored.has(received.requestId)) this.stored.set(received.requestId, received.records);
        }
        const text =
          answer.body ??
          JSON.stringify({
            requestId: body.requestId,
            timestamp: Date.now(),
            ...(answer.status === 200 ? {} : { errorMessage: `scripted ${answer.status}` }),
          });
        if (res.destroyed) return;
        res.writeHead(answer.status, {
          'content-type': answer.contentType ?? 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ingest`;
  }

  /** Answers for the next requests, in order; afterwards every request succeeds. */
  respond(...answers: ScriptedResponse[]): void {
    this.script.push(...answers);
  }

  /** Forgets answers not yet given. */
  clearResponses(): void {
    this.script.length = 0;
  }

  /** Every record stored, once per request ID, in arrival order. */
  storedRecords(): Buffer[] {
    return [...this.stored.values()].flat();
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async read(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
