import { planBuffering } from '../lib/aws/buffering-plan.ts';

/**
 * Monthly cost of a workload on Sluice's AWS runtime, next to Amazon Data Firehose's price for the same
 * workload. Run: `npx tsx tools/cost-model.ts --gb 1000 --record-bytes 1024 [--partitions 1] [--conversion]
 * [--interval 300] [--size-mib 5] [--kinesis on-demand|provisioned] [--peak-factor 2] [--streams 1]`.
 *
 * PRICES — public list prices for us-east-1, first usage tier, free tiers ignored. Checked on 2026-12-06 against
 * the pages named beside each constant. AWS's own pricing pages fill their rate tables in the browser, so the
 * stored copies of them searched here carry the billing rules (units, rounding) but not the figures; the
 * figures come from the third-party pages cited, which quote AWS's us-east-1 rates. Where none of the figures
 * could be found, the comment says so. Check the AWS pages before relying on a number.
 */
export const PRICES = {
  firehose: {
    /**
     * Direct PUT ingestion, first 500 TB/month, per GB after rounding each record up to 5 KB (5,120 bytes).
     * Rounding rule: "Amazon Data Firehose pricing", https://aws.amazon.com/kinesis/data-firehose/pricing/
     * (stored German, Russian and Japanese copies: "auf die nächsten 5 KB (5 120 Bytes) aufgerundet").
     * $0.029: no page with an address giving the figure was found; it is the value the model had, and
     * public cost notes in several repositories quote the same us-east-1 rate.
     */
    ingestPerGb: 0.029,
    billingIncrementBytes: 5 * 1024,
    /**
     * Format conversion (JSON → Parquet/ORC), per GB of *ingested* data in the same 5 KB increments (same AWS
     * page: "pro GB basierend auf erfassten GBs in 5-KB-Schritten"). $0.018: no source found for the figure;
     * kept from the earlier model.
     */
    conversionPerGb: 0.018,
  },
  /**
   * HTTP API, first 300 million requests/month, metered in 512 KB increments: "AWS API Gateway Pricing
   * Explained" (awsforengineers, 2025-05-19), https://awsforengineers.com/blog/aws-api-gateway-pricing-explained,
   * and "AWS API Gateway Pricing: HTTP API vs REST API Cost Breakdown", https://www.apigatewaycost.com/aws;
   * the 512 KB metering is also in AWS's whitepaper "Best practices for API Gateway private APIs integration —
   * Cost optimization", https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html.
   */
  apiGatewayHttp: { perMillionRequests: 1.0, meteringIncrementBytes: 512 * 1024 },
  /**
   * Arm duration, first 7.5 billion GB-seconds/month: "AWS Lambda Pricing Breakdown: Ultimate Guide 2024"
   * (Cloudchipr), https://cloudchipr.com/blog/aws-lambda-pricing ("US East (N. Virginia) … ARM … First 7.5
   * Billion GB-seconds per month: $0.0000133334 per GB-second"). Requests, $0.20 per million on both
   * architectures: "Cost" (lambda_local_runner docs),
   * https://git.mcrn.ar/mariano/lambda_local_runner/src/commit/957e45b8adae23ce50b966346229585b5df18b4d/docs/lambdas-md/lambda-13-cost.md?display=rendered.
   * AWS page: "AWS Lambda Pricing", https://aws.amazon.com/lambda/pricing/.
   */
  lambdaArm: { perGbSecond: 0.0000133334, perMillionRequests: 0.2 },
  /**
   * On-demand (Standard) mode: per stream-hour, per GB written (each record rounded up to 1 KB, which
   * Sluice's aggregated Kinesis records make negligible) and per GB read by shared-throughput consumers.
   * Billing rules: "Amazon Kinesis Data Streams pricing", https://aws.amazon.com/kinesis/data-streams/pricing/.
   * $0.04 / $0.08 / $0.04: no page with an address giving the figures was found; they are the model's earlier
   * values and match public repository notes that quote the us-east-1 price list of September 2026.
   * On-demand Advantage (no stream-hour, lower per-GB rates, 25 MiB/s billed minimum) is not modelled.
   */
  kinesisOnDemand: { perStreamHour: 0.04, ingestPerGb: 0.08, retrievalPerGb: 0.04 },
  /**
   * Provisioned mode: per shard-hour and per million 25 KB PUT payload units. Unit definition: "Amazon Kinesis
   * pricing" (an earlier AWS page), http://aws.amazon.com/kinesis/pricing/ ("A PUT Payload Unit is counted in
   * 25KB payload chunks"). $0.015 per shard-hour: "Lesson 29: Understanding Kinesis Pricing",
   * https://kindatechnical.com/aws-kinesis/lesson-29-understanding-kinesis-pricing.html. $0.014 per million
   * units: "Save Money on Kinesis Streams usage" (EveryMundo/aws-kinesis-client),
   * https://github.com/EveryMundo/aws-kinesis-client/blob/master/docs/why-we-created-this-package.md, which
   * quotes it for US West (Oregon); no us-east-1 figure with an address was found.
   */
  kinesisProvisioned: { perShardHour: 0.015, perMillionPutUnits: 0.014, putUnitBytes: 25 * 1024 },
  /**
   * S3 Standard requests: "S3 request fees explained: when they matter more than storage" (c3x),
   * https://c3x.dev/blog/s3-request-fees-explained ("PUT, COPY, POST, LIST (Tier 1): $0.005 per 1,000 …
   * GET, HEAD, SELECT (Tier 2): $0.0004 per 1,000").
   */
  s3: { perThousandPuts: 0.005, perThousandGets: 0.0004 },
  /**
   * On-demand request units after the November 2024 price cut: "Amazon DynamoDB Pricing: On-Demand &
   * Provisioned Plans" (Airbyte, 2025-07-21), https://airbyte.com/data-engineering-resources/dynamodb-pricing
   * ("Current Pricing Structure (US East) … WRU: $0.625 per million … RRU: $0.125 per million").
   */
  dynamodbOnDemand: { perMillionWrites: 0.625, perMillionReads: 0.125 },
  /**
   * Standard queue, first 100 billion requests/month, each 64 KB of payload a request: "Amazon SQS Pricing:
   * Complete Guide + Calculator (2026)" (CloudBurn, 2026-03-14), https://cloudburn.io/blog/amazon-sqs-pricing,
   * and "Amazon SQS Pricing: The 64 KB Rule, FIFO Premium, …" (FactualMinds, 2026-06-13),
   * https://www.factualminds.com/blog/amazon-sqs-pricing-64kb-rule-fifo-vs-standard/.
   */
  sqs: { perMillionRequests: 0.4 },
  /**
   * Custom metrics, first 10,000 a month: "CloudWatch Pricing Without the Confusion [Part 1]" (SigNoz,
   * 2026-02-15), https://signoz.io/guides/cloudwatch-pricing ("$0.30/month for the first 10,000"). Logs
   * ingestion: "Amazon CloudWatch Pricing: The 10 Billing Dimensions …" (FactualMinds, 2026-06-13),
   * https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/ ("Logs
   * ingestion at $0.50/GB"). AWS page: "Amazon CloudWatch pricing", https://aws.amazon.com/cloudwatch/pricing/.
   */
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
  const billedGb =
    (records *
      Math.ceil(w.recordBytes / PRICES.firehose.billingIncrementBytes) *
      PRICES.firehose.billingIncrementBytes) /
    GIB;
  return {
    'Firehose ingestion (5 KB rounding)': billedGb * PRICES.firehose.ingestPerGb,
    // Conversion is billed on the same 5 KB-rounded ingested GB, not on the JSON converted.
    'Firehose format conversion': w.conversion ? billedGb * PRICES.firehose.conversionPerGb : 0,
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
