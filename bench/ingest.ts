/**
 * Ingest benchmark: sustained PutRecordBatch load (500 × 1 KiB records per call) from producer processes into
 * `sluice start` (the real CLI, a separate process) with the embedded object store, for UNCOMPRESSED and GZIP
 * streams. Reports throughput, latency, server RSS and CPU, each next to this machine's single-core limits
 * measured in the same run, then flushes and checks that every acknowledged record was delivered.
 *
 *   npm run bench [-- --seconds 25 --sizes 5,128 --producers 2 --concurrency 4 --profile]
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { type Baselines, measureBaselines } from './baselines.ts';
import { RECORD_BYTES, RECORD_MAGIC, RECORDS_PER_BATCH } from './data.ts';
import { type MemorySample, readCpuSeconds, readMemory, readThreadCpu } from './proc.ts';
import type { PhaseCommand, PhaseResult } from './producer.ts';
import { type ProfileSummary, summariseProfile } from './profile-summary.ts';

const REPO_ROOT = join(import.meta.dirname, '..');
const CLI = join(REPO_ROOT, 'bin', 'sluice.cjs');
const STREAM = 'bench';
const BUCKET = 'sluice-bench';
const MB = 1e6;
const MiB = 1024 * 1024;
/** Targets from the issue. */
const TARGETS = {
  gzipRatioToOneCore: 0.7,
  uncompressedMBps: 100,
  p99AtHalfRateMs: 50,
  rssHeadroomBytes: 200 * MB,
};

type Format = 'UNCOMPRESSED' | 'GZIP';

interface Options {
  seconds: number;
  warmupSeconds: number;
  producers: number;
  concurrency: number;
  sizesMiB: number[];
  formats: Format[];
  poolSize: number;
  profile: boolean;
  write: boolean;
  /** Diagnostics: a different entry point for the server (a .ts file runs through tsx), e.g. an instrumented one. */
  serverEntry: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '25' },
      warmup: { type: 'string', default: '3' },
      producers: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '4' },
      sizes: { type: 'string', default: '5,128' },
      formats: { type: 'string', default: 'UNCOMPRESSED,GZIP' },
      pool: { type: 'string', default: '16' },
      profile: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      'server-entry': { type: 'string', default: CLI },
    },
  });
  const int = (v: string | undefined, name: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be an integer in ${min}..${max}`);
    return n;
  };
  const formats = String(values.formats).split(',') as Format[];
  for (const f of formats) if (f !== 'UNCOMPRESSED' && f !== 'GZIP') throw new Error(`unknown format ${f}`);
  const seconds = int(values.seconds, 'seconds', 4, 600);
  return {
    seconds,
    warmupSeconds: int(values.warmup, 'warmup', 0, seconds - 2),
    producers: int(values.producers, 'producers', 1, 16),
    concurrency: int(values.concurrency, 'concurrency', 1, 64),
    sizesMiB: String(values.sizes)
      .split(',')
      .map((s) => int(s, 'sizes', 1, 128)),
    formats,
    poolSize: int(values.pool, 'pool', 1, 64),
    profile: Boolean(values.profile),
    write: !values['no-write'],
    serverEntry: String(values['server-entry']),
  };
}

// ---------------------------------------------------------------- server process

interface ServerProcess {
  endpoint: string;
  pid: number;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

async function startServer(
  entry: string,
  dataDir: string,
  configPath: string,
  extraNodeArgs: string[],
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      ...extraNodeArgs,
      ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []),
      entry,
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
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`sluice did not start within 30 s: ${stderr}`)), 30_000);
    child.stdout!.on('data', (chunk) => {
      if (process.env.BENCH_SERVER_STDOUT) appendFileSync(process.env.BENCH_SERVER_STDOUT, chunk);
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice exited with ${code} before listening: ${stderr}`));
    });
  });
  return {
    endpoint,
    pid: child.pid!,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `sluice flush` through the CLI, as a user would run it. */
async function cliFlush(endpoint: string): Promise<number> {
  const child = spawn(process.execPath, [CLI, 'flush', '--endpoint', endpoint], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) throw new Error(`sluice flush exited with ${code}`);
  return performance.now() - started;
}

async function streamStatus(endpoint: string): Promise<{ deliveredRecords: number; bufferedBytes: number }> {
  const response = await fetch(`${endpoint}/_sluice/status`, { signal: AbortSignal.timeout(30_000) });
  const body = (await response.json()) as {
    streams: Array<{ name: string; deliveredRecords: number; bufferedBytes: number }>;
  };
  const stream = body.streams.find((s) => s.name === STREAM);
  return { deliveredRecords: stream?.deliveredRecords ?? 0, bufferedBytes: stream?.bufferedBytes ?? 0 };
}

/** Samples the server's VmRSS / VmHWM every 100 ms for as long as it runs. */
class RssSampler {
  peakRss = 0;
  hwm = 0;
  readonly timeline: Array<{ s: number; rssMB: number }> = [];
  private phasePeak = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();
  private lastTimelineS = -1;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 100);
  }

  sample(): MemorySample | undefined {
    const m = readMemory(this.pid);
    if (!m) return undefined;
    this.peakRss = Math.max(this.peakRss, m.rssBytes);
    this.phasePeak = Math.max(this.phasePeak, m.rssBytes);
    this.hwm = Math.max(this.hwm, m.hwmBytes);
    const s = Math.floor((performance.now() - this.started) / 1000);
    if (s !== this.lastTimelineS && this.timeline.length < 3600) {
      this.lastTimelineS = s;
      this.timeline.push({ s, rssMB: round(m.rssBytes / MB, 1) });
    }
    return m;
  }

  /** Peak RSS since the previous call. */
  takePhasePeak(): number {
    const peak = this.phasePeak;
    this.phasePeak = 0;
    return peak;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------- producers

interface Producer {
  child: ChildProcess;
  pid: number;
  next<T>(type: string): Promise<T>;
}

async function startProducers(count: number, poolSize: number): Promise<Producer[]> {
  const producers: Producer[] = [];
  for (let i = 0; i < count; i++) {
    const child = fork(join(import.meta.dirname, 'producer.ts'), [], {
      execArgv: ['--import', 'tsx'],
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const next = <T>(type: string) =>
      new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`producer ${i}: no ${type} within 15 min`)), 900_000);
        const onMessage = (message: { type: string; error?: string } & Record<string, unknown>) => {
          if (message.type !== type && message.type !== 'error') return;
          clearTimeout(timer);
          child.off('message', onMessage);
          if (message.type === 'error') reject(new Error(`producer ${i}: ${message.error}`));
          else resolve(message as T);
        };
        child.on('message', onMessage);
        child.once('exit', (code) => reject(new Error(`producer ${i} exited with ${code}`)));
      });
    const ready = next<{ bodyBytes: number }>('ready');
    child.send({ type: 'init', producer: i, seed: 1000 + i, poolSize, streamName: STREAM });
    await ready;
    producers.push({ child, pid: child.pid!, next });
  }
  return producers;
}

async function stopProducers(producers: Producer[]): Promise<void> {
  await Promise.all(
    producers.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.child.exitCode !== null) return resolve();
          const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
          p.child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          p.child.send({ type: 'exit' });
        }),
    ),
  );
}

// ---------------------------------------------------------------- phases

interface PhaseReport {
  name: 'max' | 'half';
  targetRecordsPerSec?: number;
  windowSeconds: number;
  requests: number;
  recordsPerSec: number;
  payloadMBps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Paced phase only: latency from the scheduled send time (includes queueing behind a busy lane). */
  scheduledLatencyMs?: { p50: number; p99: number };
  lateStarts: number;
  backoffs: number;
  ackedRecords: number;
  failedRecords: number;
  failedRequests: number;
  errorSamples: string[];
  deliveredMBps: number;
  serverPeakRssMB: number;
  serverCpuSeconds: number;
  serverCores: number;
  serverThreadsCpuSeconds: Record<string, number>;
  producersCpuSeconds: number;
  producersCores: number;
}

async function runPhase(
  name: 'max' | 'half',
  opts: Options,
  server: ServerProcess,
  rss: RssSampler,
  producers: Producer[],
  recordsPerSec: number,
): Promise<PhaseReport> {
  const startAtMs = Date.now() + 500;
  const batchesPerSecond = recordsPerSec > 0 ? recordsPerSec / RECORDS_PER_BATCH / producers.length : 0;
  const command: Omit<PhaseCommand, 'endpoint'> = {
    type: 'run',
    startAtMs,
    durationMs: opts.seconds * 1000,
    warmupMs: opts.warmupSeconds * 1000,
    concurrency: opts.concurrency,
    batchesPerSecond,
  };
  const serverCpu0 = readCpuSeconds(server.pid);
  const threads0 = readThreadCpu(server.pid);
  const producerCpu0 = producers.reduce((sum, p) => sum + readCpuSeconds(p.pid), 0);
  const before = await streamStatus(server.endpoint);
  rss.takePhasePeak();
  const pending = producers.map((p) => p.next<{ result: PhaseResult }>('result'));
  for (const p of producers) p.child.send({ ...command, endpoint: server.endpoint });
  const results = (await Promise.all(pending)).map((m) => m.result);
  const elapsedS = (Date.now() - startAtMs) / 1000;
  const serverCpu = readCpuSeconds(server.pid) - serverCpu0;
  const threads1 = readThreadCpu(server.pid);
  const producerCpu = producers.reduce((sum, p) => sum + readCpuSeconds(p.pid), 0) - producerCpu0;
  const after = await streamStatus(server.endpoint);

  const windowSeconds = opts.seconds - opts.warmupSeconds;
  const windowRecords = results.reduce((sum, r) => sum + r.window.ackedRecords, 0);
  const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const scheduled = results.flatMap((r) => r.scheduledLatenciesMs).sort((a, b) => a - b);
  const threadDelta: Record<string, number> = {};
  for (const [thread, s] of Object.entries(threads1)) {
    threadDelta[thread] = round(s - (threads0[thread] ?? 0), 2);
  }
  return {
    name,
    ...(recordsPerSec > 0 ? { targetRecordsPerSec: Math.round(recordsPerSec) } : {}),
    windowSeconds,
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    recordsPerSec: Math.round(windowRecords / windowSeconds),
    payloadMBps: round((windowRecords * RECORD_BYTES) / MB / windowSeconds, 1),
    latencyMs: {
      p50: round(percentile(latencies, 50), 1),
      p90: round(percentile(latencies, 90), 1),
      p99: round(percentile(latencies, 99), 1),
      max: round(latencies[latencies.length - 1] ?? 0, 1),
    },
    ...(scheduled.length > 0
      ? { scheduledLatencyMs: { p50: percentile(scheduled, 50), p99: percentile(scheduled, 99) } }
      : {}),
    lateStarts: results.reduce((sum, r) => sum + r.lateStarts, 0),
    backoffs: results.reduce((sum, r) => sum + r.backoffs, 0),
    ackedRecords: results.reduce((sum, r) => sum + r.ackedRecords, 0),
    failedRecords: results.reduce((sum, r) => sum + r.failedRecords, 0),
    failedRequests: results.reduce((sum, r) => sum + r.failedRequests, 0),
    errorSamples: results.flatMap((r) => r.errorSamples).slice(0, 5),
    deliveredMBps: round(
      ((after.deliveredRecords - before.deliveredRecords) * RECORD_BYTES) / MB / elapsedS,
      1,
    ),
    serverPeakRssMB: round(rss.takePhasePeak() / MB, 1),
    serverCpuSeconds: round(serverCpu, 2),
    serverCores: round(serverCpu / elapsedS, 2),
    serverThreadsCpuSeconds: threadDelta,
    producersCpuSeconds: round(producerCpu, 2),
    producersCores: round(producerCpu / elapsedS, 2),
  };
}

// ---------------------------------------------------------------- verification

interface Delivered {
  objects: number;
  records: number;
  storedBytes: number;
  errorObjects: number;
  malformed: number;
}

/** Counts records in every delivered object: each must be whole 1 KiB records, each starting with the magic. */
async function countDelivered(dataDir: string): Promise<Delivered> {
  const out: Delivered = { objects: 0, records: 0, storedBytes: 0, errorObjects: 0, malformed: 0 };
  const root = join(dataDir, 's3', BUCKET);
  const magic = Buffer.from(RECORD_MAGIC);
  const files: string[] = [];
  const walk = async (dir: string, depth: number) => {
    if (depth > 20) return;
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) await walk(path, depth + 1);
      else files.push(path);
    }
  };
  await walk(root, 0);
  for (const path of files) {
    if (path.slice(root.length + 1).startsWith('errors/')) {
      out.errorObjects++;
      continue;
    }
    const stored = readFileSync(path);
    const body = path.endsWith('.gz') ? gunzipSync(stored) : stored;
    out.objects++;
    out.storedBytes += stored.byteLength;
    if (body.byteLength % RECORD_BYTES !== 0) out.malformed++;
    for (let offset = 0; offset + RECORD_BYTES <= body.byteLength; offset += RECORD_BYTES) {
      if (body.compare(magic, 0, magic.byteLength, offset, offset + magic.byteLength) !== 0) out.malformed++;
      out.records++;
    }
  }
  return out;
}

// ---------------------------------------------------------------- scenario

interface ScenarioReport {
  format: Format;
  bufferSizeMiB: number;
  bufferIntervalSeconds: number;
  maxBufferedBytesPerStream: number;
  idleRssMB: number;
  phases: PhaseReport[];
  serverPeakRssMB: number;
  serverHwmMB: number;
  rssLimitMB: number;
  flushMs: number;
  delivered: Delivered & { compressionRatio: number };
  acknowledged: number;
  nothingLost: boolean;
  rssTimeline: Array<{ s: number; rssMB: number }>;
  profile?: ProfileSummary;
}

async function runScenario(
  format: Format,
  sizeMiB: number,
  opts: Options,
  producers: Producer[],
): Promise<ScenarioReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
  const profileDir = join(dataDir, 'profile');
  // The throttling cap must hold a full batch plus what arrives while the previous one is compressed.
  const maxBufferedBytesPerStream = Math.max(64 * MiB, 2 * sizeMiB * MiB);
  const intervalSeconds = 60;
  try {
    const configPath = join(dataDir, 'sluice.json');
    await writeFile(
      configPath,
      JSON.stringify({
        streamActivationDelayMs: 0,
        maxBufferedBytesPerStream,
        deliveryStreams: [
          {
            DeliveryStreamName: STREAM,
            DeliveryStreamType: 'DirectPut',
            ExtendedS3DestinationConfiguration: {
              RoleARN: 'arn:aws:iam::000000000000:role/sluice-bench',
              BucketARN: `arn:aws:s3:::${BUCKET}`,
              Prefix: 'data/',
              ErrorOutputPrefix: 'errors/',
              BufferingHints: { SizeInMBs: sizeMiB, IntervalInSeconds: intervalSeconds },
              CompressionFormat: format,
            },
          },
        ],
      }),
    );
    const nodeArgs = [
      ...(opts.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ];
    const server = await startServer(opts.serverEntry, join(dataDir, 'data'), configPath, nodeArgs);
    const rss = new RssSampler(server.pid);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const idleRss = rss.sample()?.rssBytes ?? 0;
      log(`  ${format} ${sizeMiB} MiB: server pid ${server.pid}, idle RSS ${round(idleRss / MB, 1)} MB`);
      const max = await runPhase('max', opts, server, rss, producers, 0);
      log(`    max:  ${describePhase(max)}`);
      const half = await runPhase('half', opts, server, rss, producers, max.recordsPerSec / 2);
      log(`    half: ${describePhase(half)}`);
      const flushMs = await cliFlush(server.endpoint);
      rss.sample();
      await server.stop();
      rss.stop();
      const delivered = await countDelivered(join(dataDir, 'data'));
      const acknowledged = max.ackedRecords + half.ackedRecords;
      const nothingLost = delivered.records === acknowledged && delivered.malformed === 0;
      log(
        `    delivered ${delivered.records} records in ${delivered.objects} objects, acknowledged ${acknowledged}` +
          ` → ${nothingLost ? 'nothing lost' : 'MISMATCH'}; flush took ${Math.round(flushMs)} ms`,
      );
      let profile: ProfileSummary | undefined;
      if (opts.profile) {
        const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
        if (file) profile = summariseProfile(join(profileDir, file), REPO_ROOT);
      }
      return {
        format,
        bufferSizeMiB: sizeMiB,
        bufferIntervalSeconds: intervalSeconds,
        maxBufferedBytesPerStream,
        idleRssMB: round(idleRss / MB, 1),
        phases: [max, half],
        serverPeakRssMB: round(rss.peakRss / MB, 1),
        serverHwmMB: round(rss.hwm / MB, 1),
        rssLimitMB: round((maxBufferedBytesPerStream + TARGETS.rssHeadroomBytes) / MB, 1),
        flushMs: Math.round(flushMs),
        delivered: {
          ...delivered,
          compressionRatio: round((delivered.records * RECORD_BYTES) / Math.max(1, delivered.storedBytes), 2),
        },
        acknowledged,
        nothingLost,
        rssTimeline: rss.timeline,
        ...(profile ? { profile } : {}),
      };
    } finally {
      rss.stop();
      await server.stop();
      if (server.child.exitCode !== 0 && server.child.exitCode !== null) log(server.stderr());
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

interface Verdict {
  target: string;
  measured: string;
  met: boolean;
}

/**
 * The max phase runs at saturation, where backpressure ("Slow down." entries) is expected. Acknowledged MB/s
 * then includes filling the buffer up to maxBufferedBytesPerStream, a one-off; what the pipeline sustains is
 * what it delivers. So the ingest targets are judged on min(acknowledged, delivered), with one buffer (size
 * hint) of slack on delivered, which is counted in whole objects.
 */
function sustainedMBps(phase: PhaseReport, bufferSizeMiB: number): number {
  const slackMBps = (bufferSizeMiB * 1024 * 1024) / MB / phase.windowSeconds;
  return round(Math.min(phase.payloadMBps, phase.deliveredMBps + slackMBps), 1);
}

function verdicts(baselines: Baselines, scenarios: ScenarioReport[]): Verdict[] {
  const out: Verdict[] = [];
  for (const s of scenarios) {
    const [max, half] = s.phases as [PhaseReport, PhaseReport];
    const tag = `${s.format} ${s.bufferSizeMiB} MiB`;
    const sustained = sustainedMBps(max, s.bufferSizeMiB);
    if (s.format === 'GZIP') {
      const need = TARGETS.gzipRatioToOneCore * baselines.gzipMBps;
      out.push({
        target: `${tag}: sustained ingest ≥ ${TARGETS.gzipRatioToOneCore}× one core's gzip (${round(need, 1)} MB/s)`,
        measured: `${sustained} MB/s = ${round(sustained / baselines.gzipMBps, 2)}×`,
        met: sustained >= need,
      });
    } else {
      out.push({
        target: `${tag}: sustained ingest ≥ ${TARGETS.uncompressedMBps} MB/s`,
        measured: `${sustained} MB/s = ${round((2 * sustained) / baselines.diskWriteMBps, 2)}× of the disk (2 writes per byte)`,
        met: sustained >= TARGETS.uncompressedMBps,
      });
    }
    out.push({
      target: `${tag}: p99 ≤ ${TARGETS.p99AtHalfRateMs} ms at half the max rate`,
      measured: `p99 ${half.latencyMs.p99} ms at ${half.payloadMBps} MB/s`,
      met: half.latencyMs.p99 <= TARGETS.p99AtHalfRateMs,
    });
    out.push({
      target: `${tag}: peak RSS ≤ maxBufferedBytesPerStream + 200 MB (${s.rssLimitMB} MB)`,
      measured: `${s.serverHwmMB} MB (VmHWM)`,
      met: s.serverHwmMB <= s.rssLimitMB,
    });
    out.push({
      target: `${tag}: delivered records = acknowledged records`,
      measured: `${s.delivered.records} / ${s.acknowledged}`,
      met: s.nothingLost,
    });
  }
  return out;
}

function markdown(report: Report): string {
  const b = report.baselines;
  const lines = [
    '# Ingest benchmark results',
    '',
    `Run ${report.timestamp} — \`${report.command}\``,
    '',
    `Machine: ${report.machine.cpuModel}, nproc ${report.machine.nproc}, ${report.machine.memoryGB} GB RAM, ` +
      `Node ${report.machine.node}, ${report.machine.platform}.`,
    `Load: ${report.options.producers} producer processes × ${report.options.concurrency} keep-alive connections, ` +
      `PutRecordBatch of ${RECORDS_PER_BATCH} × ${RECORD_BYTES} B records (pool of ${report.options.poolSize} ` +
      `distinct bodies per producer), phases of ${report.options.seconds} s with the first ` +
      `${report.options.warmupSeconds} s excluded. Server and producers share the same ${report.machine.nproc} cores.`,
    '',
    '## This machine’s single-core limits (same run, same data)',
    '',
    '| limit | MB/s |',
    '|---|---|',
    `| (a) gzip level 6, 1 thread, 5 MiB objects (ratio ${round(b.gzipRatio, 2)}) | ${round(b.gzipMBps, 1)} |`,
    `| (b) JSON.parse + base64 decode of PutRecordBatch bodies (decoded payload) | ${round(b.parseDecodeMBps, 1)} |`,
    `| (b′) Sluice's PutRecordBatch reader (scanPutRecordBatch: validation + decode from the body's bytes) | ${round(b.sluiceParseMBps, 1)} |`,
    `| (c) disk: sequential write + fdatasync, 8 MiB writes (ingest writes each byte twice: ceiling ≈ c/2) | ${round(b.diskWriteMBps, 1)} |`,
    '',
    '## Results',
    '',
    '| stream | buffer | phase | MB/s | ×(a) | ×(b) | records/s | p50 ms | p99 ms | max ms | failed recs | ' +
      'delivered MB/s | server cores | producer cores | peak RSS MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of report.scenarios) {
    for (const p of s.phases) {
      lines.push(
        `| ${s.format} | ${s.bufferSizeMiB} MiB / ${s.bufferIntervalSeconds} s | ${p.name}` +
          `${p.targetRecordsPerSec ? ` (${p.targetRecordsPerSec}/s)` : ''} | ${p.payloadMBps} | ` +
          `${round(p.payloadMBps / b.gzipMBps, 2)} | ${round(p.payloadMBps / b.parseDecodeMBps, 2)} | ` +
          `${p.recordsPerSec} | ${p.latencyMs.p50} | ${p.latencyMs.p99} | ${p.latencyMs.max} | ${p.failedRecords} | ` +
          `${p.deliveredMBps} | ${p.serverCores} | ${p.producersCores} | ${p.serverPeakRssMB} |`,
      );
    }
  }
  lines.push(
    '',
    '| stream | buffer | maxBufferedBytesPerStream | idle RSS MB | VmHWM MB | limit MB | acknowledged | delivered | objects | ' +
      'stored ratio | flush ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const s of report.scenarios) {
    lines.push(
      `| ${s.format} | ${s.bufferSizeMiB} MiB | ${s.maxBufferedBytesPerStream / MiB} MiB | ${s.idleRssMB} | ` +
        `${s.serverHwmMB} | ${s.rssLimitMB} | ${s.acknowledged} | ${s.delivered.records} | ${s.delivered.objects} | ` +
        `${s.delivered.compressionRatio} | ${s.flushMs} |`,
    );
  }
  lines.push(
    '',
    '## Server CPU by thread (seconds, max phase; "node" = libuv pool (fs, zlib), V8 and tsx helper threads)',
    '',
  );
  for (const s of report.scenarios) {
    const threads = Object.entries(s.phases[0]!.serverThreadsCpuSeconds)
      .filter(([, v]) => v > 0.05)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(`- ${s.format} ${s.bufferSizeMiB} MiB: ${threads}`);
  }
  lines.push('', '## Targets', '', '| target | measured | met |', '|---|---|---|');
  for (const v of report.verdicts)
    lines.push(`| ${v.target} | ${v.measured} | ${v.met ? 'yes' : '**no**'} |`);
  const errors = report.scenarios.flatMap((s) => s.phases.flatMap((p) => p.errorSamples));
  if (errors.length > 0) lines.push('', 'Error samples:', '', ...errors.slice(0, 5).map((e) => `- \`${e}\``));
  for (const s of report.scenarios) {
    if (!s.profile) continue;
    lines.push(
      '',
      `## Server CPU profile: ${s.format} ${s.bufferSizeMiB} MiB (main thread, ${round(s.profile.sampledMs / 1000, 1)} s sampled, ` +
        `idle ${s.profile.idlePct}%)`,
      '',
      '| function | self % | total % |',
      '|---|---|---|',
      ...s.profile.byTotal.slice(0, 20).map((r) => `| \`${r.fn}\` | ${r.selfPct} | ${r.totalPct} |`),
      '',
      '| by self time | self % |',
      '|---|---|',
      ...s.profile.bySelf.slice(0, 20).map((r) => `| \`${r.fn}\` | ${r.selfPct} |`),
    );
  }
  return `${lines.join('\n')}\n`;
}

interface Report {
  timestamp: string;
  command: string;
  machine: { node: string; cpuModel: string; nproc: number; memoryGB: number; platform: string };
  options: Options;
  baselines: Baselines;
  scenarios: ScenarioReport[];
  verdicts: Verdict[];
}

// ---------------------------------------------------------------- main

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function describePhase(p: PhaseReport): string {
  return (
    `${p.payloadMBps} MB/s, ${p.recordsPerSec} rec/s, p50 ${p.latencyMs.p50} ms, p99 ${p.latencyMs.p99} ms, ` +
    `throttled ${p.failedRecords} rec, failed ${p.failedRequests} req, delivered ${p.deliveredMBps} MB/s, server ${p.serverCores} cores, producers ${p.producersCores} cores, ` +
    `peak RSS ${p.serverPeakRssMB} MB`
  );
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const opts = options();
  const machine = {
    node: process.version,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    nproc: cpus().length,
    memoryGB: round(totalmem() / 1024 ** 3, 1),
    platform: `${process.platform} ${process.arch}`,
  };
  log(`machine: ${machine.cpuModel}, nproc ${machine.nproc}, node ${machine.node}`);
  log('measuring single-core baselines…');
  const baselines = measureBaselines();
  log(
    `  gzip-6 ${round(baselines.gzipMBps, 1)} MB/s (ratio ${round(baselines.gzipRatio, 2)}), ` +
      `JSON+base64 ${round(baselines.parseDecodeMBps, 1)} MB/s, scanPutRecordBatch ${round(baselines.sluiceParseMBps, 1)} MB/s, ` +
      `disk write+fdatasync ${round(baselines.diskWriteMBps, 1)} MB/s`,
  );
  const producers = await startProducers(opts.producers, opts.poolSize);
  const scenarios: ScenarioReport[] = [];
  try {
    for (const sizeMiB of opts.sizesMiB) {
      for (const format of opts.formats) scenarios.push(await runScenario(format, sizeMiB, opts, producers));
    }
  } finally {
    await stopProducers(producers);
  }
  const report: Report = {
    timestamp: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
    machine,
    options: opts,
    baselines,
    scenarios,
    verdicts: verdicts(baselines, scenarios),
  };
  log('');
  for (const v of report.verdicts) log(`${v.met ? 'MET    ' : 'NOT MET'} ${v.target}: ${v.measured}`);
  if (opts.write) {
    const dir = join(REPO_ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const base = opts.profile ? 'ingest-profile' : 'ingest';
    writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(dir, `${base}.md`), markdown(report));
    log(`wrote bench/results/${base}.json and bench/results/${base}.md`);
  }
  if (scenarios.some((s) => !s.nothingLost)) process.exitCode = 1;
}

await main();
