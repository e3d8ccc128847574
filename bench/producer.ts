/**
 * A load producer, forked by bench/harness.ts for the ingest, partitions and transform benchmarks (a process of its
 * own, so its CPU time can be read from /proc apart from the server's). It builds a pool of PutRecordBatch bodies
 * once, then runs phases on command over keep-alive `node:http` connections to 127.0.0.1, and reports per-request
 * latencies and acknowledged record counts.
 */
import { Agent, request } from 'node:http';
import { bodyPool, RECORDS_PER_BATCH } from './data.ts';

export interface ProducerInit {
  type: 'init';
  producer: number;
  seed: number;
  poolSize: number;
  streamName: string;
}

export interface PhaseCommand {
  type: 'run';
  endpoint: string;
  /** Epoch ms at which every producer starts, so their windows line up. */
  startAtMs: number;
  durationMs: number;
  /** Requests completing before startAtMs + warmupMs are not part of the measured window. */
  warmupMs: number;
  concurrency: number;
  /** PutRecordBatch calls per second for this producer; 0 = as fast as the server answers. */
  batchesPerSecond: number;
}

export interface PhaseResult {
  producer: number;
  requests: number;
  /** Records the server acknowledged (HTTP 200, not in FailedPutCount), over the whole phase. */
  ackedRecords: number;
  /** Records refused inside a 200 response (FailedPutCount, e.g. "Slow down." throttling). */
  failedRecords: number;
  /** Requests answered with a non-200 status or a transport error. */
  failedRequests: number;
  errorSamples: string[];
  /** Within the measured window only. */
  window: { requests: number; ackedRecords: number; startMs: number; endMs: number };
  /** Latency from the moment the request was written, ms, measured-window requests only. */
  latenciesMs: number[];
  /** Latency from the scheduled send time (paced phases; corrects for coordinated omission), ms. */
  scheduledLatenciesMs: number[];
  /** Paced phases: requests that started more than 5 ms after their scheduled time. */
  lateStarts: number;
  /** Times a lane paused BACKOFF_MS after a throttled or failed request. */
  backoffs: number;
}

const FAILED_PUT_COUNT = /"FailedPutCount":(\d+)/;
/** A request that takes longer than this is counted as failed rather than hanging the phase. */
const REQUEST_TIMEOUT_MS = 60_000;
/** Pause of one connection after a request with throttled records (FailedPutCount > 0) or an error. */
export const BACKOFF_MS = 100;

let pool: Buffer[] = [];
let producerId = 0;

function post(agent: Agent, endpoint: URL, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: endpoint.hostname,
        port: endpoint.port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'Firehose_20150804.PutRecordBatch',
          'content-length': body.byteLength,
        },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runPhase(cmd: PhaseCommand): Promise<PhaseResult> {
  const endpoint = new URL(cmd.endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: cmd.concurrency });
  const windowStart = cmd.startAtMs + cmd.warmupMs;
  const endAt = cmd.startAtMs + cmd.durationMs;
  const result: PhaseResult = {
    producer: producerId,
    requests: 0,
    ackedRecords: 0,
    failedRecords: 0,
    failedRequests: 0,
    errorSamples: [],
    window: { requests: 0, ackedRecords: 0, startMs: windowStart, endMs: endAt },
    latenciesMs: [],
    scheduledLatenciesMs: [],
    lateStarts: 0,
    backoffs: 0,
  };
  const intervalMs = cmd.batchesPerSecond > 0 ? 1000 / cmd.batchesPerSecond : 0;
  let next = 0;
  // Offsets each producer's body sequence so concurrent producers do not send identical bodies in lockstep.
  let bodyIndex = producerId * 7;

  const lane = async () => {
    // Bounded by endAt: every iteration either waits for a response or for a future schedule slot.
    for (;;) {
      const k = next++;
      const scheduledAt = intervalMs > 0 ? cmd.startAtMs + k * intervalMs : Date.now();
      if (scheduledAt >= endAt) return;
      const wait = scheduledAt - Date.now();
      if (wait > 0) await sleep(wait);
      if (Date.now() >= endAt) return;
      const sentAt = performance.now();
      const sentEpoch = Date.now();
      if (intervalMs > 0 && sentEpoch - scheduledAt > 5) result.lateStarts++;
      const body = pool[bodyIndex++ % pool.length]!;
      result.requests++;
      let acked = 0;
      try {
        const { status, text } = await post(agent, endpoint, body);
        if (status === 200) {
          const failed = Number(FAILED_PUT_COUNT.exec(text)?.[1] ?? 0);
          result.failedRecords += failed;
          acked = RECORDS_PER_BATCH - failed;
          result.ackedRecords += acked;
        } else {
          result.failedRequests++;
          if (result.errorSamples.length < 5) result.errorSamples.push(`${status} ${text.slice(0, 200)}`);
        }
      } catch (error) {
        result.failedRequests++;
        if (result.errorSamples.length < 5) result.errorSamples.push(String(error));
      }
      const doneEpoch = Date.now();
      const throttled = acked < RECORDS_PER_BATCH;
      if (doneEpoch >= windowStart && doneEpoch <= endAt) {
        result.window.requests++;
        result.window.ackedRecords += acked;
        result.latenciesMs.push(performance.now() - sentAt);
        if (intervalMs > 0) result.scheduledLatenciesMs.push(doneEpoch - scheduledAt);
      }
      // A well-behaved client backs off when throttled instead of re-offering load at full speed: the max phase
      // then measures what the server sustains, not how fast it can refuse.
      if (throttled) {
        result.backoffs++;
        await sleep(BACKOFF_MS);
      }
    }
  };

  const wait = cmd.startAtMs - Date.now();
  if (wait > 0) await sleep(wait);
  await Promise.all(Array.from({ length: cmd.concurrency }, lane));
  agent.destroy();
  return result;
}

process.on('message', (message: ProducerInit | PhaseCommand | { type: 'exit' }) => {
  if (message.type === 'init') {
    producerId = message.producer;
    pool = bodyPool(message.streamName, message.seed, message.producer, message.poolSize);
    process.send!({ type: 'ready', producer: producerId, bodyBytes: pool[0]!.byteLength });
  } else if (message.type === 'run') {
    runPhase(message).then(
      (result) => process.send!({ type: 'result', result }),
      (error) => process.send!({ type: 'error', error: String(error) }),
    );
  } else {
    process.disconnect();
  }
});
