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
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { checkRecords } from './data.ts';
import {
  ackedRecords,
  BUCKET,
  benchArgs,
  benchStream,
  listFiles,
  medianRecordsPerSec,
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

const STREAMS = { one: 1, wide: 500 } as const;
type StreamName = keyof typeof STREAMS;
const NAMES = Object.keys(STREAMS) as StreamName[];
/** The target: 500 partitions at most 2× slower than 1. */
const TARGET_RATIO = 0.5;

function options() {
  return readRoundsArgs(parseArgs({ args: benchArgs(), options: roundsArgOptions(12) }).values);
}
type Options = ReturnType<typeof options>;

function streamConfig(name: StreamName) {
  return benchStream(name, {
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
  });
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
  const root = join(dataDir, 's3', BUCKET);
  out.errorObjects = listFiles(join(root, 'errors', stream)).length;
  const partitions = new Set<string>();
  for (const path of listFiles(join(root, stream))) {
    out.objects++;
    const key = relative(join(root, stream), path).split('/')[0]!;
    partitions.add(key);
    const checked = checkRecords(readFileSync(path), (record) => {
      const i = Number(/"i":(\d+)/.exec(record.toString('latin1'))?.[1]);
      if (key !== `k=${i % STREAMS[stream]}`) out.misplaced++;
    });
    out.records += checked.records;
    out.malformed += checked.malformed;
  }
  out.partitions = partitions.size;
  return out;
}

function markdown(report: {
  at: string;
  opts: Options;
  rounds: Round<StreamName>[];
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
    ...roundsTable(report.rounds),
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
  await withTempDir('sluice-partitions-bench-', async (dir) => {
    const dataDir = join(dir, 'data');
    const configPath = join(dir, 'sluice.json');
    await writeFile(
      configPath,
      JSON.stringify({ streamActivationDelayMs: 0, deliveryStreams: NAMES.map(streamConfig) }),
    );
    const server = await startSluice({ dataDir, configPath });
    let rounds: Round<StreamName>[];
    try {
      rounds = await runStreamRounds(server, NAMES, { ...opts, seedBase: 2000, flushTimeoutSeconds: 600 });
    } finally {
      await server.stop();
    }
    const medians = medianRecordsPerSec(rounds, NAMES);
    const ratio = round(medians.wide / medians.one, 2);
    const delivered = Object.fromEntries(
      NAMES.map((s) => [s, { acked: ackedRecords(rounds, s), ...countDelivered(dataDir, s) }]),
    ) as Record<StreamName, Delivered>;
    const report = { at: new Date().toISOString(), opts, rounds, medians, ratio, delivered };
    console.log(`wide / one = ${ratio}; delivered ${JSON.stringify(delivered)}`);
    if (opts.write) writeResults('partitions', report, markdown(report));
  });
}

await main();
