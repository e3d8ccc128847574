import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { afterAll } from 'vitest';
import {
  type ConversionResult,
  compileSchema,
  convertToParquet,
  type HiveType,
  type ParquetSchema,
  type ParquetSerDeOptions,
  parseHiveType,
  type ResolvedDataFormatConversion,
  resolveDataFormatConversion,
} from '../../../lib/core/conversion/index.ts';
import { packRecords } from '../../../lib/core/records.ts';

/**
 * Shared by the conversion tests: build configurations, convert JSON text records, and read the file back with
 * two independent readers (DuckDB and hyparquet), each normalised to one plain form so that a test states the
 * expected rows once: bigint → decimal string, decimal → number, date → 'yyyy-mm-dd', timestamp → epoch ms,
 * map → object, missing struct → null.
 */

const workDir = mkdtempSync(join(tmpdir(), 'sluice-conversion-test-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
let files = 0;

let connection: Promise<DuckDBConnection> | undefined;
export function duckdb(): Promise<DuckDBConnection> {
  connection ??= (async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run("SET TimeZone='UTC'");
    return c;
  })();
  return connection;
}

const SCHEMA_CONFIG = {
  RoleARN: 'arn:aws:iam::123456789012:role/firehose',
  DatabaseName: 'db',
  TableName: 'events',
};

/** A resolved conversion for tests; `parquet` entries bypass the checker (e.g. a tiny block size). */
export function conversionWith(
  deserializer: Record<string, unknown> = { OpenXJsonSerDe: {} },
  parquet: Partial<ParquetSerDeOptions> = {},
): ResolvedDataFormatConversion {
  const resolved = resolveDataFormatConversion({
    SchemaConfiguration: SCHEMA_CONFIG,
    InputFormatConfiguration: { Deserializer: deserializer },
    OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
  })!;
  return { ...resolved, serializer: { ...resolved.serializer, ...parquet } };
}

export function hive(timestampFormats?: string[]): Record<string, unknown> {
  return { HiveJsonSerDe: timestampFormats ? { TimestampFormats: timestampFormats } : {} };
}

export function openX(options: Record<string, unknown> = {}): Record<string, unknown> {
  return { OpenXJsonSerDe: options };
}

export function schemaOf(columns: Record<string, string>): ParquetSchema {
  return compileSchema({ Columns: Object.entries(columns).map(([Name, Type]) => ({ Name, Type })) });
}

export function convert(
  records: readonly string[],
  schema: ParquetSchema,
  conversion: ResolvedDataFormatConversion = conversionWith(),
): Promise<ConversionResult> {
  const encoder = new TextEncoder();
  return convertToParquet([packRecords(records.map((r) => encoder.encode(r)))], schema, conversion);
}

export function save(body: readonly Uint8Array[]): string {
  const path = join(workDir, `f${files++}.parquet`);
  writeFileSync(path, Buffer.concat(body));
  return path;
}

export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const c = await duckdb();
  return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

type Row = Record<string, unknown>;

/** Rows as DuckDB reads the file, normalised. */
export async function readWithDuckdb(path: string, schema: ParquetSchema): Promise<Row[]> {
  const rows = await query(`select * from read_parquet('${path}')`);
  return rows.map((row) => normaliseRow(row, schema, normaliseDuck));
}

/** Rows as hyparquet reads the file, normalised. */
export async function readWithHyparquet(path: string, schema: ParquetSchema): Promise<Row[]> {
  const bytes = readFileSync(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  // hyparquet decodes SNAPPY itself; GZIP comes from node:zlib.
  const compressors = { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) };
  const rows = (await parquetReadObjects({ file, compressors })) as Row[];
  return rows.map((row) => normaliseRow(row, schema, normaliseHyparquet));
}

/** Converts the records, checks the failures are as expected, and returns both readers' rows (asserted equal). */
export async function roundTrip(
  records: readonly string[],
  columns: Record<string, string>,
  conversion?: ResolvedDataFormatConversion,
): Promise<{ duck: Row[]; hyp: Row[]; result: ConversionResult; path: string }> {
  const schema = schemaOf(columns);
  const result = await convert(records, schema, conversion);
  const path = save(result.body);
  const duck = await readWithDuckdb(path, schema);
  const hyp = await readWithHyparquet(path, schema);
  return { duck, hyp, result, path };
}

function normaliseRow(row: Row, schema: ParquetSchema, f: (type: HiveType, v: unknown) => unknown): Row {
  const out: Row = {};
  for (const column of schema.columns) out[column.name] = f(column.hiveType, row[column.name]);
  return out;
}

function normaliseDuck(type: HiveType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type.kind) {
    case 'bigint':
      return String(v);
    case 'decimal':
      return Number(Number(v).toFixed(type.scale));
    case 'timestamp':
      return Date.parse(
        `${String(v)
          .replace(' ', 'T')
          .replace(/\+00(:00)?$/, '')}Z`,
      );
    case 'float':
    case 'double':
      return typeof v === 'string' ? Number(v) : v;
    case 'array':
      return (v as unknown[]).map((e) => normaliseDuck(type.element, e));
    case 'map':
      return Object.fromEntries(
        (v as { key: unknown; value: unknown }[]).map(({ key, value }) => [
          String(normaliseDuck(type.key, key)),
          normaliseDuck(type.value, value),
        ]),
      );
    case 'struct':
      return Object.fromEntries(type.fields.map((f) => [f.name, normaliseDuck(f.type, (v as Row)[f.name])]));
    default:
      return v;
  }
}

function normaliseHyparquet(type: HiveType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type.kind) {
    case 'bigint':
      return String(v);
    case 'decimal':
      // hyparquet scales in floating point; round to the column's scale to compare.
      return Number(Number(v).toFixed(type.scale));
    case 'date':
      return (v as Date).toISOString().slice(0, 10);
    case 'timestamp':
      return (v as Date).getTime();
    case 'tinyint':
    case 'smallint':
    case 'int':
      return Number(v);
    case 'array':
      return (v as unknown[]).map((e) => normaliseHyparquet(type.element, e));
    case 'map':
      return Object.fromEntries(
        Object.entries(v as Row).map(([key, value]) => [key, normaliseHyparquet(type.value, value)]),
      );
    case 'struct':
      return Object.fromEntries(
        type.fields.map((f) => [f.name, normaliseHyparquet(f.type, (v as Row)[f.name])]),
      );
    default:
      return v;
  }
}

export { parseHiveType };
