import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChildSluice,
  firehoseClient,
  listEmbeddedObjects,
  REPO_ROOT,
  s3StreamInput,
  spawnSluice,
  tempDir,
} from '../support/sluice.ts';

const run = promisify(execFile);

/** Runs `sluice <command> --endpoint <endpoint>` with the real CLI; returns its parsed JSON stdout. */
async function cli(command: string, endpoint: string, extra: string[] = []) {
  const { stdout } = await run(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'sluice.cjs'), command, '--endpoint', endpoint, ...extra],
    { cwd: REPO_ROOT, timeout: 20_000 },
  );
  return JSON.parse(stdout) as { complete?: boolean; streams: Array<Record<string, unknown>> };
}

const LONG_BUFFERING = { SizeInMBs: 5, IntervalInSeconds: 900 };

function configFile(cfgCompression: 'UNCOMPRESSED' | 'GZIP') {
  return JSON.stringify({
    streamActivationDelayMs: 0,
    deliveryStreams: [
      s3StreamInput('cfg', {
        Prefix: 'cfg/',
        BufferingHints: LONG_BUFFERING,
        CompressionFormat: cfgCompression,
      }),
    ],
  });
}

/**
 * The real CLI (`bin/sluice.cjs`) across restarts sharing one data dir. The steps build on each other, so they
 * run in order in one file: API-created stream and buffered records survive SIGTERM; the config file changes.
 */
describe('sluice CLI across restarts', () => {
  let dir: { path: string; remove(): Promise<void> };
  let args: string[];
  let config: string;
  const running: ChildSluice[] = [];

  beforeAll(async () => {
    dir = await tempDir('sluice-restart-');
    config = join(dir.path, 'sluice.json');
    await writeFile(config, configFile('UNCOMPRESSED'));
    args = ['--data-dir', join(dir.path, 'data'), '--config', config];
  });
  afterAll(async () => {
    for (const child of running) await child.kill('SIGKILL');
    await dir?.remove();
  });

  async function spawn(extra: string[] = []): Promise<ChildSluice> {
    const child = await spawnSluice([...args, ...extra]);
    running.push(child);
    return child;
  }

  async function put(endpoint: string, stream: string, records: string[]): Promise<void> {
    const client = firehoseClient(endpoint);
    try {
      const out = await client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: stream,
          Records: records.map((r) => ({ Data: Buffer.from(r) })),
        }),
      );
      expect(out.FailedPutCount).toBe(0);
    } finally {
      client.destroy();
    }
  }

  async function describeStream(endpoint: string, name: string) {
    const client = firehoseClient(endpoint);
    try {
      const out = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
      return out.DeliveryStreamDescription!;
    } finally {
      client.destroy();
    }
  }

  const objects = () => listEmbeddedObjects(join(dir.path, 'data'), 'test-bucket');

  let apiCreatedAt: Date | undefined;

  it('first run: creates a stream by API, buffers records, reports status and Prometheus metrics', async () => {
    const sluice = await spawn();
    const client = firehoseClient(sluice.endpoint);
    await client.send(
      new CreateDeliveryStreamCommand(
        s3StreamInput('api', { Prefix: 'api/', BufferingHints: LONG_BUFFERING }) as never,
      ),
    );
    client.destroy();
    const described = await describeStream(sluice.endpoint, 'api');
    expect(described.VersionId).toBe('1');
    apiCreatedAt = described.CreateTimestamp;

    await put(sluice.endpoint, 'api', ['a1\n', 'a2\n', 'a3\n']);
    await put(sluice.endpoint, 'cfg', ['c1\n', 'c2\n']);

    const status = await cli('status', sluice.endpoint);
    const byName = Object.fromEntries(status.streams.map((s) => [s.name, s]));
    expect(byName.api).toMatchObject({
      status: 'ACTIVE',
      versionId: '1',
      bufferedRecords: 3,
      deliveredRecords: 0,
    });
    expect(byName.cfg).toMatchObject({ status: 'ACTIVE', versionId: '1', bufferedRecords: 2 });

    const metrics = await fetch(`${sluice.endpoint}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    const text = await metrics.text();
    expect(text).toContain('# TYPE firehose_incoming_records_total counter\n');
    expect(text).toContain('firehose_incoming_records_total{delivery_stream="api"} 3\n');
    expect(text).toContain('firehose_incoming_records_total{delivery_stream="cfg"} 2\n');
    expect(text).toContain('firehose_incoming_bytes_total{delivery_stream="api"} 9\n');
    expect(text).toContain('firehose_put_record_batch_records_total{delivery_stream="api"} 3\n');
    expect(text).toContain('sluice_buffered_records{delivery_stream="api"} 3\n');

    expect(await sluice.kill('SIGTERM')).toBe(0);
    // Long buffering interval and no --flush-on-shutdown: nothing was delivered.
    expect(await objects()).toEqual(new Map());
  });

  it('second run: the API stream survives with the same VersionId; flush delivers the records put before SIGTERM', async () => {
    // The config-file stream's definition changes between runs.
    await writeFile(config, configFile('GZIP'));
    const sluice = await spawn();

    const api = await describeStream(sluice.endpoint, 'api');
    expect(api).toMatchObject({ DeliveryStreamStatus: 'ACTIVE', VersionId: '1' });
    expect(api.CreateTimestamp).toEqual(apiCreatedAt);
    const cfg = await describeStream(sluice.endpoint, 'cfg');
    expect(cfg.VersionId).toBe('2');
    expect(cfg.Destinations?.[0]?.ExtendedS3DestinationDescription?.CompressionFormat).toBe('GZIP');

    await put(sluice.endpoint, 'cfg', ['c3\n']);
    const flushed = await cli('flush', sluice.endpoint);
    expect(flushed.complete).toBe(true);
    const byName = Object.fromEntries(flushed.streams.map((s) => [s.name, s]));
    expect(byName.api).toMatchObject({
      bufferedRecords: 0,
      deliveredRecords: 3,
      deliveredObjects: 1,
      stalled: false,
    });
    expect(byName.cfg).toMatchObject({ versionId: '2', bufferedRecords: 0, deliveredRecords: 3 });

    const delivered = await objects();
    const keys = [...delivered.keys()].sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^api\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/api-1-[-0-9a-f]+$/);
    expect(delivered.get(keys[0]!)?.toString()).toBe('a1\na2\na3\n');
    // Objects cut after the change carry the new version and compression (records replayed from the log too).
    expect(keys[1]).toMatch(/^cfg\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/cfg-2-[-0-9a-f]+\.gz$/);
    expect(gunzipSync(delivered.get(keys[1]!)!).toString()).toBe('c1\nc2\nc3\n');

    // SIGINT is a clean stop too.
    expect(await sluice.kill('SIGINT')).toBe(0);
  });

  it('third run: --flush-on-shutdown delivers buffered records on SIGTERM; an unchanged config keeps VersionId 2', async () => {
    const sluice = await spawn(['--flush-on-shutdown']);
    expect((await describeStream(sluice.endpoint, 'cfg')).VersionId).toBe('2');
    await put(sluice.endpoint, 'api', ['a4\n', 'a5\n']);
    expect(await sluice.kill('SIGTERM')).toBe(0);

    const delivered = await objects();
    const apiBodies = [...delivered]
      .filter(([key]) => key.startsWith('api/'))
      .map(([, body]) => body.toString())
      .sort();
    expect(apiBodies).toEqual(['a1\na2\na3\n', 'a4\na5\n']);
  });
});

/** A loopback port nothing listens on (bound, then released), so connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('shutdown while the S3 endpoint is unreachable', () => {
  // A second signal skips the shutdown flush: the records are safe in the write-ahead log.
  it('a second signal stops a --flush-on-shutdown that cannot deliver, keeping the records', {
    timeout: 40_000,
  }, async () => {
    const dir = await tempDir('sluice-s3down-');
    const config = join(dir.path, 'sluice.json');
    await writeFile(
      config,
      JSON.stringify({
        streamActivationDelayMs: 0,
        s3: {
          endpoint: `http://127.0.0.1:${await closedPort()}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        },
        deliveryStreams: [s3StreamInput('down', { BufferingHints: LONG_BUFFERING })],
      }),
    );
    const args = ['--data-dir', join(dir.path, 'data'), '--config', config];
    const first = await spawnSluice([...args, '--flush-on-shutdown']);
    try {
      const client = firehoseClient(first.endpoint);
      await client.send(
        new PutRecordBatchCommand({ DeliveryStreamName: 'down', Records: [{ Data: Buffer.from('kept') }] }),
      );
      client.destroy();
      const exited = first.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      first.child.kill('SIGINT');
      const exit = await Promise.race([
        exited.then(() => 'exited'),
        new Promise((resolve) =>
          setTimeout(() => resolve('still running 5 s after the second signal'), 5000),
        ),
      ]);
      expect(exit).toBe('exited');

      const second = await spawnSluice(args);
      try {
        const status = await cli('status', second.endpoint);
        expect(status.streams).toMatchObject([{ name: 'down', bufferedRecords: 1, deliveredRecords: 0 }]);
      } finally {
        await second.kill('SIGKILL');
      }
    } finally {
      await first.kill('SIGKILL');
      await dir.remove();
    }
  });
});
