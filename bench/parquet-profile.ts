import { readFileSync } from 'node:fs';
import {
  compileSchema,
  convertToParquet,
  resolveDataFormatConversion,
} from '../lib/core/conversion/index.ts';

/**
 * Profiling aid for bench/parquet.ts: converts an NDJSON file (from `npx tsx bench/parquet.ts --generate FILE`)
 * a few times and prints the wall and CPU time of each pass. With `--warm-up`, first converts the first 20k records
 * three times, as the bench does. Pass 0 is a process's first full conversion (the very first without --warm-up).
 * `taskset -c 0 node --import tsx bench/parquet-profile.ts FILE [--warm-up]`; add `--cpu-prof` for a profile,
 * `--trace-opt --trace-deopt` to see what V8 compiles and deoptimises during each pass.
 */
const COLUMNS = [
  { Name: 'id', Type: 'bigint' },
  { Name: 'user_id', Type: 'string' },
  { Name: 'event', Type: 'string' },
  { Name: 'count', Type: 'int' },
  { Name: 'amount', Type: 'double' },
  { Name: 'ok', Type: 'boolean' },
  { Name: 'ts', Type: 'timestamp' },
  { Name: 'tags', Type: 'array<string>' },
  { Name: 'geo', Type: 'struct<country:string,city:string,lat:double,lon:double>' },
  { Name: 'page', Type: 'string' },
  { Name: 'agent', Type: 'string' },
];
const data = new Uint8Array(readFileSync(process.argv[2]!));
const ends: number[] = [];
for (let at = data.indexOf(10); at >= 0; at = data.indexOf(10, at + 1)) ends.push(at + 1);
const run = { data, ends: Uint32Array.from(ends) };
const warmUp = { data: data.subarray(0, ends[19_999]), ends: Uint32Array.from(ends.slice(0, 20_000)) };
const schema = compileSchema({ Columns: COLUMNS });
const conversion = resolveDataFormatConversion({
  SchemaConfiguration: {
    RoleARN: 'arn:aws:iam::123456789012:role/bench',
    DatabaseName: 'bench',
    TableName: 'events',
  },
  InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
  OutputFormatConfiguration: {
    Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } },
  },
})!;
if (process.argv.includes('--warm-up'))
  for (let i = 0; i < 3; i++) await convertToParquet([warmUp], schema, conversion);
for (let i = 0; i < 4; i++) {
  const before = process.cpuUsage();
  const t0 = performance.now();
  const result = await convertToParquet([run], schema, conversion);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(before);
  console.log(
    `pass ${i}: ${Math.round(ms)} ms (CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms), ` +
      `${(data.length / 1e6 / (ms / 1000)).toFixed(1)} MB/s, rows ${result.rows}`,
  );
}
