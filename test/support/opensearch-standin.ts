import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SigV4Verifier } from '../../lib/local/auth/sigv4-verifier.ts';

/**
 * A stand-in for an OpenSearch cluster's `_bulk` API (no real cluster can run here, ENVIRONMENT.md), following the
 * documented request and response: NDJSON action/source pairs; a response `{took, errors, items}` with one item
 * per action, each carrying `status` and, on failure, `error: {type, reason}`. It indexes into memory with dynamic
 * mapping (a top-level field's first JSON type fixes it; a later conflict is a per-item 400
 * mapper_parsing_exception), auto-generates `_id` when none is given, and can be told to fail.
 */
export interface StandinOptions {
  /** Require HTTP basic auth with these credentials (401 otherwise). */
  basicAuth?: { username: string; password: string };
  /** Require SigV4 with these keys and service name (403 otherwise). */
  sigv4?: { service: string; keys: Array<{ accessKeyId: string; secretAccessKey: string }> };
  /** Accept `_type` in actions (6.x/7.x). OpenSearch 2.x refuses it with a 400 for the whole request. */
  acceptTypes?: boolean;
}

export interface StoredDocument {
  id: string;
  type: string | undefined;
  source: Record<string, unknown>;
  version: number;
}

export interface BulkCall {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array';

export class OpenSearchStandin {
  readonly calls: BulkCall[] = [];
  private readonly indices = new Map<string, Map<string, StoredDocument>>();
  private readonly mappings = new Map<string, Map<string, FieldType>>();
  private server: Server | undefined;
  private autoId = 0;
  private wholeFailures: Array<{ status: number; applyFirst: boolean }> = [];
  private throttledItems = 0;
  private readonly verifier: SigV4Verifier | undefined;

  constructor(private readonly options: StandinOptions = {}) {
    this.verifier = options.sigv4
      ? new SigV4Verifier(options.sigv4.keys, { service: options.sigv4.service })
      : undefined;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `count` bulk requests fail whole with `status` (e.g. 503); `applyFirst` indexes them anyway (a lost acknowledgement). */
  failNextRequests(count: number, status = 503, applyFirst = false): void {
    for (let i = 0; i < count; i++) this.wholeFailures.push({ status, applyFirst });
  }

  /** The next `count` items (across requests) are refused with 429 es_rejected_execution_exception. */
  throttleNextItems(count: number): void {
    this.throttledItems += count;
  }

  documents(index: string): Map<string, StoredDocument> {
    return this.indices.get(index) ?? new Map();
  }

  indexNames(): string[] {
    return [...this.indices.keys()].sort();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = raw.toString('utf8');
    const url = new URL(req.url ?? '/', 'http://standin');
    const send = (status: number, payload: unknown) => {
      const text = JSON.stringify(payload);
      res.writeHead(status, {
        'content-type': 'application/json; charset=UTF-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    const error = (status: number, type: string, reason: string) =>
      send(status, { error: { root_cause: [{ type, reason }], type, reason }, status });

    if (this.options.basicAuth) {
      const expected = `Basic ${Buffer.from(`${this.options.basicAuth.username}:${this.options.basicAuth.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected)
        return error(401, 'security_exception', 'missing or wrong credentials');
    }
    if (this.verifier) {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
      try {
        this.verifier.verify(
          { method: req.method ?? 'GET', path: url.pathname, query: url.search.slice(1), headers, body: raw },
          Date.now(),
        );
      } catch (e) {
        return error(403, 'security_exception', (e as Error).message);
      }
    }
    const bulkPath = /^\/(?:([^/_][^/]*)\/)?_bulk$/.exec(url.pathname);
    const docPath = /^\/([^/_][^/]*)\/_doc\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && docPath) {
      const doc = this.documents(decodeURIComponent(docPath[1]!)).get(decodeURIComponent(docPath[2]!));
      return doc
        ? send(200, {
            _index: docPath[1],
            _id: doc.id,
            _version: doc.version,
            found: true,
            _source: doc.source,
          })
        : send(404, { _index: docPath[1], _id: docPath[2], found: false });
    }
    if ((req.method !== 'POST' && req.method !== 'PUT') || !bulkPath) {
      return error(400, 'illegal_argument_exception', `no handler for ${req.method} ${url.pathname}`);
    }
    this.calls.push({ headers: req.headers, body });

    const lines = body.split('\n');
    if (lines[lines.length - 1] !== '') {
      return error(
        400,
        'illegal_argument_exception',
        'The bulk request must be terminated by a newline [\\n]',
      );
    }
    lines.pop();
    const actions: Array<{ meta: Record<string, unknown>; op: string; source: string }> = [];
    for (let i = 0; i < lines.length; i += 2) {
      let action: Record<string, Record<string, unknown>>;
      try {
        action = JSON.parse(lines[i]!);
      } catch {
        return error(400, 'illegal_argument_exception', `Malformed action/metadata line [${i + 1}]`);
      }
      const op = Object.keys(action)[0] ?? '';
      if (op !== 'index' && op !== 'create') {
        return error(
          400,
          'illegal_argument_exception',
          `Malformed action/metadata line [${i + 1}], unsupported [${op}]`,
        );
      }
      const meta = action[op]!;
      if (meta._type !== undefined && !this.options.acceptTypes) {
        return error(
          400,
          'illegal_argument_exception',
          `Action/metadata line [${i + 1}] contains an unknown parameter [_type]`,
        );
      }
      if (lines[i + 1] === undefined) return error(400, 'illegal_argument_exception', 'source missing');
      actions.push({ meta: { _index: bulkPath[1], ...meta }, op, source: lines[i + 1]! });
    }

    const fault = this.wholeFailures.shift();
    if (fault && !fault.applyFirst) return error(fault.status, 'cluster_block_exception', 'injected failure');
    const items = actions.map((action) => ({ [action.op]: this.apply(action) }));
    if (fault) return error(fault.status, 'cluster_block_exception', 'injected failure after indexing');
    send(200, { took: 1, errors: items.some((item) => Object.values(item)[0]!.error !== undefined), items });
  }

  private apply(action: {
    meta: Record<string, unknown>;
    op: string;
    source: string;
  }): Record<string, unknown> {
    const index = String(action.meta._index);
    const id = typeof action.meta._id === 'string' ? action.meta._id : `auto-${++this.autoId}`;
    const base = { _index: index, _id: id };
    if (this.throttledItems > 0) {
      this.throttledItems--;
      return {
        ...base,
        status: 429,
        error: {
          type: 'es_rejected_execution_exception',
          reason: 'rejected execution of coordinating operation',
        },
      };
    }
    let source: unknown;
    try {
      source = JSON.parse(action.source);
    } catch {
      return { ...base, status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse' } };
    }
    if (typeof source !== 'object' || source === null || Array.isArray(source)) {
      return {
        ...base,
        status: 400,
        error: {
          type: 'mapper_parsing_exception',
          reason: 'failed to parse, document is empty or not an object',
        },
      };
    }
    const mapping = this.mappings.get(index) ?? new Map<string, FieldType>();
    for (const [field, value] of Object.entries(source)) {
      if (value === null) continue;
      const type: FieldType = Array.isArray(value) ? 'array' : (typeof value as FieldType);
      const mapped = mapping.get(field);
      if (mapped !== undefined && mapped !== type) {
        return {
          ...base,
          status: 400,
          error: {
            type: 'mapper_parsing_exception',
            reason: `failed to parse field [${field}] of type [${mapped}] in document with id '${id}'`,
          },
        };
      }
    }
    for (const [field, value] of Object.entries(source)) {
      if (value !== null && !mapping.has(field))
        mapping.set(field, Array.isArray(value) ? 'array' : (typeof value as FieldType));
    }
    this.mappings.set(index, mapping);
    const docs = this.indices.get(index) ?? new Map<string, StoredDocument>();
    this.indices.set(index, docs);
    const existing = docs.get(id);
    if (existing && action.op === 'create') {
      return {
        ...base,
        status: 409,
        error: {
          type: 'version_conflict_engine_exception',
          reason: `[${id}]: version conflict, document already exists`,
        },
      };
    }
    const version = (existing?.version ?? 0) + 1;
    docs.set(id, {
      id,
      type: action.meta._type as string | undefined,
      source: source as Record<string, unknown>,
      version,
    });
    return {
      ...base,
      _version: version,
      result: existing ? 'updated' : 'created',
      status: existing ? 200 : 201,
    };
  }
}
