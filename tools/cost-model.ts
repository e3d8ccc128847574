import { planBuffering } from '../lib/aws/buffering-plan.ts';

/**
 * Monthly cost of a workload on Sluice's AWS runtime, next to Amazon Data Firehose's price for the same
 * workload. Run: `npx tsx tools/cost-model.ts --gb 1000 --record-bytes 1024 [--partitions 1] [--conversion]
 * [--interval 300] [--size-mib 5] [--kinesis on-demand|provisioned] [--peak-factor 2] [--streams 1]`.
 *
 * ASSUMPTIONS — public list prices, us-east-1, as known on 2026-11-22 (check the pricing pages before relying
 * on the numbers; free tiers are ignored):
 */
export const PRICES = {
  firehose: {
    /** Direct PUT ingestion, first 500 TB/month; each record is billed rounded up to 5 KB. */
    ingestPerGb: 0.029,
    billingIncrementBytes: 5 * 1024,
    /** Format conversion (JSON → Parquet/ORC), per GB converted. */
    conversionPerGb: 0.018,
  },
  apiGatewayHttp: { perMillionRequests: 1.0, meteringIncrementBytes: 512 * 1024 },
  lambdaArm: { perGbSecond: 0.0000133334, perMillionRequests: 0.2 },
  kinesisOnDemand: { perStreamHour: 0.04, ingestPerGb: 0.08, retrievalPerGb: 0.04 },
  kinesisProvisioned: { perShardHour: 0.015, perMillionPutUnits: 0.014, putUnitBytes: 25 * 1024 },
  s3: { perThousandPuts: 0.005, perThousandGets: 0.0004, storagePerGbMonth: 0.023 },
  dynamodbOnDemand: { perMillionWrites: 0.625, perMillionReads: 0.125 },
  sqs: { perMillionRequests: 0.4 },
  cloudwatch: { perCustomMetricMonth: 0.3, logsIngestPerGb: 0.5 },
} as const;

/** Throughput and duration assumptions for the Lambdas (measured on one core in ENVIRONMENT.md, rounded down). */
const HANDLER = {
  /** Ingest: fixed cost per request plus JSON/base64 decode at ~200 MB/s including the Kinesis call. */
  ingestFixedSeconds: 0.02,
  ingestMbPerSecond: 200,
  ingestMemoryGb: 0.5,
  /** Buffer/flush: decode, compress (gzip ~50 MB/s), put; 1,769 MB is one full vCPU. */
  deliveryMbPerSecond: 40,
  conversionMbPerSecond: 16,
  deliveryMemoryGb: 1.769,
  invocationFixedSeconds: 0.1,
  sweeperSeconds: 0.2,
  sweeperMemoryGb: 0.25,
  /** Custom metrics per stream from EMF (Firehose names × one dimension). */
  metricsPerStream: 15,
  emfBytesPerInvocation: 600,
} as const;

const HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export interface Workload {
  gbPerMonth: number;
  recordBytes: number;
  partitions: number;
  conversion: boolean;
  intervalSeconds: number;
  sizeMiB: number;
  kinesis: 'on-demand' | 'provisioned';
  /** Peak over average ingest rate, for provisioned shard counts. */
  peakFactor: number;
  streams: number;
}

export type CostLines = Record<string, number>;

export function firehoseCost(w: Workload): CostLines {
  const records = (w.gbPerMonth * GIB) / w.recordBytes;
  const billedBytes =
    records *
    Math.ceil(w.recordBytes / PRICES.firehose.billingIncrementBytes) *
    PRICES.firehose.billingIncrementBytes;
  return {
    'Firehose ingestion (5 KB rounding)': (billedBytes / GIB) * PRICES.firehose.ingestPerGb,
    'Firehose format conversion': w.conversion ? w.gbPerMonth * PRICES.firehose.conversionPerGb : 0,
    'S3 PUTs of delivered objects': (deliveredObjects(w) / 1000) * PRICES.s3.perThousandPuts,
  };
}

export function sluiceCost(w: Workload): CostLines {
  const bytes = w.gbPerMonth * GIB;
  const records = bytes / w.recordBytes;
  const recordsPerPut = Math.max(1, Math.min(500, Math.floor((4 * MIB) / w.recordBytes)));
  const requests = records / recordsPerPut;
  const requestBytes = (recordsPerPut * w.recordBytes * 4) / 3; // base64 in JSON
  const staged =
    planBuffering({ sizeBytes: w.sizeMiB * MIB, intervalSeconds: w.intervalSeconds }).mode === 'staged';
  const mb = bytes / 1e6;

  const lambdaCost = (gbSeconds: number, invocations: number) =>
    gbSeconds * PRICES.lambdaArm.perGbSecond + (invocations / 1e6) * PRICES.lambdaArm.perMillionRequests;

  const ingestSeconds = requests * HANDLER.ingestFixedSeconds + mb / HANDLER.ingestMbPerSecond;
  // Direct mode: one buffer invocation per batching window per shard; staged: windows of a tenth of the interval.
  const shards = shardCount(w);
  const window = staged ? Math.max(1, Math.round(w.intervalSeconds / 10)) : Math.max(1, w.intervalSeconds);
  const bufferInvocations = Math.max(shards * (SECONDS_PER_MONTH / window), bytes / (4.5 * MIB)) * w.streams;
  const chunks = staged ? bufferInvocations * w.partitions : 0;
  const objects = deliveredObjects(w);
  const deliverySeconds =
    bufferInvocations * HANDLER.invocationFixedSeconds +
    (staged ? objects * HANDLER.invocationFixedSeconds : 0) +
    mb / (w.conversion ? HANDLER.conversionMbPerSecond : HANDLER.deliveryMbPerSecond) +
    (staged ? mb / 200 : 0); // staging write and read back
  const sweeps = (SECONDS_PER_MONTH / 60) * w.streams;

  const kinesis =
    w.kinesis === 'on-demand'
      ? w.streams * HOURS_PER_MONTH * PRICES.kinesisOnDemand.perStreamHour +
        w.gbPerMonth * (PRICES.kinesisOnDemand.ingestPerGb + PRICES.kinesisOnDemand.retrievalPerGb)
      : shards * w.streams * HOURS_PER_MONTH * PRICES.kinesisProvisioned.perShardHour +
        (bytes / PRICES.kinesisProvisioned.putUnitBytes / 1e6) * PRICES.kinesisProvisioned.perMillionPutUnits;

  const invocations = requests + bufferInvocations + (staged ? objects : 0) + sweeps;
  return {
    'API Gateway HTTP API':
      (requests *
        Math.ceil(requestBytes / PRICES.apiGatewayHttp.meteringIncrementBytes) *
        PRICES.apiGatewayHttp.perMillionRequests) /
      1e6,
    'Lambda ingest': lambdaCost(ingestSeconds * HANDLER.ingestMemoryGb, requests),
    [`Kinesis (${w.kinesis}${w.kinesis === 'provisioned' ? `, ${shards} shard(s)` : ''})`]: kinesis,
    'Lambda buffer + flush': lambdaCost(
      deliverySeconds * HANDLER.deliveryMemoryGb,
      bufferInvocations + (staged ? objects : 0),
    ),
    'Lambda sweeper': lambdaCost(sweeps * HANDLER.sweeperSeconds * HANDLER.sweeperMemoryGb, sweeps),
    'S3 staging (PUT + GET of chunks)': staged
      ? (chunks / 1000) * (PRICES.s3.perThousandPuts + PRICES.s3.perThousandGets)
      : 0,
    // Per chunk: put + counter update + claim update + delete; per flush: 4 writes; sweeper: ~3 reads a minute.
    'DynamoDB buffer ledger': staged
      ? ((chunks * 4 + objects * 4) / 1e6) * PRICES.dynamodbOnDemand.perMillionWrites +
        ((sweeps * 3 + chunks * 2) / 1e6) * PRICES.dynamodbOnDemand.perMillionReads
      : 0,
    'SQS flush queue': staged ? ((objects * 3) / 1e6) * PRICES.sqs.perMillionRequests : 0,
    'CloudWatch (EMF metrics and logs)':
      w.streams * HANDLER.metricsPerStream * PRICES.cloudwatch.perCustomMetricMonth +
      ((invocations * HANDLER.emfBytesPerInvocation) / GIB) * PRICES.cloudwatch.logsIngestPerGb,
    'S3 PUTs of delivered objects': (objects / 1000) * PRICES.s3.perThousandPuts,
  };
}

/** Objects delivered: one per size hint of data, or per interval and partition when the stream is slow. */
function deliveredObjects(w: Workload): number {
  const bySize = (w.gbPerMonth * 1024) / w.sizeMiB;
  const byInterval =
    w.intervalSeconds > 0 ? (SECONDS_PER_MONTH / w.intervalSeconds) * w.partitions * w.streams : 0;
  return Math.max(bySize, byInterval);
}

function shardCount(w: Workload): number {
  const averageMiBps = (w.gbPerMonth * 1024) / SECONDS_PER_MONTH / w.streams;
  // A shard takes 1 MiB/s (and 1,000 records/s; aggregation keeps the record rate far below that).
  return Math.max(1, Math.ceil(averageMiBps * w.peakFactor));
}

function parseArgs(argv: string[]): Workload {
  const value = (name: string, fallback: string) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1]! : fallback;
  };
  const workload: Workload = {
    gbPerMonth: Number(value('gb', '1000')),
    recordBytes: Number(value('record-bytes', '1024')),
    partitions: Number(value('partitions', '1')),
    conversion: argv.includes('--conversion'),
    intervalSeconds: Number(value('interval', '300')),
    sizeMiB: Number(value('size-mib', '5')),
    kinesis: value('kinesis', 'on-demand') === 'provisioned' ? 'provisioned' : 'on-demand',
    peakFactor: Number(value('peak-factor', '2')),
    streams: Number(value('streams', '1')),
  };
  for (const [key, number] of Object.entries(workload)) {
    if (typeof number === 'number' && !(number >= 0)) throw new Error(`--${key} must be a number >= 0`);
  }
  return workload;
}

function table(title: string, lines: CostLines): string {
  const total = Object.values(lines).reduce((sum, cost) => sum + cost, 0);
  const rows = Object.entries(lines).map(
    ([name, cost]) => `  ${name.padEnd(44)} ${cost.toFixed(2).padStart(12)}`,
  );
  return [`${title}`, ...rows, `  ${'total (USD/month)'.padEnd(44)} ${total.toFixed(2).padStart(12)}`].join(
    '\n',
  );
}

export function total(lines: CostLines): number {
  return Object.values(lines).reduce((sum, cost) => sum + cost, 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const workload = parseArgs(process.argv.slice(2));
  const sluice = sluiceCost(workload);
  const firehose = firehoseCost(workload);
  process.stdout.write(
    [
      `Workload: ${JSON.stringify(workload)}`,
      '',
      table('Sluice on AWS', sluice),
      '',
      table('Amazon Data Firehose', firehose),
      '',
      `Sluice / Firehose: ${(total(sluice) / total(firehose)).toFixed(2)}`,
      'Prices are list prices for us-east-1 as assumed in tools/cost-model.ts; durations are estimates.',
      '',
    ].join('\n'),
  );
}
