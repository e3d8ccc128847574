/**
 * What the benchmarks that load `sluice start` share: the server as its own process (the real CLI), `sluice flush`
 * as a user would run it, producer processes (bench/producer.ts) driven over IPC, timed load-and-flush rounds of
 * streams compared within one run, and the few statistics their reports use. Each benchmark keeps what it
 * measures and how it reports it.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD_BYTES } from './data.ts';
import { readCpuSeconds } from './proc.ts';
import type { PhaseCommand, PhaseResult } from './producer.ts';

export const REPO_ROOT = join(import.meta.dirname, '..');
export const CLI = join(REPO_ROOT, 'bin', 'sluice.cjs');
/** The bucket every benchmark stream delivers to (the embedded object store keeps it under `<data-dir>/s3/`). */
export const BUCKET = 'sluice-bench';
export const MB = 1e6;

/**
 * The command-line arguments after the script. `npx tsx bench/x.ts -- --seconds 12` passes the `--` on, and
 * parseArgs would read every option after it as a positional.
 */
export function benchArgs(): string[] {
  return process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
}

/**
 * parseArgs options of a benchmark in rounds (see runStreamRounds); `--seconds` (per round) has each benchmark's
 * default.
 */
export function roundsArgOptions(defaultSeconds: number) {
  return {
    seconds: { type: 'string', default: String(defaultSeconds) },
    rounds: { type: 'string', default: '3' },
    producers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '4' },
    'no-write': { type: 'boolean', default: false },
  } as const;
}

export interface RoundsArgs {
  seconds: number;
  rounds: number;
  producers: number;
  concurrency: number;
  /** Write bench/results/; `--no-write` for a trial run. */
  write: boolean;
}

/** What parseArgs read for `roundsArgOptions`, as numbers. */
export function readRoundsArgs(values: {
  seconds?: string;
  rounds?: string;
  producers?: string;
  concurrency?: string;
  'no-write'?: boolean;
}): RoundsArgs {
  return {
    seconds: Number(values.seconds),
    rounds: Number(values.rounds),
    producers: Number(values.producers),
    concurrency: Number(values.concurrency),
    write: !values['no-write'],
  };
}

/** A DirectPut stream into the bench bucket; `destination` is the rest of its ExtendedS3DestinationConfiguration. */
export function benchStream(name: string, destination: Record<string, unknown>) {
  return {
    DeliveryStreamName: name,
    DeliveryStreamType: 'DirectPut',
    ExtendedS3DestinationConfiguration: {
      RoleARN: 'arn:aws:iam::000000000000:role/sluice-bench',
      BucketARN: `arn:aws:s3:::${BUCKET}`,
      ...destination,
    },
  };
}

// ---------------------------------------------------------------- the server

export interface ServerOptions {
  dataDir: string;
  configPath: string;
  /** Node options placed before the entry point, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Diagnostics: another entry point than bin/sluice.cjs; a `.ts` file runs through tsx. */
  entry?: string;
  /** Keep the server's stderr (its first 64 KiB) for `stderr()` instead of passing it through. */
  captureStderr?: boolean;
  /** Append everything the server writes to stdout to this file. */
  copyStdoutTo?: string;
}

export interface SluiceServer {
  endpoint: string;
  pid: number;
  child: ChildProcess;
  /** What the server wrote to stderr, when captured. */
  stderr(): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const STDERR_KEPT_CHARS = 64 * 1024;

/** `sluice start` on an ephemeral port of 127.0.0.1; resolves once it prints the address it listens on. */
export async function startSluice(options: ServerOptions): Promise<SluiceServer> {
  const entry = options.entry ?? CLI;
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []),
      entry,
      'start',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      options.dataDir,
      '--config',
      options.configPath,
      '--log-level',
      'warn',
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', options.captureStderr ? 'pipe' : 'inherit'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    if (stderr.length < STDERR_KEPT_CHARS) stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = new Promise<string>((resolve, reject) => {
    let stdout = '';
    let found = false;
    const timer = setTimeout(
      () => reject(new Error(`sluice did not start within ${START_TIMEOUT_MS / 1000} s: ${stderr}`)),
      START_TIMEOUT_MS,
    );
    // Read stdout for the server's whole life: a pipe nobody drains would stall it.
    child.stdout!.on('data', (chunk) => {
      if (options.copyStdoutTo) appendFileSync(options.copyStdoutTo, chunk);
      if (found) return;
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        found = true;
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice exited with ${code} before listening: ${stderr}`));
    });
  });
  let endpoint: string;
  try {
    endpoint = await listening;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint,
    pid: child.pid!,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface FlushOptions {
  /** Flush this stream only; all streams when absent. */
  stream?: string;
  /** `sluice flush --timeout`, seconds (the CLI's default is 30). */
  timeoutSeconds?: number;
}

/** `sluice flush` through the CLI, as a user would run it. Resolves with how long it took, ms. */
export async function cliFlush(endpoint: string, options: FlushOptions = {}): Promise<number> {
  const args = [CLI, 'flush', '--endpoint', endpoint];
  if (options.stream !== undefined) args.push('--stream', options.stream);
  if (options.timeoutSeconds !== undefined) args.push('--timeout', String(options.timeoutSeconds));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const started = performance.now();
  // A last resort well past the CLI's own timeout, so a hung flush cannot hang the benchmark.
  const killAfterMs = Math.max(300, (options.timeoutSeconds ?? 0) + 60) * 1000;
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) throw new Error(`sluice flush exited with ${code}`);
  return performance.now() - started;
}

// ---------------------------------------------------------------- producers

export interface Producer {
  child: ChildProcess;
  pid: number;
  /** The next message of this type from the producer; rejects on its `error` message or its exit. */
  next<T>(type: string): Promise<T>;
}

export interface ProducerOptions {
  count: number;
  streamName: string;
  /** Producer i seeds its records with seedBase + i: the same base gives the same records. */
  seedBase: number;
  /** Distinct PutRecordBatch bodies each producer builds before the load (bench/data.ts bodyPool). */
  poolSize: number;
}

const PRODUCER_REPLY_TIMEOUT_MS = 900_000;
const PRODUCER_EXIT_TIMEOUT_MS = 5000;

function forkProducer(index: number): Producer {
  const child = fork(join(import.meta.dirname, 'producer.ts'), [], {
    execArgv: ['--import', 'tsx'],
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`producer ${index}: no ${type} within ${PRODUCER_REPLY_TIMEOUT_MS / 60_000} min`));
      }, PRODUCER_REPLY_TIMEOUT_MS);
      const onMessage = (message: { type: string; error?: string }) => {
        if (message.type !== type && message.type !== 'error') return;
        settle();
        if (message.type === 'error') reject(new Error(`producer ${index}: ${message.error}`));
        else resolve(message as T);
      };
      const onExit = (code: number | null) => {
        settle();
        reject(new Error(`producer ${index} exited with ${code}`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  return { child, pid: child.pid!, next };
}

/** Forks the producers one after the other and waits until each has built its pool of bodies. */
export async function startProducers(options: ProducerOptions): Promise<Producer[]> {
  const producers: Producer[] = [];
  try {
    for (let i = 0; i < options.count; i++) {
      const producer = forkProducer(i);
      producers.push(producer);
      const ready = producer.next('ready');
      producer.child.send({
        type: 'init',
        producer: i,
        seed: options.seedBase + i,
        poolSize: options.poolSize,
        streamName: options.streamName,
      });
      await ready;
    }
  } catch (error) {
    await stopProducers(producers);
    throw error;
  }
  return producers;
}

/** Asks every producer to exit and waits until they have (killing one that takes longer than 5 s). */
export async function stopProducers(producers: Producer[]): Promise<void> {
  await Promise.all(
    producers.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), PRODUCER_EXIT_TIMEOUT_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          if (child.connected) child.send({ type: 'exit' });
          else child.kill('SIGTERM');
        }),
    ),
  );
}

/** One load phase: every producer runs the same command against the server; resolves with their results. */
export async function runLoad(
  producers: Producer[],
  endpoint: string,
  command: Omit<PhaseCommand, 'type' | 'endpoint'>,
): Promise<PhaseResult[]> {
  const pending = producers.map((p) => p.next<{ result: PhaseResult }>('result'));
  for (const p of producers) p.child.send({ type: 'run', endpoint, ...command } satisfies PhaseCommand);
  return (await Promise.all(pending)).map((m) => m.result);
}

// ---------------------------------------------------------------- rounds

/** One stream's round: load at full speed, then `sluice flush` of that stream. */
export interface Round<S extends string = string> {
  stream: S;
  round: number;
  ackedRecords: number;
  loadSeconds: number;
  flushSeconds: number;
  /** Acknowledged records over load + flush, so work deferred to the flush is counted. */
  recordsPerSec: number;
  MBps: number;
  serverCores: number;
}

export interface StreamRoundsOptions extends Omit<RoundsArgs, 'write'> {
  /** Producer i of every stream seeds its records with seedBase + i: the same records go through each stream. */
  seedBase: number;
  /** `sluice flush --timeout` after each round's load, seconds. */
  flushTimeoutSeconds?: number;
}

/** Distinct PutRecordBatch bodies per producer in a round. */
const ROUND_POOL_SIZE = 16;

async function runRound<S extends string>(
  server: SluiceServer,
  producers: Producer[],
  stream: S,
  roundNumber: number,
  options: StreamRoundsOptions,
): Promise<Round<S>> {
  const startAtMs = Date.now() + 300;
  const cpu0 = readCpuSeconds(server.pid);
  const results = await runLoad(producers, server.endpoint, {
    startAtMs,
    durationMs: options.seconds * 1000,
    warmupMs: 0,
    concurrency: options.concurrency,
    batchesPerSecond: 0,
  });
  const loadEnd = Date.now();
  await cliFlush(server.endpoint, { stream, timeoutSeconds: options.flushTimeoutSeconds });
  const end = Date.now();
  const acked = results.reduce((sum, r) => sum + r.ackedRecords, 0);
  const seconds = (end - startAtMs) / 1000;
  return {
    stream,
    round: roundNumber,
    ackedRecords: acked,
    loadSeconds: round((loadEnd - startAtMs) / 1000, 2),
    flushSeconds: round((end - loadEnd) / 1000, 2),
    recordsPerSec: Math.round(acked / seconds),
    MBps: round((acked * RECORD_BYTES) / MB / seconds, 2),
    serverCores: round((readCpuSeconds(server.pid) - cpu0) / seconds, 2),
  };
}

/**
 * Compares streams of one server: a set of producer processes per stream (each builds its bodies for that stream),
 * then `rounds` rounds of every stream, alternating which goes first so that a slow patch of background load does
 * not always hit the same one. Logs each round as it ends.
 */
export async function runStreamRounds<S extends string>(
  server: SluiceServer,
  streams: readonly S[],
  options: StreamRoundsOptions,
): Promise<Round<S>[]> {
  const producers = new Map<S, Producer[]>();
  try {
    for (const stream of streams) {
      producers.set(
        stream,
        await startProducers({
          count: options.producers,
          streamName: stream,
          seedBase: options.seedBase,
          poolSize: ROUND_POOL_SIZE,
        }),
      );
    }
    const out: Round<S>[] = [];
    for (let n = 1; n <= options.rounds; n++) {
      const order = n % 2 ? streams : [...streams].reverse();
      for (const stream of order) {
        const r = await runRound(server, producers.get(stream)!, stream, n, options);
        console.log(
          `round ${n} ${stream}: ${r.recordsPerSec} records/s (${r.MBps} MB/s), load ${r.loadSeconds} s + flush ${r.flushSeconds} s, server ${r.serverCores} cores`,
        );
        out.push(r);
      }
    }
    return out;
  } finally {
    await stopProducers([...producers.values()].flat());
  }
}

/** The rounds as a Markdown table, one row a round. */
export function roundsTable(rounds: readonly Round[]): string[] {
  return [
    '| round | stream | acknowledged | load s | flush s | records/s | MB/s | server cores |',
    '|---|---|---|---|---|---|---|---|',
    ...rounds.map(
      (r) =>
        `| ${r.round} | ${r.stream} | ${r.ackedRecords} | ${r.loadSeconds} | ${r.flushSeconds} | ${r.recordsPerSec} | ${r.MBps} | ${r.serverCores} |`,
    ),
  ];
}

/** Each stream's median records/s over its rounds, rounded to a whole record. */
export function medianRecordsPerSec<S extends string>(
  rounds: readonly Round<S>[],
  streams: readonly S[],
): Record<S, number> {
  return Object.fromEntries(
    streams.map((s) => [
      s,
      Math.round(median(rounds.filter((r) => r.stream === s).map((r) => r.recordsPerSec))),
    ]),
  ) as Record<S, number>;
}

/** Records a stream acknowledged over all its rounds. */
export function ackedRecords(rounds: readonly Round[], stream: string): number {
  return rounds.filter((r) => r.stream === stream).reduce((sum, r) => sum + r.ackedRecords, 0);
}

// ---------------------------------------------------------------- files and statistics

/** Runs `fn` with a fresh directory in the system's temporary directory, removed afterwards. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes `bench/results/<name>.json` (the report) and `bench/results/<name>.md` (its Markdown). */
export function writeResults(name: string, report: unknown, markdown: string): void {
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.md`), markdown);
}

/** Every file below `dir`, recursively; none when it does not exist. */
export function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile of an ascending array; 0 when it is empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
