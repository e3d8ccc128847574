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
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkRecords } from './data.ts';
import {
  ackedRecords,
  BUCKET,
  benchArgs,
  benchStream,
  listFiles,
  median,
  medianRecordsPerSec,
  REPO_ROOT,
  type Round,
  readRoundsArgs,
  round,
  roundsArgOptions,
  roundsTable,
  runStreamRounds,
  startSluice,
  withTempDir,
  writeResults,
} from './harness.ts';
import { summariseProfile } from './profile-summary.ts';

const STREAMS = ['plain', 'noop'] as const;
type StreamName = (typeof STREAMS)[number];
/** The target: the no-op transform costs at most 30% of throughput. */
const TARGET_RATIO = 0.7;

const NOOP_HANDLER = `export const handler = async (event) => ({
  records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })),
});
`;

function options() {
  const { values } = parseArgs({
    args: benchArgs(),
    options: {
      ...roundsArgOptions(15),
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  return {
    ...readRoundsArgs(values),
    /** Writes a CPU profile of the server's main thread and prints where its time went. */
    profile: values.profile,
    /** Diagnostics: run one stream only. */
    streams: values.only ? [values.only as StreamName] : [...STREAMS],
  };
}
type Options = ReturnType<typeof options>;

function streamConfig(name: StreamName) {
  return benchStream(name, {
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
  });
}

/** Records under `<bucket>/<stream>/`, each whole and unchanged (1 KiB starting with the bench's magic). */
function countDelivered(
  dataDir: string,
  stream: StreamName,
): { records: number; malformed: number; errors: number } {
  const root = join(dataDir, 's3', BUCKET);
  const out = { records: 0, malformed: 0, errors: listFiles(join(root, 'errors', stream)).length };
  for (const path of listFiles(join(root, stream))) {
    const checked = checkRecords(readFileSync(path));
    out.records += checked.records;
    out.malformed += checked.malformed;
  }
  return out;
}

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
  rounds: Round<StreamName>[];
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
    ...roundsTable(report.rounds),
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
  const loadAtStart = round(loadavg()[0]!, 2);
  await withTempDir('sluice-transform-bench-', async (dir) => {
    const dataDir = join(dir, 'data');
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
    const server = await startSluice({
      dataDir,
      configPath,
      nodeArgs: opts.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    });
    let rounds: Round<StreamName>[];
    try {
      rounds = await runStreamRounds(server, opts.streams, { ...opts, seedBase: 1000 });
    } finally {
      await server.stop();
    }
    if (opts.profile) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) console.log(JSON.stringify(summariseProfile(join(profileDir, file), REPO_ROOT, 20), null, 1));
    }
    const medians = medianRecordsPerSec(rounds, STREAMS);
    const roundRatios = Array.from({ length: opts.rounds }, (_, i) => {
      const of = (stream: StreamName) =>
        rounds.find((r) => r.round === i + 1 && r.stream === stream)?.recordsPerSec ?? Number.NaN;
      return round(of('noop') / of('plain'), 2);
    });
    const ratio = round(median(roundRatios), 2);
    const ratioOfMedians = round(medians.noop / medians.plain, 2);
    const delivered = Object.fromEntries(
      STREAMS.map((s) => [s, { acked: ackedRecords(rounds, s), ...countDelivered(dataDir, s) }]),
    ) as Record<StreamName, { acked: number; records: number; malformed: number; errors: number }>;
    const loadAverages = [loadAtStart, round(loadavg()[0]!, 2)];
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
    if (opts.write) writeResults('transform', report, markdown(report));
  });
}

await main();
