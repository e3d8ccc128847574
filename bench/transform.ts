/**
 * Transform benchmark: what a Lambda transform that does nothing costs the local runtime. One `sluice start`
 * (the real CLI, its own process) serves two streams with the same buffering: `plain` (no processor) and `noop`
 * (a Lambda processor whose local handler returns every record Ok and unchanged, run in a worker thread). Producer
 * processes (bench/producer.ts) send the same seeded 1 KiB records to each stream in turn at full speed for a
 * fixed time; then `sluice flush` delivers what is left. A stream's throughput is the records it acknowledged
 * divided by the time until all of them were delivered (load + final flush), so work deferred to the flush is
 * counted. Rounds alternate the streams so that background load hits both; the verdict is the median of the
 * rounds' noop / plain ratios (the two streams of a round run back to back, so a slow patch of other work skews
 * one round, not the verdict); the ratio of the medians is reported too.
 *
 *   npx tsx bench/transform.ts [-- --seconds 15 --rounds 3 --producers 2 --concurrency 4 --no-write]
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RECORD_BYTES, RECORD_MAGIC } from './data.ts';
import { readCpuSeconds } from './proc.ts';
import type { PhaseCommand, PhaseResult } from './producer.ts';
import { summariseProfile } from './profile-summary.ts';

const REPO_ROOT = join(import.meta.dirname, '..');
const CLI = join(REPO_ROOT, 'bin', 'sluice.cjs');
const BUCKET = 'sluice-bench';
const STREAMS = ['plain', 'noop'] as const;
type StreamName = (typeof STREAMS)[number];
const MB = 1e6;
/** The target: the no-op transform costs at most 30% of throughput. */
const TARGET_RATIO = 0.7;

const NOOP_HANDLER = `export const handler = async (event) => ({
  records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })),
});
`;

function options() {
  // `npx tsx bench/transform.ts -- --seconds 12` passes the `--` on; parseArgs would read every option after it
  // as a positional.
  const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '15' },
      rounds: { type: 'string', default: '3' },
      producers: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '4' },
      'no-write': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  return {
    seconds: Number(values.seconds),
    rounds: Number(values.rounds),
    producers: Number(values.producers),
    concurrency: Number(values.concurrency),
    write: !values['no-write'],
    /** Writes a CPU profile of the server's main thread and prints where its time went. */
    profile: values.profile,
    /** Diagnostics: run one stream only. */
    streams: values.only ? [values.only as StreamName] : [...STREAMS],
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
      Prefix: `${name}/`,
      ErrorOutputPrefix: `errors/${name}/`,
      BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
      CompressionFormat: 'UNCOMPRESSED',
      ...(name === 'noop'
        ? {
            ProcessingConfiguration: {
              Enabled: true,
              Processors: [
                {
                  Type: 'Lambda',
                  Parameters: [
                    {
                      ParameterName: 'LambdaArn',
                      ParameterValue: 'arn:aws:lambda:us-east-1:000000000000:function:noop',
                    },
                  ],
                },
              ],
            },
          }
        : {}),
    },
  };
}

interface Server {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

async function startServer(dataDir: string, configPath: string, nodeArgs: string[]): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      CLI,
      'start',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--config',
      configPath,
      '--log-level',
      'warn',
    ],
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
  const child = spawn(process.execPath, [CLI, 'flush', '--endpoint', endpoint, '--stream', stream], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) throw new Error(`sluice flush exited with ${code}`);
}

interface Producer {
  child: ChildProcess;
  next<T>(type: string): Promise<T>;
}

/** One set of producer processes per stream: each builds its pool of PutRecordBatch bodies for that stream. */
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
    // The same seeds for both streams: the same records go through each.
    child.send({ type: 'init', producer: i, seed: 1000 + i, poolSize: 16, streamName: stream });
    await ready;
    producers.push({ child, next });
  }
  return producers;
}

function stopProducers(producers: Producer[]): void {
  for (const p of producers) if (p.child.connected) p.child.send({ type: 'exit' });
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

/** Records under `<bucket>/<stream>/`, each whole and unchanged (1 KiB starting with the bench's magic). */
function countDelivered(
  dataDir: string,
  stream: StreamName,
): { records: number; malformed: number; errors: number } {
  const out = { records: 0, malformed: 0, errors: 0 };
  const magic = Buffer.from(RECORD_MAGIC);
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
  out.errors = walk(join(root, 'errors', stream)).length;
  for (const path of walk(join(root, stream))) {
    const body = readFileSync(path);
    if (body.byteLength % RECORD_BYTES !== 0) out.malformed++;
    for (let at = 0; at + RECORD_BYTES <= body.byteLength; at += RECORD_BYTES) {
      if (body.compare(magic, 0, magic.byteLength, at, at + magic.byteLength) !== 0) out.malformed++;
      out.records++;
    }
  }
  return out;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** What profiling (`--profile --only noop`) showed and what was changed; kept with the results. */
const FINDINGS = `## Profile and changes

History: noop / plain was 0.29 at first and 0.39 after the first round of changes (event entries written as bytes,
base64 checked by decoded length, up to 5 invocations outstanding per stream as spec §2.2 allows). Those rounds
showed the JSON hop itself as the cost: per MB of records the server wrote a 1.37 MB JSON event, the worker parsed
it and wrote its answer, and the server parsed that and decoded the base64 again.

This round adds an optional port method, \`TransformInvoker.invokeEvent\`, that the local invoker implements and the
AWS invoker does not (it keeps \`invoke\`, whose path is unchanged and still tested):
- the core hands over the event as values; its JSON size (Lambda's 6 MiB request limit) is counted, not written;
- the local invoker copies the records' bytes into one buffer (a stretch of adjacent records at a time) and
  transfers it with the ids and timestamps in parallel arrays; the worker builds the event object the handler gets,
  equal to the parse of the JSON event, key order included;
- the worker answers with a copy of the handler's return value made under JSON's rules, with the size its JSON would
  have (the 6 MiB response limit applies to that size); anything JSON treats specially (toJSON, class instances,
  holes, BigInt, cycles) falls back to JSON as before;
- the data of Ok entries reaches the server already decoded when it is standard padded base64 (the check the server
  made before); data returned exactly as it was sent is handed back as the sent bytes without decoding;
- the server reads the answer as a value (\`readTransformAnswer\`), with no lookup table when the ids come back in
  order.
Tests compare the two paths on the same handler: the same event text, the same answer text and size (fast-check
JSON values, escapes, non-ASCII, -0, NaN, undefined members), the same fallbacks and the same verdicts.

Measured in isolation with an ad hoc script (not committed): runLambdaTransform over 5 MB batches of 1 KiB records
through the real local invoker, CPU of the whole process (server thread and worker) per MB of records, while other
work was running: JSON path ≈ 13–14 ms; event path ≈ 2.9 ms for the no-op function and ≈ 3.8–4.0 ms for one that
changes every record's data (the worker then decodes it). The no-op bench therefore shows the best case: a
transform that rewrites every record costs about 1 ms per MB more than this one.

Every run of this bench with the final code, all while other engineers' tests and type checks ran (load average 3
to 7 on 2 cores), as per-round ratios → median (ratio of medians): 0.45, 0.68, 0.93 → 0.68 (0.78); 0.85, 0.74, 0.77
→ 0.77 (0.85); 0.86, 0.50, 0.94 → 0.86 (0.53); 0.72, 0.79, 0.59 → 0.72 (0.79); and the committed run above. A single
round swings by ±0.2 with the background load, hence the per-round verdict; four runs of five meet the target by
either measure, so it is met, without much margin on a machine this busy. The first version of the event path,
which decoded returned data even when unchanged, gave 0.59 (ratio of medians) in its one run.

Left on the table, outside the transform's files: a stream processes one batch at a time
(lib/local/delivery-stream-runtime.ts), so the worker and the server's thread overlap only within a batch; and
planS3Objects (lib/core/delivery/s3-objects.ts) copies every processed batch with packRecords, although the
records a transform returns lie back to back in the buffer of their invocation.`;

function markdown(report: {
  at: string;
  opts: Options;
  rounds: Round[];
  medians: Record<StreamName, number>;
  /** noop / plain of each round, and their median: the verdict. */
  roundRatios: number[];
  ratio: number;
  ratioOfMedians: number;
  /** 1-minute load averages when the run started and ended: other work on the machine. */
  loadAverages: number[];
  delivered: Record<StreamName, { acked: number; records: number; malformed: number; errors: number }>;
}): string {
  const { opts } = report;
  const lines = [
    '# Transform benchmark results',
    '',
    `Run ${report.at} — \`npx tsx bench/transform.ts -- --seconds ${opts.seconds} --rounds ${opts.rounds} --producers ${opts.producers} --concurrency ${opts.concurrency}\``,
    '',
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, nproc ${cpus().length}, Node ${process.version}. The server, its transform worker and the producers share these cores, and other engineers' work was running on the machine during the run: absolute numbers are noisy, the ratio (same run, rounds alternating) is what counts.`,
    '',
    `Load: ${opts.producers} producer processes × ${opts.concurrency} keep-alive connections, PutRecordBatch of 500 × 1 KiB seeded records, ${opts.seconds} s per round at full speed, then \`sluice flush\`. Both streams: UNCOMPRESSED, 5 MiB / 60 s buffering. \`noop\` adds a Lambda processor (default BufferSizeInMBs 1, i.e. ~1000 records per invocation) whose handler returns every record Ok and unchanged, run by the local invoker in a worker thread.`,
    '',
    '| round | stream | acknowledged | load s | flush s | records/s | MB/s | server cores |',
    '|---|---|---|---|---|---|---|---|',
    ...report.rounds.map(
      (r) =>
        `| ${r.round} | ${r.stream} | ${r.ackedRecords} | ${r.loadSeconds} | ${r.flushSeconds} | ${r.recordsPerSec} | ${r.MBps} | ${r.serverCores} |`,
    ),
    '',
    `Per round, noop / plain = ${report.roundRatios.join(', ')} → median **${report.ratio}** (target ≥ ${TARGET_RATIO}, i.e. the transform costs ≤ 30%: ${report.ratio >= TARGET_RATIO ? 'met' : 'NOT met'}). Median throughput: plain ${report.medians.plain} records/s, noop ${report.medians.noop} records/s, a ratio of ${report.ratioOfMedians}. Load average (1 min) at start and end: ${report.loadAverages.join(' and ')} on ${cpus().length} cores.`,
    '',
    FINDINGS,
    '',
    '| stream | acknowledged (all rounds) | delivered | malformed | error objects |',
    '|---|---|---|---|---|',
    ...STREAMS.map((s) => {
      const d = report.delivered[s];
      return `| ${s} | ${d.acked} | ${d.records} | ${d.malformed} | ${d.errors} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = options();
  const loadAtStart = round2(loadavg()[0]!);
  const dir = await mkdtemp(join(tmpdir(), 'sluice-transform-bench-'));
  const dataDir = join(dir, 'data');
  try {
    await writeFile(join(dir, 'noop.mjs'), NOOP_HANDLER);
    const configPath = join(dir, 'sluice.json');
    await writeFile(
      configPath,
      JSON.stringify({
        streamActivationDelayMs: 0,
        lambdaFunctions: { noop: './noop.mjs#handler' },
        deliveryStreams: STREAMS.map(streamConfig),
      }),
    );
    const profileDir = join(dir, 'profile');
    const server = await startServer(
      dataDir,
      configPath,
      opts.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    );
    const producers = {
      plain: await startProducers('plain', opts.producers),
      noop: await startProducers('noop', opts.producers),
    };
    const rounds: Round[] = [];
    try {
      for (let round = 1; round <= opts.rounds; round++) {
        // Alternate which stream goes first, so a slow patch of background load does not always hit the same one.
        const order = round % 2 ? opts.streams : [...opts.streams].reverse();
        for (const stream of order) {
          const result = await runRound(stream, round, opts, server, producers[stream]);
          console.log(
            `round ${round} ${stream}: ${result.recordsPerSec} records/s (${result.MBps} MB/s), load ${result.loadSeconds} s + flush ${result.flushSeconds} s, server ${result.serverCores} cores`,
          );
          rounds.push(result);
        }
      }
    } finally {
      stopProducers([...producers.plain, ...producers.noop]);
      await server.stop();
    }
    if (opts.profile) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) console.log(JSON.stringify(summariseProfile(join(profileDir, file), REPO_ROOT, 20), null, 1));
    }
    const medians = Object.fromEntries(
      STREAMS.map((s) => [
        s,
        Math.round(median(rounds.filter((r) => r.stream === s).map((r) => r.recordsPerSec))),
      ]),
    ) as Record<StreamName, number>;
    const roundRatios = Array.from({ length: opts.rounds }, (_, i) => {
      const of = (stream: StreamName) =>
        rounds.find((r) => r.round === i + 1 && r.stream === stream)?.recordsPerSec ?? Number.NaN;
      return round2(of('noop') / of('plain'));
    });
    const ratio = round2(median(roundRatios));
    const ratioOfMedians = round2(medians.noop / medians.plain);
    const delivered = Object.fromEntries(
      STREAMS.map((s) => [
        s,
        {
          acked: rounds.filter((r) => r.stream === s).reduce((sum, r) => sum + r.ackedRecords, 0),
          ...countDelivered(dataDir, s),
        },
      ]),
    ) as Record<StreamName, { acked: number; records: number; malformed: number; errors: number }>;
    const loadAverages = [loadAtStart, round2(loadavg()[0]!)];
    const report = {
      at: new Date().toISOString(),
      opts,
      rounds,
      medians,
      roundRatios,
      ratio,
      ratioOfMedians,
      loadAverages,
      delivered,
    };
    console.log(
      `noop / plain per round ${roundRatios.join(', ')}, median ${ratio} (ratio of medians ${ratioOfMedians}); load ${loadAverages.join(' -> ')}; delivered ${JSON.stringify(delivered)}`,
    );
    if (opts.write) {
      writeFileSync(
        join(REPO_ROOT, 'bench', 'results', 'transform.json'),
        `${JSON.stringify(report, null, 2)}\n`,
      );
      writeFileSync(join(REPO_ROOT, 'bench', 'results', 'transform.md'), markdown(report));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
