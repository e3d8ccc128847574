import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert, options, readWithDuckdb, schemaOf } from './read-back.ts';

/**
 * A small file compared byte for byte, so that any change to the encoding (levels, pages, footer) is noticed and
 * reviewed. After an intended change: `SLUICE_UPDATE_GOLDEN=1 npx vitest run test/core/parquet/golden.test.ts`,
 * then check the new file with DuckDB as this test does.
 */
const GOLDEN = join(import.meta.dirname, '..', '..', 'fixtures', 'parquet', 'golden.parquet');

const SCHEMA = schemaOf({
  id: 'int',
  name: 'string',
  price: 'decimal(7,2)',
  ts: 'timestamp',
  tags: 'array<string>',
  attrs: 'map<string,bigint>',
  geo: 'struct<lat:double,lon:double>',
  ok: 'boolean',
});
const RECORDS = [
  '{"id":1,"name":"alpha","price":"12.50","ts":"2024-01-02T03:04:05.678Z","tags":["x","y"],"attrs":{"n":1},"geo":{"lat":1.5,"lon":-2},"ok":true}',
  '{"id":2,"name":"beta","price":3,"ts":1704164645,"tags":[],"attrs":{},"geo":null,"ok":false}',
  '{"id":3,"name":"alpha","tags":null}{"id":4,"name":"gamma","price":0.01,"tags":["x"],"attrs":{"a":-5,"b":null},"geo":{"lat":0}}',
];

describe('golden Parquet file', () => {
  for (const [name, variant] of [
    ['golden.parquet', { compression: 'SNAPPY', writerVersion: 'V1', enableDictionaryCompression: true }],
    [
      'golden-v2-gzip.parquet',
      { compression: 'GZIP', writerVersion: 'V2', enableDictionaryCompression: false },
    ],
  ] as const) {
    it(`${name} is reproduced byte for byte`, async () => {
      const path = GOLDEN.replace('golden.parquet', name);
      const result = await convert(RECORDS, SCHEMA, options(variant));
      const bytes = Buffer.concat(result.body);
      if (process.env.SLUICE_UPDATE_GOLDEN === '1') writeFileSync(path, bytes);
      expect(bytes.equals(readFileSync(path))).toBe(true);
      expect((await readWithDuckdb(path, SCHEMA)).map((r) => [r.id, r.name, r.tags])).toEqual([
        [1, 'alpha', ['x', 'y']],
        [2, 'beta', []],
        [3, 'alpha', null],
        [4, 'gamma', ['x']],
      ]);
    });
  }
});
