/**
 * Dynamic partitioning benchmark: what 500 partitions cost the local runtime compared with 1. One `sluice start`
 * (the real CLI, its own process) serves two streams with dynamic partitioning, the same MetadataExtraction query
 * shape and the same buffering hints: `one` keys every record `k=0` (`.i % 1`), `wide` spreads them over 500
 * partitions (`.i % 500`, exactly the default active-partition limit, so nothing is refused). Producer processes
 * (bench/producer.ts) send the same seeded 1 KiB JSON records to each stream in turn at full speed for a fixed time;
 * then `sluice flush` delivers every partition. A stream's throughput is the records it acknowledged divided by the
 * time until all of them were delivered (load + final flush), so the 500 objects written at the flush are counted.
 * Rounds alternate the streams so background load hits both; the verdict uses the ratio of the medians.
 *
 *   npx tsx bench/partitions.ts [-- --seconds 12 --rounds 3 --producers 2 --concurrency 4 --no-write]
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { RECORD_BYTES, RECORD_MAGIC } from './data.ts';
import { readCpuSeconds } from './proc.ts';
import type { PhaseCommand, PhaseResult } from './producer.ts';

const REPO_ROOT = join(import.meta.dirname, '..');
const CLI = join(REPO_ROOT, 'bin', 'sluice.cjs');
const BUCKET = 'sluice-bench';
const STREAMS = { one: 1, wide: 500 } as const;
type StreamName = keyof typeof STREAMS;
const NAMES = Object.keys(STREAMS) as StreamName[];
const MB = 1e6;
/** The target: 500 partitions at most 2× slower than 1. */
const TARGET_RATIO = 0.5;

function options() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '12' },
      rounds: { type: 'string', default: '3' },
      producers: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '4' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  return {
    seconds: Number(values.seconds),
    rounds: Number(values.rounds),
    producers: Number(values.producers),
    concurrency: Number(values.concurrency),
    write: !values['no-write'],
  };
}
type Options = ReturnType<typeof options>;

function streamConfig(name: StreamName) {
  return {
    DeliveryStreamName: name,
    DeliveryStreamType: 'DirectPut',
    ExtendedS3DestinationConfiguration: {
      RoleARN: 'arn:aws:iam::000000000000:role/sluice-bench',
      BucketARN: `arn:aws:s3:::${BUCKET}`,
      Prefix: `${name}/k=!{partitionKeyFromQuery:k}/`,
      ErrorOutputPrefix: `errors/${name}/!{firehose:error-output-type}/`,
      // Firehose's minimum with dynamic partitioning (spec §2.1): partitions are delivered by the flush.
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
      CompressionFormat: 'UNCOMPRESSED',
      DynamicPartitioningConfiguration: { Enabled: true },
      ProcessingConfiguration: {
        Enabled: true,
        Processors: [
          {
            Type: 'MetadataExtraction',
            Parameters: [
              { ParameterName: 'MetadataExtractionQuery', ParameterValue: `{k: (.i % ${STREAMS[name]})}` },
              { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
            ],
          },
        ],
      },
    },
  };
}

interface Server {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

async function startServer(dataDir: string, configPath: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    [CLI, 'start', '--port', '0', '--data-dir', dataDir, '--config', configPath, '--log-level', 'warn'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error('sluice did not start within 30 s')), 30_000);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`sluice exited with ${code} before listening`)));
  });
  return {
    endpoint,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function cliFlush(endpoint: string, stream: StreamName): Promise<void> {
  const child = spawn(
    process.execPath,
    [CLI, 'flush', '--endpoint', endpoint, '--stream', stream, '--timeout', '600'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`sluice flush exited with ${code}`);
}

interface Producer {
  child: ChildProcess;
  next<T>(type: string): Promise<T>;
}

/** Producer processes for one stream; the same seeds for both streams, so the same records go through each. */
async function startProducers(stream: StreamName, count: number): Promise<Producer[]> {
  const producers: Producer[] = [];
  for (let i = 0; i < count; i++) {
    const child = fork(join(import.meta.dirname, 'producer.ts'), [], {
      execArgv: ['--import', 'tsx'],
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const next = <T>(type: string) =>
      new Promise<T>((resolve, reject) => {
        const onMessage = (message: { type: string; error?: string }) => {
          if (message.type !== type && message.type !== 'error') return;
          child.off('message', onMessage);
          if (message.type === 'error') reject(new Error(`producer ${i}: ${message.error}`));
          else resolve(message as T);
        };
        child.on('message', onMessage);
      });
    const ready = next('ready');
    child.send({ type: 'init', producer: i, seed: 2000 + i, poolSize: 16, streamName: stream });
    await ready;
    producers.push({ child, next });
  }
  return producers;
}

interface Round {
  stream: StreamName;
  round: number;
  ackedRecords: number;
  loadSeconds: number;
  flushSeconds: number;
  recordsPerSec: number;
  MBps: number;
  serverCores: number;
}

async function runRound(
  stream: StreamName,
  round: number,
  opts: Options,
  server: Server,
  producers: Producer[],
): Promise<Round> {
  const startAtMs = Date.now() + 300;
  const command: Omit<PhaseCommand, 'endpoint'> = {
    type: 'run',
    startAtMs,
    durationMs: opts.seconds * 1000,
    warmupMs: 0,
    concurrency: opts.concurrency,
    batchesPerSecond: 0,
  };
  const cpu0 = readCpuSeconds(server.pid);
  const pending = producers.map((p) => p.next<{ result: PhaseResult }>('result'));
  for (const p of producers) p.child.send({ ...command, endpoint: server.endpoint });
  const results = (await Promise.all(pending)).map((m) => m.result);
  const loadEnd = Date.now();
  await cliFlush(server.endpoint, stream);
  const end = Date.now();
  const acked = results.reduce((sum, r) => sum + r.ackedRecords, 0);
  const seconds = (end - startAtMs) / 1000;
  return {
    stream,
    round,
    ackedRecords: acked,
    loadSeconds: round2((loadEnd - startAtMs) / 1000),
    flushSeconds: round2((end - loadEnd) / 1000),
    recordsPerSec: Math.round(acked / seconds),
    MBps: round2((acked * RECORD_BYTES) / MB / seconds),
    serverCores: round2((readCpuSeconds(server.pid) - cpu0) / seconds),
  };
}

interface Delivered {
  acked: number;
  records: number;
  malformed: number;
  /** Records in an object whose partition is not the record's `i % partitions`. */
  misplaced: number;
  partitions: number;
  objects: number;
  errorObjects: number;
}

/** Records under `<bucket>/<stream>/k=<key>/`, each whole (1 KiB starting with the magic) and in its partition. */
function countDelivered(dataDir: string, stream: StreamName): Omit<Delivered, 'acked'> {
  const out = { records: 0, malformed: 0, misplaced: 0, partitions: 0, objects: 0, errorObjects: 0 };
  const walk = (dir: string): string[] => {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {
      return [];
    }
    return entries.flatMap((e) =>
      statSync(join(dir, e)).isDirectory() ? walk(join(dir, e)) : [join(dir, e)],
    );
  };
  const root = join(dataDir, 's3', BUCKET);
  out.errorObjects = walk(join(root, 'errors', stream)).length;
  const partitions = new Set<string>();
  for (const path of walk(join(root, stream))) {
    out.objects++;
    const key = relative(join(root, stream), path).split('/')[0]!;
    partitions.add(key);
    const body = readFileSync(path);
    if (body.byteLength % RECORD_BYTES !== 0) out.malformed++;
    for (let at = 0; at + RECORD_BYTES <= body.byteLength; at += RECORD_BYTES) {
      const record = body.subarray(at, at + RECORD_BYTES).toString('latin1');
      if (!record.startsWith(RECORD_MAGIC)) out.malformed++;
      const i = Number(/"i":(\d+)/.exec(record)?.[1]);
      if (key !== `k=${i % STREAMS[stream]}`) out.misplaced++;
      out.records++;
    }
  }
  out.partitions = partitions.size;
  return out;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function markdown(report: {
  at: string;
  opts: Options;
  rounds: Round[];
  medians: Record<StreamName, number>;
  ratio: number;
  delivered: Record<StreamName, Delivered>;
}): string {
  const { opts } = report;
  return [
    '# Dynamic partitioning benchmark results',
    '',
    `Run ${report.at} — \`npx tsx bench/partitions.ts -- --seconds ${opts.seconds} --rounds ${opts.rounds} --producers ${opts.producers} --concurrency ${opts.concurrency}\``,
    '',
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, nproc ${cpus().length}, Node ${process.version}. The server and the producers share these cores, and other engineers' work (tests, benchmarks, builds) was running on the machine during the run: absolute numbers are noisy, the ratio (same run, rounds alternating) is what counts.`,
    '',
    `Load: ${opts.producers} producer processes × ${opts.concurrency} keep-alive connections, PutRecordBatch of 500 × 1 KiB seeded JSON records, ${opts.seconds} s per round at full speed, then \`sluice flush\`. Both streams: dynamic partitioning, MetadataExtraction \`{k: (.i % N)}\` (jq-web), prefix \`<stream>/k=!{partitionKeyFromQuery:k}/\`, UNCOMPRESSED, 64 MiB / 60 s hints; \`one\` has N = 1, \`wide\` N = 500 (the default active-partition limit).`,
    '',
    '| round | stream | acknowledged | load s | flush s | records/s | MB/s | server cores |',
    '|---|---|---|---|---|---|---|---|',
    ...report.rounds.map(
      (r) =>
        `| ${r.round} | ${r.stream} | ${r.ackedRecords} | ${r.loadSeconds} | ${r.flushSeconds} | ${r.recordsPerSec} | ${r.MBps} | ${r.serverCores} |`,
    ),
    '',
    `Median throughput: one partition ${report.medians.one} records/s, 500 partitions ${report.medians.wide} records/s → **wide / one = ${report.ratio}** (target ≥ ${TARGET_RATIO}, i.e. 500 partitions at most 2× slower: ${report.ratio >= TARGET_RATIO ? 'met' : 'NOT met'}).`,
    '',
    '| stream | acknowledged (all rounds) | delivered | malformed | in the wrong partition | partitions | objects | error objects |',
    '|---|---|---|---|---|---|---|---|',
    ...NAMES.map((s) => {
      const d = report.delivered[s];
      return `| ${s} | ${d.acked} | ${d.records} | ${d.malformed} | ${d.misplaced} | ${d.partitions} | ${d.objects} | ${d.errorObjects} |`;
    }),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const opts = options();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-partitions-bench-'));
  const dataDir = join(dir, 'data');
  try {
    const configPath = join(dir, 'sluice.json');
    await writeFile(
      configPath,
      JSON.stringify({ streamActivationDelayMs: 0, deliveryStreams: NAMES.map(streamConfig) }),
    );
    const server = await startServer(dataDir, configPath);
    const producers = {
      one: await startProducers('one', opts.producers),
      wide: await startProducers('wide', opts.producers),
    };
    const rounds: Round[] = [];
    try {
      for (let round = 1; round <= opts.rounds; round++) {
        const order = round % 2 ? NAMES : [...NAMES].reverse();
        for (const stream of order) {
          const result = await runRound(stream, round, opts, server, producers[stream]);
          console.log(
            `round ${round} ${stream}: ${result.recordsPerSec} records/s (${result.MBps} MB/s), load ${result.loadSeconds} s + flush ${result.flushSeconds} s, server ${result.serverCores} cores`,
          );
          rounds.push(result);
        }
      }
    } finally {
      for (const p of [...producers.one, ...producers.wide])
        if (p.child.connected) p.child.send({ type: 'exit' });
      await server.stop();
    }
    const medians = Object.fromEntries(
      NAMES.map((s) => [
        s,
        Math.round(median(rounds.filter((r) => r.stream === s).map((r) => r.recordsPerSec))),
      ]),
    ) as Record<StreamName, number>;
    const ratio = round2(medians.wide / medians.one);
    const delivered = Object.fromEntries(
      NAMES.map((s) => [
        s,
        {
          acked: rounds.filter((r) => r.stream === s).reduce((sum, r) => sum + r.ackedRecords, 0),
          ...countDelivered(dataDir, s),
        },
      ]),
    ) as Record<StreamName, Delivered>;
    const report = { at: new Date().toISOString(), opts, rounds, medians, ratio, delivered };
    console.log(`wide / one = ${ratio}; delivered ${JSON.stringify(delivered)}`);
    if (opts.write) {
      writeFileSync(
        join(REPO_ROOT, 'bench', 'results', 'partitions.json'),
        `${JSON.stringify(report, null, 2)}\n`,
      );
      writeFileSync(join(REPO_ROOT, 'bench', 'results', 'partitions.md'), markdown(report));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
