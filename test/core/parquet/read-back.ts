import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { afterAll } from 'vitest';
import {
  type ConversionOptions,
  type ConversionResult,
  compileSchema,
  conversionOptionsOf,
  convertToParquet,
  type HiveType,
  type ParquetSchema,
} from '../../../lib/core/parquet/index.ts';
import { packRecords } from '../../../lib/core/records.ts';

/**
 * Test helpers: convert JSON records, then read the file back with two independent readers (DuckDB and
 * hyparquet) and put both readers' values into one canonical form so that tests compare against one table:
 * bigint as decimal text, decimal as number, date as `yyyy-mm-dd`, timestamp as epoch ms, map as object.
 */

const dir = mkdtempSync(join(tmpdir(), 'sluice-parquet-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

let connection: Promise<DuckDBConnection> | undefined;
export function duckdb(): Promise<DuckDBConnection> {
  connection ??= (async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    return db.connect();
  })();
  return connection;
}

export function options(overrides: Partial<ConversionOptions> = {}): ConversionOptions {
  return { ...conversionOptionsOf({}), ...overrides };
}

export function schemaOf(columns: Record<string, string>): ParquetSchema {
  return compileSchema({ Columns: Object.entries(columns).map(([Name, Type]) => ({ Name, Type })) });
}

export async function convert(
  records: readonly string[],
  schema: ParquetSchema,
  opts: ConversionOptions = options(),
): Promise<ConversionResult> {
  const encoder = new TextEncoder();
  return convertToParquet([packRecords(records.map((r) => encoder.encode(r)))], schema, opts);
}

/** Writes the body to a temp file; returns its path. */
export function saveBody(body: readonly Uint8Array[]): string {
  const path = join(dir, `f${fileCount++}.parquet`);
  writeFileSync(path, Buffer.concat(body));
  return path;
}

export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const c = await duckdb();
  return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

export async function readWithDuckdb(
  path: string,
  schema: ParquetSchema,
): Promise<Record<string, unknown>[]> {
  const rows = await query(`select * from read_parquet('${path}')`);
  return rows.map((row) => canonicalRow(row, schema, 'duckdb'));
}

export async function readWithHyparquet(
  path: string,
  schema: ParquetSchema,
): Promise<Record<string, unknown>[]> {
  const bytes = await import('node:fs').then((fs) => fs.readFileSync(path));
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const rows = await parquetReadObjects({
    file,
    compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) },
  });
  return rows.map((row) => canonicalRow(row, schema, 'hyparquet'));
}

type Reader = 'duckdb' | 'hyparquet';

function canonicalRow(
  row: Record<string, unknown>,
  schema: ParquetSchema,
  reader: Reader,
): Record<string, unknown> {
  return Object.fromEntries(schema.columns.map((c) => [c.name, canonical(c.type, row[c.name], reader)]));
}

export function canonical(type: HiveType, value: unknown, reader: Reader): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'bigint':
      return String(value);
    case 'decimal':
      // hyparquet scales with floating point (-99999 * 0.1); exact digits are checked through DuckDB.
      return Number(Number(value).toFixed(type.scale));
    case 'date':
      return value instanceof Date ? value.toISOString().slice(0, 10) : value;
    case 'timestamp':
      if (value instanceof Date) return value.getTime();
      // DuckDB renders TIMESTAMP WITH TIME ZONE as `2024-01-02 03:04:05.678+00`.
      return Date.parse(`${String(value).replace(' ', 'T').replace(/\+00$/, '')}Z`);
    case 'binary':
      if (value instanceof Uint8Array) return new TextDecoder().decode(value);
      return value;
    case 'array':
      return (value as unknown[]).map((v) => canonical(type.element, v, reader));
    case 'map': {
      const entries: [unknown, unknown][] = Array.isArray(value)
        ? (value as { key: unknown; value: unknown }[]).map((e) => [e.key, e.value])
        : Object.entries(value as object);
      return Object.fromEntries(
        entries.map(([k, v]) => [String(canonical(type.key, k, reader)), canonical(type.value, v, reader)]),
      );
    }
    case 'struct':
      return Object.fromEntries(
        type.fields.map((f) => [
          f.name,
          canonical(f.type, (value as Record<string, unknown>)[f.name], reader),
        ]),
      );
    default:
      return value;
  }
}
