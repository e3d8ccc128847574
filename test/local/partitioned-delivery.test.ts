import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createJqWebEngine } from '../../lib/adapters/jq-web-engine.ts';
import { FsObjectStore } from '../../lib/adapters/local/fs-object-store.ts';
import { RandomIds } from '../../lib/adapters/local/random-ids.ts';
import { SystemClock } from '../../lib/adapters/local/system-clock.ts';
import { type StoredStream, toResolvedStream } from '../../lib/core/config/resolve-stream.ts';
import type { CreateDeliveryStreamInput } from '../../lib/core/config/shapes.ts';
import { MetricsRegistry } from '../../lib/core/metrics.ts';
import { type DynamicPartitioning, dynamicPartitioningOf } from '../../lib/core/partitioning/index.ts';
import type { JqEngine } from '../../lib/core/ports.ts';
import { packRecords } from '../../lib/core/records.ts';
import { DeliveryStreamRuntime } from '../../lib/local/delivery-stream-runtime.ts';
import { listEmbeddedObjects, tempDir } from '../support/sluice.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The local runtime's dynamic partitioning at the level of one DeliveryStreamRuntime (real write-ahead log, real
 * file-backed store, real jq), where a test can hold a batch between processing and routing.
 */

const BUCKET = 'partitioned';

function streamInput(prefix: string, query: string): CreateDeliveryStreamInput {
  return {
    DeliveryStreamName: 'routes',
    DeliveryStreamType: 'DirectPut',
    ExtendedS3DestinationConfiguration: {
      RoleARN: 'arn:aws:iam::000000000000:role/firehose',
      BucketARN: `arn:aws:s3:::${BUCKET}`,
      Prefix: prefix,
      ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
      DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
      ProcessingConfiguration: {
        Enabled: true,
        Processors: [
          {
            Type: 'MetadataExtraction',
            Parameters: [
              { ParameterName: 'MetadataExtractionQuery', ParameterValue: query },
              { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
            ],
          },
          { Type: 'AppendDelimiterToRecord' },
        ],
      },
    },
  } as CreateDeliveryStreamInput;
}

function configuration(input: CreateDeliveryStreamInput, versionId: string) {
  const stored: StoredStream = {
    input,
    versionId,
    status: 'ACTIVE',
    createTimestampMs: 0,
    tags: [],
  };
  return {
    stream: toResolvedStream(stored, { region: 'us-east-1', accountId: '000000000000' }),
    dynamicPartitioning: dynamicPartitioningOf(input)!,
  };
}

/**
 * The real jq engine, whose queries wait while held (a batch is held inside processing), and whose next run can be
 * made to fail as an engine failure (the batch's processing is retried after a stall).
 */
function gatedJq() {
  const real = createJqWebEngine();
  let gate: { promise: Promise<void>; open(): void } | undefined;
  let entered = 0;
  let failures = 0;
  const engine: JqEngine = {
    async compile(filter) {
      const program = await real.compile(filter);
      return {
        async runEach(inputs) {
          entered++;
          await gate?.promise;
          if (failures-- > 0) throw new Error('jq: the engine stopped');
          return program.runEach(inputs);
        },
      };
    },
  };
  return {
    engine,
    failNext() {
      failures = 1;
    },
    hold() {
      let open = () => {};
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { promise, open };
    },
    release() {
      gate?.open();
      gate = undefined;
    },
    entered: () => entered,
  };
}

const records = (values: unknown[]) => ({
  arrivalMs: Date.now(),
  ...packRecords(values.map((v) => Buffer.from(JSON.stringify(v)))),
});
const lines = (body: Buffer) =>
  body
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);

describe('PartitionedDelivery in the local runtime', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function open(
    stream: ReturnType<typeof configuration>,
    options: {
      jqEngine?: JqEngine;
      dynamicPartitioning?: DynamicPartitioning;
      metrics?: MetricsRegistry;
      /** The data dir of a runtime opened before: its log is replayed. */
      dir?: { path: string };
    } = {},
  ) {
    let dir = options.dir;
    if (!dir) {
      const created = await tempDir('sluice-partitioned-');
      cleanups.push(created.remove);
      dir = created;
    }
    const warnings: Array<Record<string, unknown>> = [];
    const runtime = await DeliveryStreamRuntime.open(
      stream.stream,
      join(dir.path, 'wal'),
      {
        clock: new SystemClock(),
        ids: new RandomIds(),
        store: new FsObjectStore(join(dir.path, 's3')),
        metrics: options.metrics ?? new MetricsRegistry(),
        logger: {
          log(level, message, fields) {
            if (level !== 'debug' && level !== 'info') warnings.push({ level, message, ...fields });
          },
        },
        maxBufferedBytes: 64 * 1024 * 1024,
        jitter: () => 0,
        jqEngine: options.jqEngine ?? createJqWebEngine(),
      },
      { dynamicPartitioning: options.dynamicPartitioning ?? stream.dynamicPartitioning },
    );
    cleanups.push(() => runtime.close());
    return { runtime, dir, warnings, objects: () => listEmbeddedObjects(dir.path, BUCKET) };
  }

  /** Settings whose prefix throws a plain TypeError (not a SluiceError) for its first `failures` renders. */
  function throwingPrefix(settings: DynamicPartitioning, failures: number): DynamicPartitioning {
    let left = failures;
    return {
      ...settings,
      prefix: {
        ...settings.prefix,
        render(ctx) {
          if (left-- > 0) throw new TypeError('the prefix cannot be rendered');
          return settings.prefix.render(ctx);
        },
      },
    };
  }

  it('a routing failure that goes away is retried as a stall, shown in status, and the records are delivered', async () => {
    const v1 = configuration(streamInput('k=!{partitionKeyFromQuery:k}/', '{k: .k}'), '1');
    const { runtime, objects } = await open(v1, {
      dynamicPartitioning: throwingPrefix(v1.dynamicPartitioning, 1),
    });
    await runtime.put(records([{ k: 'a', n: 1 }]));
    const stalled = await waitFor('the stall', () => runtime.status().stalled && runtime.status());
    expect(stalled.lastError).toBe('the prefix cannot be rendered');
    // A flush cuts the backoff short.
    await runtime.flush();
    expect(runtime.status()).toMatchObject({ stalled: false, bufferedRecords: 0, inFlightBytes: 0 });
    const delivered = [...(await objects())].map(([key, body]) => [folderOf(key), lines(body)]);
    expect(delivered).toEqual([['k=a/', [{ k: 'a', n: 1 }]]]);
  });

  it('a routing failure that does not go away sends the batch to the error output (§4.2) and the stream carries on', async () => {
    const v1 = configuration(streamInput('k=!{partitionKeyFromQuery:k}/', '{k: .k}'), '1');
    const { runtime, objects, warnings } = await open(v1, {
      dynamicPartitioning: throwingPrefix(v1.dynamicPartitioning, Number.POSITIVE_INFINITY),
    });
    await runtime.put(
      records([
        { k: 'a', n: 1 },
        { k: 'b', n: 2 },
      ]),
    );
    await runtime.flush();
    expect(runtime.status()).toMatchObject({
      stalled: false,
      bufferedRecords: 0,
      inFlightBytes: 0,
      wal: { pendingRecords: 0 },
    });
    const written = [...(await objects())];
    expect(written.map(([key]) => folderOf(key))).toEqual(['errors/processing-failed/']);
    const documents = lines(written[0]![1]);
    expect(documents.map((d) => Object.keys(d))).toEqual(
      Array(2).fill([
        'rawData',
        'errorCode',
        'errorMessage',
        'attemptsMade',
        'arrivalTimestamp',
        'attemptEndingTimestamp',
      ]),
    );
    expect(documents.map((d) => [d.errorCode, d.errorMessage, d.attemptsMade])).toEqual(
      Array(2).fill([
        'DynamicPartitioning.RoutingFailed',
        'The records could not be routed to partitions: the prefix cannot be rendered',
        3,
      ]),
    );
    // rawData is the processed record (with its delimiter still to come), as for other routing failures.
    expect(documents.map((d) => JSON.parse(Buffer.from(String(d.rawData), 'base64').toString()))).toEqual([
      { k: 'a', n: 1 },
      { k: 'b', n: 2 },
    ]);
    expect(warnings.filter((w) => w.level === 'error')).toEqual([]);
  });

  it('work that fails unexpectedly is logged and leaves the stream stalled with the error; a restart delivers its records', async () => {
    // Nothing in the runtime is written to throw here: a metrics registry that does stands in for a bug.
    class BrokenMetrics extends MetricsRegistry {
      private broken = true;
      override gauge(stream: string, metric: string, value: number): void {
        if (metric === 'PartitionCount' && this.broken) {
          this.broken = false;
          throw new Error('the metrics registry broke');
        }
        super.gauge(stream, metric, value);
      }
    }
    const v1 = configuration(streamInput('k=!{partitionKeyFromQuery:k}/', '{k: .k}'), '1');
    const first = await open(v1, { metrics: new BrokenMetrics() });
    await first.runtime.put(records([{ k: 'a', n: 1 }]));
    const stalled = await waitFor(
      'the stall',
      () => first.runtime.status().stalled && first.runtime.status(),
    );
    expect(stalled.lastError).toBe('the metrics registry broke');
    expect(first.warnings).toEqual([
      {
        level: 'error',
        message: 'delivery work failed unexpectedly; restart to deliver what it held',
        stream: 'routes',
        error: 'the metrics registry broke',
      },
    ]);
    await first.runtime.close();

    const second = await open(v1, { dir: first.dir });
    await second.runtime.flush();
    const delivered = [...(await second.objects())].map(([key, body]) => [folderOf(key), lines(body)]);
    expect(delivered).toEqual([['k=a/', [{ k: 'a', n: 1 }]]]);
    expect(second.runtime.status()).toMatchObject({ stalled: false, wal: { pendingRecords: 0 } });
  });

  it('a batch cut before an UpdateDestination is processed, routed and keyed with the configuration it was cut under', async () => {
    const v1 = configuration(streamInput('v1/k=!{partitionKeyFromQuery:k}/', '{k: .k}'), '1');
    const v2 = configuration(streamInput('v2/c=!{partitionKeyFromQuery:c}/', '{c: .c}'), '2');
    const jq = gatedJq();
    const { runtime, objects } = await open(v1, { jqEngine: jq.engine });
    // The first batch is held inside its MetadataExtraction while the configuration changes under it.
    jq.hold();
    await runtime.put(records([{ k: 'a', c: 'x', n: 1 }]));
    await waitFor('the first batch in processing', () => jq.entered() === 1);
    runtime.reconfigure(v2.stream, { dynamicPartitioning: v2.dynamicPartitioning });
    jq.release();
    await runtime.put(records([{ k: 'b', c: 'y', n: 2 }]));
    await runtime.flush();

    const written = [...(await objects())].map(([key, body]) => [
      folderOf(key),
      key.slice(key.lastIndexOf('/') + 1, key.lastIndexOf('/') + 10),
      lines(body).map((r) => r.n),
    ]);
    expect(written.sort()).toEqual([
      ['v1/k=a/', 'routes-1-', [1]],
      ['v2/c=y/', 'routes-2-', [2]],
    ]);
  });

  it('a batch whose processing is retried after an UpdateDestination is processed again with its own configuration', async () => {
    const v1 = configuration(streamInput('v1/k=!{partitionKeyFromQuery:k}/', '{k: .k}'), '1');
    const v2 = configuration(streamInput('v2/c=!{partitionKeyFromQuery:c}/', '{c: .c}'), '2');
    const jq = gatedJq();
    const { runtime, objects } = await open(v1, { jqEngine: jq.engine });
    jq.failNext();
    await runtime.put(records([{ k: 'a', c: 'x', n: 1 }]));
    const stalled = await waitFor('the processing stall', () => runtime.status().stalled && runtime.status());
    expect(stalled.lastError).toBe('jq: the engine stopped');
    runtime.reconfigure(v2.stream, { dynamicPartitioning: v2.dynamicPartitioning });
    // The flush cuts the backoff short: the batch is processed again, still under version 1.
    await runtime.flush();

    const written = [...(await objects())].map(([key, body]) => [
      key.slice(0, key.lastIndexOf('/') + 10),
      lines(body).map((r) => r.n),
    ]);
    expect(written).toEqual([['v1/k=a/routes-1-', [1]]]);
    expect(runtime.status()).toMatchObject({ versionId: '2', stalled: false, wal: { pendingRecords: 0 } });
  });
});
