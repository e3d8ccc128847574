/**
 * Destination benchmark: how fast the local runtime delivers to an HTTP endpoint, OpenSearch (the `_bulk`
 * stand-in) and Redshift (PostgreSQL 15 through the COPY loader) on loopback, and how the time splits between
 * Sluice and the destination.
 *
 *   npx tsx bench/destinations.ts [-- --records 30000 --runs 5 --no-write]
 *
 * Per run: `records` × 1 KiB JSON records (seeded, bench/data.ts) are put into a fresh stream by four concurrent
 * putters (500 records a put, each acknowledged once in the write-ahead log), then flushed; the time runs from the
 * first put until every record is at the destination. "Waiting on the destination" is the wall time during which
 * at least one destination call (HTTP send, `_bulk` request, COPY) is outstanding; the rest is Sluice's own work
 * (the log and its fsyncs, batching, request bodies, staging objects, marking batches done). The HTTP
 * receiver and the `_bulk` stand-in run in a child process so their CPU is not counted as Sluice's. Everything
 * binds 127.0.0.1; the run stops by itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NodeHttpTransport } from '../lib/adapters/http-transport.ts';
import { FsObjectStore } from '../lib/adapters/local/fs-object-store.ts';
import { RandomIds } from '../lib/adapters/local/random-ids.ts';
import { SystemClock } from '../lib/adapters/local/system-clock.ts';
import { OpenSearchBulkClient } from '../lib/adapters/opensearch-bulk-client.ts';
import { PostgresCopyLoader } from '../lib/adapters/postgres-copy-loader.ts';
import { resolveCreateInput, toResolvedStream } from '../lib/core/config/index.ts';
import { MetricsRegistry } from '../lib/core/metrics.ts';
import type { BulkIndexClient, HttpTransport, SqlClient } from '../lib/core/ports.ts';
import { packRecords } from '../lib/core/records.ts';
import { DeliveryStreamRuntime } from '../lib/local/delivery-stream-runtime.ts';
import { silentLogger } from '../lib/local/logger.ts';
import { HttpEndpointServer } from '../test/support/http-endpoint-server.ts';
import { OpenSearchStandin } from '../test/support/opensearch-standin.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { makeRecords, RECORD_BYTES, RECORDS_PER_BATCH } from './data.ts';
import { benchArgs, MB, median } from './harness.ts';

const ROLE = 'arn:aws:iam::000000000000:role/firehose';
const CTX = { region: 'us-east-1', accountId: '000000000000', nowMs: 0 };

type Destination = 'HttpEndpoint' | 'OpenSearch' | 'Redshift';
const DESTINATIONS: Destination[] = ['HttpEndpoint', 'OpenSearch', 'Redshift'];

interface RunResult {
  seconds: number;
  destinationSeconds: number;
  destinationCalls: number;
  /** CPU time of this process (Sluice; the receivers run elsewhere) over the run, user + system. */
  sluiceCpuSeconds: number;
}

/** Wall time with at least one call outstanding (calls overlap when batches are in flight together). */
class DestinationTimer {
  calls = 0;
  private outstanding = 0;
  private since = 0;
  private busyMs = 0;

  async time<T>(call: () => Promise<T>): Promise<T> {
    this.calls++;
    if (this.outstanding++ === 0) this.since = performance.now();
    try {
      return await call();
    } finally {
      if (--this.outstanding === 0) this.busyMs += performance.now() - this.since;
    }
  }

  get seconds(): number {
    return this.busyMs / 1000;
  }
}

function streamInput(kind: Destination, name: string, urls: Urls, jdbcUrl: string): Record<string, unknown> {
  // 5 MiB batches (the default size hint) and no interval: the flush cuts them as a busy stream would.
  const buffering = { SizeInMBs: 5, IntervalInSeconds: 900 };
  const s3 = { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::bench-destinations' };
  switch (kind) {
    case 'HttpEndpoint':
      return {
        DeliveryStreamName: name,
        HttpEndpointDestinationConfiguration: {
          EndpointConfiguration: { Url: urls.http, AccessKey: 'bench' },
          BufferingHints: buffering,
          S3Configuration: s3,
        },
      };
    case 'OpenSearch':
      return {
        DeliveryStreamName: name,
        AmazonopensearchserviceDestinationConfiguration: {
          RoleARN: ROLE,
          ClusterEndpoint: urls.openSearch,
          IndexName: name,
          BufferingHints: buffering,
          S3Configuration: s3,
        },
      };
    case 'Redshift':
      return {
        DeliveryStreamName: name,
        RedshiftDestinationConfiguration: {
          RoleARN: ROLE,
          ClusterJDBCURL: jdbcUrl,
          CopyCommand: { DataTableName: 'events', CopyOptions: "JSON 'auto'" },
          Username: 'postgres',
          Password: 'unused',
          S3Configuration: { ...s3, BufferingHints: buffering },
        },
      };
  }
}

interface Urls {
  http: string;
  openSearch: string;
}

/** Child mode: the HTTP receiver and the `_bulk` stand-in, until the parent closes stdin. */
async function serve(): Promise<void> {
  const receiver = new HttpEndpointServer();
  const cluster = new OpenSearchStandin();
  const urls: Urls = { http: await receiver.start(), openSearch: await cluster.start() };
  process.stdout.write(`${JSON.stringify(urls)}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await Promise.all([receiver.stop(), cluster.stop()]);
    process.exit(0);
  });
}

async function startServers(): Promise<{ urls: Urls; child: ChildProcess }> {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const urls = await new Promise<Urls>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as Urls);
    });
    child.once('exit', (code) => reject(new Error(`destination servers exited with ${code}`)));
  });
  return { urls, child };
}

async function runOnce(
  kind: Destination,
  run: number,
  records: Buffer[],
  urls: Urls,
  jdbcUrl: string,
): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-dest-'));
  const timer = new DestinationTimer();
  const store = new FsObjectStore(join(dir, 's3'));
  const transport = new NodeHttpTransport();
  const http: HttpTransport = { send: (request) => timer.time(() => transport.send(request)) };
  const bulkClients = new Map<string, BulkIndexClient>();
  const bulkClient = (settings: { endpoint: string | undefined }): BulkIndexClient => {
    const endpoint = settings.endpoint!;
    let client = bulkClients.get(endpoint);
    if (!client) {
      const inner = new OpenSearchBulkClient({ endpoint, auth: { kind: 'none' } });
      client = { bulk: (ndjson) => timer.time(() => inner.bulk(ndjson)) };
      bulkClients.set(endpoint, client);
    }
    return client;
  };
  const redshiftSql = async (settings: { clusterJdbcUrl: string }): Promise<SqlClient> => {
    const loader = new PostgresCopyLoader({
      jdbcUrl: settings.clusterJdbcUrl,
      user: 'postgres',
      readObject: async (bucket, key) => (await store.getObject(bucket, key))?.body,
    });
    return { copy: (request) => timer.time(() => loader.copy(request)), close: () => loader.close() };
  };
  const name = `bench-${kind.toLowerCase()}-${run}`;
  const stored = resolveCreateInput(streamInput(kind, name, urls, jdbcUrl), CTX);
  const runtime = await DeliveryStreamRuntime.open(toResolvedStream(stored, CTX), join(dir, 'wal'), {
    clock: new SystemClock(),
    ids: new RandomIds(),
    store,
    metrics: new MetricsRegistry(),
    logger: silentLogger,
    maxBufferedBytes: 512 * 1024 * 1024,
    jitter: Math.random,
    http,
    bulkClient,
    redshiftSql,
  });
  try {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    // Four producers' worth of puts, as batches of 500; deliveries start as soon as 5 MiB are buffered.
    let next = 0;
    const producer = async () => {
      for (let at = next; at < records.length; at = next) {
        next += RECORDS_PER_BATCH;
        await runtime.put({
          arrivalMs: Date.now(),
          ...packRecords(records.slice(at, at + RECORDS_PER_BATCH)),
        });
      }
    };
    await Promise.all([producer(), producer(), producer(), producer()]);
    await runtime.flush();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const status = runtime.status();
    if (status.deliveredRecords !== records.length) {
      throw new Error(`${kind}: delivered ${status.deliveredRecords} of ${records.length} records`);
    }
    return {
      seconds,
      destinationSeconds: timer.seconds,
      destinationCalls: timer.calls,
      sluiceCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Summary {
  destination: Destination;
  runs: RunResult[];
  recordsPerSecond: number;
  mbPerSecond: number;
  sluiceShare: number;
  destinationShare: number;
  sluiceCpuShare: number;
  destinationCallsPerRun: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: benchArgs(),
    options: {
      records: { type: 'string', default: '30000' },
      runs: { type: 'string', default: '5' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const count = Number(values.records);
  const runs = Number(values.runs);
  const records = makeRecords(20261122, 0, count);
  const bytes = count * RECORD_BYTES;

  const deadline = setTimeout(() => {
    console.error('destination benchmark: over its 3-minute budget, stopping');
    process.exit(2);
  }, 170_000);
  deadline.unref();

  const [{ urls, child }, postgres] = await Promise.all([startServers(), startPostgres()]);
  const summaries: Summary[] = [];
  try {
    const columns = [
      'bench text',
      'p int',
      'i int',
      'event text',
      'ts bigint',
      '"user" text',
      'session text',
      'path text',
      'status int',
      'latency_ms int',
      'ua text',
      'trace text',
      'payload text',
    ];
    await postgres.query(`CREATE UNLOGGED TABLE events (${columns.join(', ')})`);
    for (const kind of DESTINATIONS) {
      const results: RunResult[] = [];
      for (let run = 0; run < runs; run++) {
        results.push(await runOnce(kind, run, records, urls, postgres.jdbcUrl));
        process.stderr.write(
          `${kind} run ${run + 1}: ${results.at(-1)!.seconds.toFixed(2)} s, destination ${results.at(-1)!.destinationSeconds.toFixed(2)} s\n`,
        );
      }
      const seconds = median(results.map((r) => r.seconds));
      const destinationShare = median(results.map((r) => Math.min(1, r.destinationSeconds / r.seconds)));
      summaries.push({
        destination: kind,
        runs: results,
        recordsPerSecond: Math.round(count / seconds),
        mbPerSecond: Number((bytes / MB / seconds).toFixed(1)),
        destinationShare: Number(destinationShare.toFixed(2)),
        sluiceShare: Number((1 - destinationShare).toFixed(2)),
        sluiceCpuShare: Number(median(results.map((r) => r.sluiceCpuSeconds / r.seconds)).toFixed(2)),
        destinationCallsPerRun: median(results.map((r) => r.destinationCalls)),
      });
    }
    const loaded = await postgres.query<{ n: string }>('SELECT count(*) AS n FROM events');
    if (Number(loaded[0]!.n) !== count * runs) {
      throw new Error(`PostgreSQL holds ${loaded[0]!.n} rows, expected ${count * runs}`);
    }
  } finally {
    child.stdin!.end();
    await postgres.stop();
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  const table = [
    '| destination | records/s | MB/s | time in Sluice | waiting on the destination | Sluice CPU ÷ wall | destination calls per run |',
    '|---|---|---|---|---|---|---|',
    ...summaries.map(
      (s) =>
        `| ${s.destination} | ${s.recordsPerSecond} | ${s.mbPerSecond} | ${Math.round(s.sluiceShare * 100)} % | ${Math.round(s.destinationShare * 100)} % | ${s.sluiceCpuShare} | ${s.destinationCallsPerRun} |`,
    ),
  ].join('\n');
  console.log(table);
  if (values['no-write']) return;
  const result = {
    date: new Date().toISOString(),
    machine,
    records: count,
    recordBytes: RECORD_BYTES,
    runs,
    summaries,
  };
  const dir = join(import.meta.dirname, 'results');
  writeFileSync(join(dir, 'destinations.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(
    join(dir, 'destinations.md'),
    `# Destination benchmark (\`npx tsx bench/destinations.ts\`)

${result.date}, ${machine}. ${count} records of ${RECORD_BYTES} bytes (${(bytes / MB).toFixed(1)} MB) per run, ${runs} runs per
destination, medians. Each run puts the records into a fresh stream (four concurrent puts of 500 records, 5 MiB
batches delivered as soon as they fill, then a flush) and times from the first put until every record is at the
destination. "Waiting on the destination" is the wall time with at least one destination call outstanding (HTTP
request, \`_bulk\` request, COPY); "time in Sluice" is the rest: the write-ahead log and its fsyncs, cutting
batches, building request bodies, staging objects and manifests, marking batches done. Sluice works while a call
is outstanding too (the next puts, the next batch), so the split is of wall time, not of work; "Sluice CPU ÷ wall"
is this process's CPU time over the run (the receivers run in another process; PostgreSQL in its own), on a
machine with the cores listed. All on 127.0.0.1.

${table}

- HTTP endpoint: the test receiver (\`test/support/http-endpoint-server.ts\`) in a child process, requests of up
  to 10,000 records (§10.2), no GZIP.
- OpenSearch: the \`_bulk\` stand-in (\`test/support/opensearch-standin.ts\`) in a child process, not a real
  cluster: its indexing cost is an in-memory map's, so this measures Sluice's side and the wire.
- Redshift: PostgreSQL 15 (fsync off, unlogged table) through the local COPY loader with \`JSON 'auto'\`. The
  loader's reading of the staged object and its JSON-to-rows conversion run in Sluice's process but inside the COPY
  call, so they count as destination time (they stand in for Redshift's own parsing).
`,
  );
}

if (process.argv.includes('--serve')) await serve();
else await main();
