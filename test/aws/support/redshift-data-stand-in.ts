import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** One ExecuteStatement as the stand-in received it. */
export interface ReceivedStatement {
  id: string;
  sql: string;
  database: string;
  clusterIdentifier: string | undefined;
  workgroupName: string | undefined;
  secretArn: string | undefined;
}

export interface RedshiftDataStandIn {
  endpoint: string;
  statements: ReceivedStatement[];
  /** Rows loaded per table, in load order. */
  tables: Map<string, Array<Record<string, unknown>>>;
  /** DescribeStatement answers STARTED this many times before the outcome (default 0). */
  pendingDescribes: number;
  stop(): Promise<void>;
}

interface Statement {
  remainingPending: number;
  outcome: { status: 'FINISHED' } | { status: 'FAILED'; error: string };
}

const COPY = /^COPY (\S+)(?: \([^)]*\))? FROM '([^']+)' CREDENTIALS '[^']*' MANIFEST(.*)$/is;

/**
 * A STAND-IN for the Redshift Data API, not Redshift: ExecuteStatement and DescribeStatement in its JSON 1.1
 * protocol (`X-Amz-Target: RedshiftData.<Operation>`), so the real `@aws-sdk/client-redshift-data` talks to it.
 * It runs only Firehose's COPY form: it reads the manifest and the objects it lists from S3 (s3rver), gunzips
 * them when the options say GZIP, and appends one row per newline-separated JSON object — `json 'auto'` for
 * line-delimited records, nothing more. A table it was not given fails the statement with Redshift's
 * `relation … does not exist`, as DescribeStatement reports a failed COPY (Status FAILED, Error text).
 */
export async function startRedshiftDataStandIn(
  s3: S3Client,
  tableNames: string[],
): Promise<RedshiftDataStandIn> {
  const statements: ReceivedStatement[] = [];
  const running = new Map<string, Statement>();
  const tables = new Map<string, Array<Record<string, unknown>>>(tableNames.map((name) => [name, []]));
  const standIn: RedshiftDataStandIn = {
    endpoint: '',
    statements,
    tables,
    pendingDescribes: 0,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function run(sql: string): Promise<Statement['outcome']> {
    const copy = COPY.exec(sql.trim().replace(/;$/, ''));
    if (!copy) return { status: 'FAILED', error: 'ERROR: the stand-in runs only COPY … MANIFEST statements' };
    const [, table, manifestUrl, options] = copy;
    const rows = tables.get(table!);
    if (!rows) return { status: 'FAILED', error: `ERROR: relation "public.${table}" does not exist` };
    const manifest = JSON.parse((await read(s3, manifestUrl!)).toString('utf8')) as {
      entries: Array<{ url: string }>;
    };
    const loaded: Array<Record<string, unknown>> = [];
    for (const entry of manifest.entries) {
      const bytes = await read(s3, entry.url);
      const text = (/\bgzip\b/i.test(options ?? '') ? gunzipSync(bytes) : bytes).toString('utf8');
      for (const line of text.split('\n')) if (line.trim() !== '') loaded.push(JSON.parse(line));
    }
    // A COPY is one transaction: all rows or none.
    rows.push(...loaded);
    return { status: 'FINISHED' };
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
        const target = String(req.headers['x-amz-target'] ?? '');
        if (target === 'RedshiftData.ExecuteStatement') {
          const id = randomUUID();
          statements.push({
            id,
            sql: body.Sql ?? '',
            database: body.Database ?? '',
            clusterIdentifier: body.ClusterIdentifier,
            workgroupName: body.WorkgroupName,
            secretArn: body.SecretArn,
          });
          running.set(id, { remainingPending: standIn.pendingDescribes, outcome: await run(body.Sql ?? '') });
          return reply(res, 200, { Id: id, Database: body.Database, CreatedAt: Date.now() / 1000 });
        }
        if (target === 'RedshiftData.DescribeStatement') {
          const statement = running.get(body.Id ?? '');
          if (!statement) {
            return reply(res, 400, {
              __type: 'ResourceNotFoundException',
              Message: `Query ${body.Id} not found.`,
            });
          }
          if (statement.remainingPending > 0) {
            statement.remainingPending--;
            return reply(res, 200, { Id: body.Id, Status: 'STARTED' });
          }
          const { outcome } = statement;
          return reply(res, 200, {
            Id: body.Id,
            Status: outcome.status,
            ...(outcome.status === 'FAILED' ? { Error: outcome.error } : {}),
          });
        }
        return reply(res, 400, { __type: 'ValidationException', Message: `Unsupported ${target}` });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return standIn;
}

async function read(s3: S3Client, url: string): Promise<Buffer> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) throw new Error(`Not an S3 URL: ${url}`);
  const got = await s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

function reply(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
