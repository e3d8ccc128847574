import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * JSON → Parquet (SNAPPY) throughput of Sluice's convertToParquet against DuckDB (single thread) and
 * @dsnp/parquetjs on the same 200k seeded NDJSON records. Each writer runs in its own child process so that
 * its peak RSS is its own; the median of 3 runs is reported. `npx tsx bench/parquet.ts`
 */

const RECORDS = 200_000;
const RUNS = 3;
/** Input bytes converted once, untimed, before the timed run of each JS writer (about 10k records). */
const WARM_UP_BYTES = 3_000_000;
const SEED = 20240601;
const HERE = dirname(fileURLToPath(import.meta.url));
const WORK = join(tmpdir(), `sluice-bench-parquet-${process.pid}`);
const INPUT = join(WORK, 'input.ndjson');

const COLUMNS = [
  { Name: 'id', Type: 'bigint' },
  { Name: 'user_id', Type: 'string' },
  { Name: 'event', Type: 'string' },
  { Name: 'count', Type: 'int' },
  { Name: 'amount', Type: 'double' },
  { Name: 'price', Type: 'decimal(10,2)' },
  { Name: 'ok', Type: 'boolean' },
  { Name: 'ts', Type: 'timestamp' },
  { Name: 'tags', Type: 'array<string>' },
  { Name: 'geo', Type: 'struct<country:string,city:string,lat:double,lon:double>' },
  { Name: 'agent', Type: 'string' },
];

const DUCKDB_COLUMNS =
  "{id: 'BIGINT', user_id: 'VARCHAR', event: 'VARCHAR', count: 'INTEGER', amount: 'DOUBLE', price: 'DECIMAL(10,2)', ok: 'BOOLEAN', ts: 'TIMESTAMP', tags: 'VARCHAR[]', geo: 'STRUCT(country VARCHAR, city VARCHAR, lat DOUBLE, lon DOUBLE)', agent: 'VARCHAR'}";

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The NDJSON input and the sum of `count`, the checksum the outputs are verified against. */
function generate(path = INPUT): { bytes: number; countSum: number } {
  const random = mulberry32(SEED);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const events = ['click', 'view', 'purchase', 'signup', 'logout', 'search'];
  const tags = ['new', 'mobile', 'promo', 'beta', 'eu', 'us', 'returning', 'vip'];
  const cities: [string, string][] = [
    ['DE', 'Berlin'],
    ['FR', 'Paris'],
    ['US', 'New York'],
    ['JP', 'Tōkyō'],
    ['BR', 'São Paulo'],
    ['IN', 'Mumbai'],
  ];
  const agents = Array.from({ length: 50 }, (_, i) => `Mozilla/5.0 (X11; Linux x86_64) Chrome/${100 + i}.0`);
  const lines: string[] = [];
  let countSum = 0;
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < RECORDS; i++) {
    const [country, city] = pick(cities);
    const count = Math.floor(random() * 1000);
    countSum += count;
    const ts = new Date(start + Math.floor(random() * 86_400_000 * 30)).toISOString();
    lines.push(
      JSON.stringify({
        id: 1_000_000_000 + i,
        user_id: `u-${Math.floor(random() * 1e9).toString(36)}-${Math.floor(random() * 1e9).toString(36)}`,
        event: pick(events),
        count,
        amount: Math.round(random() * 1e6) / 100,
        price: (Math.floor(random() * 1e6) / 100).toFixed(2),
        ok: random() < 0.9,
        ts,
        tags: Array.from({ length: Math.floor(random() * 4) }, () => pick(tags)),
        geo: { country, city, lat: random() * 180 - 90, lon: random() * 360 - 180 },
        agent: pick(agents),
      }),
    );
  }
  const text = `${lines.join('\n')}\n`;
  writeFileSync(path, text);
  return { bytes: Buffer.byteLength(text), countSum };
}

interface ChildResult {
  ms: number;
  maxRssMB: number;
  outputBytes: number;
}

async function child(writer: string, output: string): Promise<void> {
  let ms = 0;
  if (writer === 'sluice') {
    const { compileSchema, conversionOptionsOf, convertToParquet } = await import(
      '../lib/core/parquet/index.ts'
    );
    const data = new Uint8Array(readFileSync(INPUT_ARG()));
    const schema = compileSchema({ Columns: COLUMNS });
    const options = conversionOptionsOf({ OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } } });
    // Warm-up on the first 10k records (not timed): a long-running Sluice process converts with JIT-compiled
    // code, which a single cold conversion in a fresh process would not show.
    const warmEnd = data.indexOf(10, WARM_UP_BYTES) + 1;
    const warmEnds: number[] = [];
    for (let at = data.indexOf(10); at >= 0 && at < warmEnd; at = data.indexOf(10, at + 1))
      warmEnds.push(at + 1);
    await convertToParquet(
      [{ data: data.subarray(0, warmEnd), ends: Uint32Array.from(warmEnds) }],
      schema,
      options,
    );
    const t0 = performance.now();
    // Records as the pipeline holds them: one buffer and end offsets (newlines stay inside each record).
    const endsList: number[] = [];
    for (let at = data.indexOf(10); at >= 0; at = data.indexOf(10, at + 1)) endsList.push(at + 1);
    const result = await convertToParquet([{ data, ends: Uint32Array.from(endsList) }], schema, options);
    ms = performance.now() - t0;
    writeFileSync(output, Buffer.concat(result.body));
    if (result.failures.length > 0)
      throw new Error(`unexpected failures: ${JSON.stringify(result.failures[0])}`);
  } else if (writer === 'duckdb') {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run('SET threads=1');
    const t0 = performance.now();
    await c.run(
      `COPY (SELECT * FROM read_json('${INPUT_ARG()}', columns=${DUCKDB_COLUMNS})) TO '${output}' (FORMAT PARQUET, COMPRESSION SNAPPY)`,
    );
    ms = performance.now() - t0;
  } else {
    const parquetjs = (await import('@dsnp/parquetjs')) as unknown as {
      ParquetSchema: new (fields: unknown) => unknown;
      ParquetWriter: { openFile(schema: unknown, path: string, opts?: unknown): Promise<ParquetJsWriter> };
    };
    const schema = new parquetjs.ParquetSchema({
      id: { type: 'INT64', optional: true, compression: 'SNAPPY' },
      user_id: { type: 'UTF8', optional: true, compression: 'SNAPPY' },
      event: { type: 'UTF8', optional: true, compression: 'SNAPPY' },
      count: { type: 'INT32', optional: true, compression: 'SNAPPY' },
      amount: { type: 'DOUBLE', optional: true, compression: 'SNAPPY' },
      price: { type: 'DECIMAL', precision: 10, scale: 2, optional: true, compression: 'SNAPPY' },
      ok: { type: 'BOOLEAN', optional: true, compression: 'SNAPPY' },
      ts: { type: 'TIMESTAMP_MILLIS', optional: true, compression: 'SNAPPY' },
      tags: { type: 'UTF8', repeated: true, compression: 'SNAPPY' },
      geo: {
        optional: true,
        fields: {
          country: { type: 'UTF8', optional: true, compression: 'SNAPPY' },
          city: { type: 'UTF8', optional: true, compression: 'SNAPPY' },
          lat: { type: 'DOUBLE', optional: true, compression: 'SNAPPY' },
          lon: { type: 'DOUBLE', optional: true, compression: 'SNAPPY' },
        },
      },
      agent: { type: 'UTF8', optional: true, compression: 'SNAPPY' },
    });
    const text = readFileSync(INPUT_ARG(), 'utf8');
    // The same untimed warm-up as Sluice's.
    const warm = await parquetjs.ParquetWriter.openFile(schema, `${output}.warm`);
    for (const line of text.slice(0, text.indexOf('\n', WARM_UP_BYTES)).split('\n')) {
      const row = JSON.parse(line);
      row.ts = new Date(row.ts);
      row.price = Number(row.price);
      await warm.appendRow(row);
    }
    await warm.close();
    const t0 = performance.now();
    const out = await parquetjs.ParquetWriter.openFile(schema, output);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const row = JSON.parse(text.slice(start, end));
      row.ts = new Date(row.ts);
      row.price = Number(row.price);
      await out.appendRow(row);
      start = end + 1;
    }
    await out.close();
    ms = performance.now() - t0;
  }
  const result: ChildResult = {
    ms,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    outputBytes: statSync(output).size,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

interface ParquetJsWriter {
  appendRow(row: unknown): Promise<void>;
  close(): Promise<void>;
}

function INPUT_ARG(): string {
  return process.argv[process.argv.indexOf('--input') + 1]!;
}

function runChild(writer: string, output: string): ChildResult {
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      writer,
      '--input',
      INPUT,
      '--output',
      output,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) throw new Error(`${writer} failed: ${result.stderr || result.error}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as ChildResult;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function verify(path: string): Promise<{ rows: number; countSum: number }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const [row] = (
    await c.runAndReadAll(
      `select count(*)::BIGINT as n, sum(count)::BIGINT as s from read_parquet('${path}')`,
    )
  ).getRowObjects();
  return { rows: Number(row!.n), countSum: Number(row!.s) };
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  try {
    const { bytes, countSum } = generate();
    const writers = ['sluice', 'duckdb', 'parquetjs'] as const;
    const results: Record<string, ChildResult & { MBps: number; recordsPerSecond: number }> = {};
    for (const writer of writers) {
      const runs: ChildResult[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(runChild(writer, join(WORK, `${writer}.parquet`)));
      const ms = median(runs.map((r) => r.ms));
      results[writer] = {
        ms: Math.round(ms),
        maxRssMB: Math.round(median(runs.map((r) => r.maxRssMB))),
        outputBytes: runs[0]!.outputBytes,
        MBps: Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10,
        recordsPerSecond: Math.round(RECORDS / (ms / 1000)),
      };
      console.log(writer, results[writer]);
    }
    const check = await verify(join(WORK, 'sluice.parquet'));
    if (check.rows !== RECORDS || check.countSum !== countSum) {
      throw new Error(
        `Sluice output failed verification: ${JSON.stringify(check)} expected ${RECORDS}/${countSum}`,
      );
    }
    const sluice = results.sluice!;
    const report = {
      records: RECORDS,
      inputBytes: bytes,
      runs: RUNS,
      node: process.version,
      results,
      ratios: {
        sluiceOverDuckdb: Math.round((sluice.MBps / results.duckdb!.MBps) * 100) / 100,
        sluiceOverParquetjs: Math.round((sluice.MBps / results.parquetjs!.MBps) * 100) / 100,
      },
      targets: { sluiceOverDuckdb: 0.5, sluiceOverParquetjs: 5, sluiceMaxRssMB: 250 },
      verified: { rows: check.rows, countSum: check.countSum },
    };
    mkdirSync(join(HERE, 'results'), { recursive: true });
    writeFileSync(join(HERE, 'results', 'parquet.json'), `${JSON.stringify(report, null, 2)}\n`);
    const line = (name: string) => {
      const r = results[name]!;
      return `| ${name} | ${r.MBps} | ${r.recordsPerSecond} | ${r.maxRssMB} | ${(r.outputBytes / 1e6).toFixed(1)} |`;
    };
    const md = [
      '# JSON → Parquet (SNAPPY) conversion',
      '',
      `\`npx tsx bench/parquet.ts\`: ${RECORDS} seeded NDJSON records (${(bytes / 1e6).toFixed(1)} MB, 11 columns incl. a`,
      'struct, a list of strings, a timestamp and a decimal), each writer in its own child process, median of',
      `${RUNS} runs, ${process.version}. Sluice is timed end to end from the NDJSON bytes in memory (finding record`,
      'ends, parsing, conversion, encoding, SNAPPY); DuckDB runs `SET threads=1; COPY (SELECT * FROM',
      "read_json('file', columns={...})) TO ... (FORMAT PARQUET, COMPRESSION SNAPPY)`; @dsnp/parquetjs appends the",
      'JSON.parse-d rows. The JS writers first convert ~10k records untimed (JIT warm-up, as in a long-running',
      'process); peak RSS includes it and the 60 MB input held in memory.',
      '',
      '| writer | MB/s of input JSON | records/s | peak RSS (MB) | output (MB) |',
      '|---|---|---|---|---|',
      line('sluice'),
      line('duckdb'),
      line('parquetjs'),
      '',
      `Sluice / DuckDB: **${report.ratios.sluiceOverDuckdb}** (target ≥ 0.5). Sluice / parquetjs: **${report.ratios.sluiceOverParquetjs}** (target ≥ 5). Sluice peak RSS target ≤ 250 MB.`,
      '',
      `Verified with DuckDB: Sluice's file has ${check.rows} rows and sum(count) = ${check.countSum}, as generated.`,
      '',
    ].join('\n');
    writeFileSync(join(HERE, 'results', 'parquet.md'), md);
    console.log(md);
  } finally {
    rmSync(WORK, { recursive: true, force: true });
  }
}

const childIndex = process.argv.indexOf('--child');
const generateIndex = process.argv.indexOf('--generate');
if (generateIndex >= 0) {
  // For profiling: `npx tsx bench/parquet.ts --generate /tmp/input.ndjson` writes the input and exits.
  generate(process.argv[generateIndex + 1]);
} else if (childIndex >= 0) {
  await child(process.argv[childIndex + 1]!, process.argv[process.argv.indexOf('--output') + 1]!);
} else {
  await main();
}
