import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conversionWith, convert, query, schemaOf } from './helpers.ts';

/**
 * Fixed input → byte-identical Parquet, compared with committed files. After an intended change of the
 * writer's output, regenerate them with `SLUICE_UPDATE_GOLDEN=1 npx vitest run test/core/conversion/golden.test.ts`
 * and check the diff of the DuckDB reads below.
 */
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'parquet');
const UPDATE = process.env.SLUICE_UPDATE_GOLDEN === '1';

interface GoldenCase {
  file: string;
  columns: Record<string, string>;
  records: string[];
  parquet: { compression: 'SNAPPY' | 'UNCOMPRESSED'; writerVersion: 'V1' | 'V2' };
}

const CASES: GoldenCase[] = [
  {
    file: 'flat-snappy-v1.parquet',
    columns: {
      id: 'bigint',
      name: 'string',
      score: 'double',
      ok: 'boolean',
      day: 'date',
      ts: 'timestamp',
      price: 'decimal(8,2)',
    },
    records: Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        id: 1000 + i,
        name: ['ann', 'bob', 'cy'][i % 3],
        score: i % 7 === 0 ? null : i / 4,
        ok: i % 2 === 0,
        day: `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
        ts: 1_700_000_000_000 + i * 1000,
        price: (i * 1.25).toFixed(2),
      }),
    ),
    parquet: { compression: 'SNAPPY', writerVersion: 'V1' },
  },
  {
    file: 'nested-uncompressed-v2.parquet',
    columns: {
      id: 'int',
      tags: 'array<string>',
      geo: 'struct<city:string,pt:struct<lat:double,lon:double>>',
      attrs: 'map<string,array<int>>',
    },
    records: Array.from({ length: 25 }, (_, i) =>
      JSON.stringify({
        id: i,
        tags: i % 4 === 0 ? null : Array.from({ length: i % 3 }, (_, k) => `t${k}`),
        geo: i % 5 === 0 ? null : { city: `c${i % 2}`, pt: i % 3 === 0 ? null : { lat: i, lon: -i } },
        attrs: { a: [i, null], [`k${i % 2}`]: [] },
      }),
    ),
    parquet: { compression: 'UNCOMPRESSED', writerVersion: 'V2' },
  },
];

describe('golden files', () => {
  for (const c of CASES) {
    it(`${c.file} is reproduced byte for byte`, async () => {
      const schema = schemaOf(c.columns);
      const conversion = conversionWith(undefined, c.parquet);
      const first = Buffer.concat((await convert(c.records, schema, conversion)).body);
      const second = Buffer.concat((await convert(c.records, schema, conversion)).body);
      expect(second.equals(first)).toBe(true);
      const path = join(FIXTURES, c.file);
      if (UPDATE || !existsSync(path)) writeFileSync(path, first);
      expect(first.equals(readFileSync(path))).toBe(true);
      // The committed file itself reads back as the input.
      const rows = await query(
        `select count(*)::INT as n, sum(id)::BIGINT::VARCHAR as ids from read_parquet('${path}')`,
      );
      const ids = c.records.reduce((sum, r) => sum + JSON.parse(r).id, 0);
      expect(rows).toEqual([{ n: c.records.length, ids: String(ids) }]);
    });
  }
});
