import { Buffer } from 'node:buffer';

/**
 * Deterministic benchmark data. Records look like application log events (JSON with a few varying fields and
 * some random hex), so gzip sees a realistic ratio instead of all-zero or all-random bytes. The baselines and
 * the producers use the same generator, so "one core's gzip speed" is measured on the same kind of data.
 */
export const RECORD_BYTES = 1024;
export const RECORDS_PER_BATCH = 500;
/** Every record starts with this, so the delivered objects can be checked record by record. */
export const RECORD_MAGIC = '{"bench":"sluice",';

/** mulberry32: tiny seeded PRNG; reproducible across runs and processes. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATHS = ['/', '/cart', '/checkout', '/search', '/product/view', '/account/settings', '/api/v2/items'];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'curl/8.8.0',
];
const EVENTS = ['page_view', 'click', 'add_to_cart', 'purchase', 'scroll', 'login'];

function hex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length)
    out += Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

/** One RECORD_BYTES-long record: a JSON object padded with spaces, ending in a newline. */
export function makeRecord(random: () => number, producer: number, index: number): Buffer {
  const head =
    `${RECORD_MAGIC}"p":${producer},"i":${index},"event":"${pick(random, EVENTS)}",` +
    `"ts":${1_700_000_000_000 + Math.floor(random() * 1e9)},"user":"u-${hex(random, 12)}",` +
    `"session":"${hex(random, 32)}","path":"${pick(random, PATHS)}","status":${random() < 0.95 ? 200 : 500},` +
    `"latency_ms":${Math.floor(random() * 2000)},"ua":"${pick(random, AGENTS)}","trace":"${hex(random, 64)}",` +
    `"payload":"${hex(random, 128 + Math.floor(random() * 256))}"}`;
  const record = Buffer.alloc(RECORD_BYTES, 0x20);
  record.write(head.slice(0, RECORD_BYTES - 1), 0, 'latin1');
  record[RECORD_BYTES - 1] = 0x0a;
  return record;
}

/** `count` records from one seeded stream. */
export function makeRecords(seed: number, producer: number, count: number): Buffer[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => makeRecord(random, producer, i));
}

/** A PutRecordBatch request body (Firehose JSON 1.1), exactly as the AWS SDK would send it. */
export function putRecordBatchBody(streamName: string, records: readonly Buffer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      DeliveryStreamName: streamName,
      Records: records.map((data) => ({ Data: data.toString('base64') })),
    }),
  );
}

/** A pool of distinct bodies, generated once before a run so generation never competes with the load. */
export function bodyPool(streamName: string, seed: number, producer: number, size: number): Buffer[] {
  const records = makeRecords(seed, producer, size * RECORDS_PER_BATCH);
  return Array.from({ length: size }, (_, b) =>
    putRecordBatchBody(streamName, records.slice(b * RECORDS_PER_BATCH, (b + 1) * RECORDS_PER_BATCH)),
  );
}

/**
 * Checks a delivered body record by record: it must hold whole RECORD_BYTES records, each starting with
 * RECORD_MAGIC. `onRecord` sees each record (as a view of the body). A short tail and every record without the
 * magic count as malformed.
 */
export function checkRecords(
  body: Buffer,
  onRecord?: (record: Buffer) => void,
): { records: number; malformed: number } {
  const magic = Buffer.from(RECORD_MAGIC);
  let records = 0;
  let malformed = body.byteLength % RECORD_BYTES === 0 ? 0 : 1;
  for (let at = 0; at + RECORD_BYTES <= body.byteLength; at += RECORD_BYTES) {
    if (body.compare(magic, 0, magic.byteLength, at, at + magic.byteLength) !== 0) malformed++;
    onRecord?.(body.subarray(at, at + RECORD_BYTES));
    records++;
  }
  return { records, malformed };
}
