import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bounded, FirehoseApiError, SluiceError } from '../core/errors.ts';
import { ScannedPutRecordBatch } from '../core/ingest/put-records.ts';
import { scanPutRecordBatch } from '../core/ingest/scan-put-record-batch.ts';
import { SigV4Verifier } from './auth/sigv4-verifier.ts';
import { BufferPool } from './buffer-pool.ts';
import type { Logger } from './logger.ts';
import type { LocalRuntime } from './runtime.ts';

const TARGET_PREFIX = 'Firehose_20150804.';
const PUT_RECORD_BATCH = `${TARGET_PREFIX}PutRecordBatch`;
/** Bodies from this size on are read into pooled buffers (a PutRecordBatch of 500 × 1 KiB is ~0.7 MB). */
const POOLED_BODY_MIN_BYTES = 64 * 1024;
/**
 * The largest body we read. PutRecordBatch carries ≤ 4 MiB of decoded data, which is ≤ 5.6 MB as base64 plus
 * JSON framing; anything far beyond that is refused before it is buffered.
 */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface ServerOptions {
  host: string;
  port: number;
  accessKeys: Array<{ accessKeyId: string; secretAccessKey: string }>;
  logger: Logger;
}

/** The Firehose JSON 1.1 endpoint (`POST /`) plus Sluice's own `/_sluice/*` and `/metrics`. */
export class FirehoseServer {
  private server: Server | undefined;
  private readonly verifier: SigV4Verifier | undefined;
  /** Request bodies and decoded records of PutRecordBatch calls, reused across requests. */
  private readonly bodies = new BufferPool(2 * 1024 * 1024, 32);
  private readonly decoded = new BufferPool(1024 * 1024, 32);

  constructor(
    private readonly runtime: LocalRuntime,
    private readonly options: ServerOptions,
  ) {
    if (!isLoopback(options.host) && options.accessKeys.length === 0) {
      throw new SluiceError(
        'InsecureBind',
        `Refusing to listen on ${options.host} without access keys: set "accessKeys" in the config so every request ` +
          'must be SigV4-signed, or bind 127.0.0.1.',
      );
    }
    this.verifier = options.accessKeys.length > 0 ? new SigV4Verifier(options.accessKeys) : undefined;
  }

  /** Starts listening; resolves with the endpoint URL. */
  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error) => this.fail(res, error));
    });
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    const { address, port } = server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    return `http://${host}:${port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/') return this.handleApi(req, res);
    if (path === '/metrics' || path?.startsWith('/_sluice/')) return this.handleAdmin(req, res, path);
    throw new FirehoseApiError(
      'UnknownOperationException',
      `No operation at ${req.method} ${bounded(path ?? '')}.`,
    );
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = header(req, 'x-amz-target');
    if (!target?.startsWith(TARGET_PREFIX)) {
      await readBody(req); // drain, so the connection can be reused
      throw new FirehoseApiError('UnknownOperationException', 'Missing or unknown X-Amz-Target header.');
    }
    const { body, pooled } = await readBody(req, this.bodies);
    let records: Buffer | undefined;
    try {
      if (this.verifier) {
        const [path, query = ''] = (req.url ?? '/').split('?', 2);
        this.verifier.verify(
          { method: req.method ?? 'POST', path: path ?? '/', query, headers: flatHeaders(req), body },
          Date.now(),
        );
      }
      let input: unknown;
      try {
        // The usual PutRecordBatch body is read without JSON.parse; anything unusual takes the general path.
        const scanned =
          target === PUT_RECORD_BATCH
            ? scanPutRecordBatch(body, (size) => {
                records = this.decoded.take(size);
                return records;
              })
            : undefined;
        if (scanned) input = new ScannedPutRecordBatch(scanned);
        else input = body.byteLength === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw new FirehoseApiError('SerializationException', 'The request body is not valid JSON.');
      } finally {
        // Nothing refers to the body once it is read: the scan decoded it, JSON.parse copied what it kept.
        if (pooled) this.bodies.give(pooled);
      }
      const output = await this.runtime.execute(target.slice(TARGET_PREFIX.length), input);
      send(res, 200, output ?? {});
    } finally {
      // A put copies its records into the stream's buffer before its first await; after it, they are garbage.
      if (records) this.decoded.give(records);
    }
  }

  /** Flush, status and metrics for the CLI and scrapers; served to loopback clients only. */
  private async handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (!isLoopback(req.socket.remoteAddress ?? '')) {
      throw new FirehoseApiError(
        'MissingAuthenticationTokenException',
        'Admin endpoints are served on loopback only.',
      );
    }
    if (path === '/metrics' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(this.runtime.metrics.toPrometheus());
      return;
    }
    if (path === '/_sluice/status' && req.method === 'GET') {
      const memory = process.memoryUsage();
      send(res, 200, {
        streams: await this.runtime.status(),
        process: {
          rssBytes: memory.rss,
          heapUsedBytes: memory.heapUsed,
          heapTotalBytes: memory.heapTotal,
          externalBytes: memory.external,
          arrayBuffersBytes: memory.arrayBuffers,
        },
      });
      return;
    }
    if (path === '/_sluice/flush' && req.method === 'POST') {
      const { body } = await readBody(req);
      let request: { stream?: unknown; timeoutSeconds?: unknown };
      try {
        request = body.byteLength ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        throw new FirehoseApiError('SerializationException', 'The flush request body is not valid JSON.');
      }
      const stream = typeof request.stream === 'string' ? request.stream : undefined;
      const timeoutSeconds = typeof request.timeoutSeconds === 'number' ? request.timeoutSeconds : 30;
      send(res, 200, await this.runtime.flush(stream, timeoutSeconds * 1000));
      return;
    }
    if (path === '/_sluice/replay' && req.method === 'POST') {
      const { body } = await readBody(req);
      let request: { stream?: unknown; from?: unknown };
      try {
        request = body.byteLength ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        throw new FirehoseApiError('SerializationException', 'The replay request body is not valid JSON.');
      }
      if (typeof request.stream !== 'string' || typeof request.from !== 'string') {
        throw new FirehoseApiError(
          'InvalidArgumentException',
          'A replay needs "stream" and "from" (s3://bucket/prefix/).',
        );
      }
      send(res, 200, await this.runtime.replay(request.stream, request.from));
      return;
    }
    throw new FirehoseApiError('UnknownOperationException', `No admin operation at ${req.method} ${path}.`);
  }

  private fail(res: ServerResponse, error: unknown): void {
    let apiError: FirehoseApiError;
    if (error instanceof FirehoseApiError) {
      apiError = error;
    } else if (error instanceof SluiceError) {
      apiError = new FirehoseApiError('InvalidArgumentException', error.message, { cause: error });
    } else {
      this.options.logger.log('error', 'unexpected error while serving a request', { error: String(error) });
      apiError = new FirehoseApiError('InternalFailure', 'An internal error occurred.');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // An oversized body was not read to the end: close the connection instead of draining megabytes.
    if (apiError.type === 'RequestEntityTooLargeException') res.setHeader('connection', 'close');
    send(res, apiError.httpStatus, { __type: apiError.type, message: apiError.message });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/**
 * Reads the body with a cap; never buffers more than MAX_BODY_BYTES. A body with a Content-Length over
 * POOLED_BODY_MIN_BYTES is read into a buffer of `pool`, returned as `pooled` for the caller to give back.
 */
async function readBody(req: IncomingMessage, pool?: BufferPool): Promise<{ body: Buffer; pooled?: Buffer }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge(declared);
  const pooled = pool && declared >= POOLED_BODY_MIN_BYTES ? pool.take(declared) : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (size + chunk.byteLength > MAX_BODY_BYTES) throw tooLarge(size + chunk.byteLength);
      if (pooled && size + chunk.byteLength > declared) {
        // Node's HTTP parser stops at Content-Length; this guards the pooled buffer should that ever change.
        throw new FirehoseApiError(
          'SerializationException',
          'The request body is longer than its Content-Length.',
        );
      }
      if (pooled) pooled.set(chunk, size);
      else chunks.push(chunk);
      size += chunk.byteLength;
    }
  } catch (error) {
    if (pooled) pool!.give(pooled);
    throw error;
  }
  if (pooled) return { body: pooled.subarray(0, size), pooled };
  return { body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) };
}

function tooLarge(bytes: number): FirehoseApiError {
  return new FirehoseApiError(
    'RequestEntityTooLargeException',
    `Request body of ${bytes} bytes exceeds the ${MAX_BODY_BYTES}-byte limit (PutRecordBatch carries at most 4 MiB of data).`,
  );
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    out[name] = Array.isArray(value) ? value.join(',') : value;
  return out;
}

export function isLoopback(address: string): boolean {
  return (
    address === 'localhost' ||
    address === '::1' ||
    address.startsWith('127.') ||
    address.startsWith('::ffff:127.')
  );
}
