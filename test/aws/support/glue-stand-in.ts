import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A table as the stand-in holds it: its versions, the last one current. */
export interface StandInTable {
  catalogId: string;
  databaseName: string;
  name: string;
  versions: Array<Array<{ Name: string; Type: string }>>;
}

export interface GlueStandIn {
  endpoint: string;
  /** Every request's target and body, in order. */
  calls: Array<{ target: string; body: Record<string, unknown> }>;
  tables: StandInTable[];
  /** The next response is this error instead (e.g. ThrottlingException), once. */
  failNext(type: string, status?: number): void;
  stop(): Promise<void>;
}

/**
 * A STAND-IN for the AWS Glue Data Catalog, not Glue: it answers GetTable and GetTableVersion in Glue's
 * JSON 1.1 protocol (`POST /`, `X-Amz-Target: AWSGlue.<Operation>`, `application/x-amz-json-1.1`, errors as
 * `{"__type", "Message"}` with a 400) from tables held in memory, so the real `@aws-sdk/client-glue` talks to it.
 * It does not verify signatures. The catalog ID defaults to the caller's account when the request has none.
 */
export async function startGlueStandIn(
  tables: StandInTable[],
  defaultCatalogId: string,
): Promise<GlueStandIn> {
  const calls: GlueStandIn['calls'] = [];
  let injected: { type: string; status: number } | undefined;
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      calls.push({ target, body });
      if (injected) {
        const { type, status } = injected;
        injected = undefined;
        return reply(res, status, { __type: type, Message: `Injected ${type}` });
      }
      const catalogId = (body.CatalogId as string | undefined) ?? defaultCatalogId;
      const table = tables.find(
        (t) =>
          t.catalogId === catalogId &&
          t.databaseName === body.DatabaseName &&
          t.name === (body.Name ?? body.TableName),
      );
      const notFound = () =>
        reply(res, 400, {
          __type: 'EntityNotFoundException',
          Message: `Table ${String(body.Name ?? body.TableName)} not found.`,
        });
      switch (target) {
        case 'AWSGlue.GetTable':
          if (!table) return notFound();
          return reply(res, 200, { Table: tableShape(table, table.versions.length - 1) });
        case 'AWSGlue.GetTableVersion': {
          const index = Number(body.VersionId ?? table?.versions.length);
          if (!table?.versions[index - 1]) return notFound();
          return reply(res, 200, {
            TableVersion: { Table: tableShape(table, index - 1), VersionId: String(index) },
          });
        }
        default:
          return reply(res, 400, { __type: 'UnknownOperationException', Message: `No ${target}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    tables,
    failNext(type, status = 400) {
      injected = { type, status };
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Glue's Table shape (the members a reader of columns needs; timestamps as epoch seconds, as JSON 1.1 sends them). */
function tableShape(table: StandInTable, versionIndex: number) {
  return {
    Name: table.name,
    DatabaseName: table.databaseName,
    CatalogId: table.catalogId,
    CreateTime: 1_764_000_000,
    VersionId: String(versionIndex + 1),
    TableType: 'EXTERNAL_TABLE',
    StorageDescriptor: {
      Columns: table.versions[versionIndex],
      Location: `s3://lake/${table.name}/`,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    },
    PartitionKeys: [{ Name: 'dt', Type: 'string' }],
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': 'stand-in',
  });
  res.end(text);
}
