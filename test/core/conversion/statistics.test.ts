import { describe, expect, it } from 'vitest';
import { conversionWith, query, roundTrip } from './helpers.ts';

/** Column statistics (min/max/null count) as engines read them for pruning: DuckDB's parquet_metadata(). */

const COLUMNS = {
  i: 'int',
  l: 'bigint',
  d: 'double',
  s: 'string',
  b: 'boolean',
  day: 'date',
  ts: 'timestamp',
  dec: 'decimal(20,2)',
  tags: 'array<string>',
};
const RECORDS = [
  '{"i":-5,"l":-9007199254740000,"d":0,"s":"pear","b":true,"day":"2024-05-01","ts":"2024-01-01T00:00:00Z","dec":"-12.5","tags":["x"]}',
  '{"i":7,"l":3,"d":"NaN","s":"apple","b":true,"day":"1999-12-31","ts":1700000000,"dec":99999999.99,"tags":[]}',
  '{"i":null,"l":-1,"d":-2.5,"s":"zebra","b":true,"tags":["b","a"]}',
  '{"d":-0.0,"s":"apple"}',
];

async function statistics(path: string) {
  return query(
    `select path_in_schema as col, stats_min_value as min, stats_max_value as max, stats_null_count::INT as nulls
     from parquet_metadata('${path}') order by column_id`,
  );
}

describe('column statistics', () => {
  for (const enableDictionaryCompression of [true, false]) {
    it(`records min, max and null count per column chunk (dictionary ${enableDictionaryCompression})`, async () => {
      const { path, result } = await roundTrip(
        RECORDS,
        COLUMNS,
        conversionWith(undefined, { enableDictionaryCompression }),
      );
      expect(result.failures).toEqual([]);
      expect(await statistics(path)).toEqual([
        { col: 'i', min: '-5', max: '7', nulls: 2 },
        { col: 'l', min: '-9007199254740000', max: '3', nulls: 1 },
        { col: 'd', min: '-2.5', max: '0.0', nulls: 0 },
        { col: 's', min: 'apple', max: 'zebra', nulls: 0 },
        { col: 'b', min: 'true', max: 'true', nulls: 1 },
        { col: 'day', min: '1999-12-31', max: '2024-05-01', nulls: 2 },
        { col: 'ts', min: '2023-11-14 22:13:20+00', max: '2024-01-01 00:00:00+00', nulls: 2 },
        { col: 'dec', min: '-12.50', max: '99999999.99', nulls: 2 },
        { col: 'tags, list, element', min: 'a', max: 'x', nulls: 2 },
      ]);
    });
  }

  it('lets DuckDB prune row groups on them', async () => {
    const records = Array.from({ length: 4000 }, (_, i) => `{"n":${i}}`);
    const { path } = await roundTrip(
      records,
      { n: 'int' },
      conversionWith(undefined, { blockSizeBytes: 8 * 1024 }),
    );
    const groups = await query(
      `select stats_min_value::INT as min, stats_max_value::INT as max from parquet_metadata('${path}') order by row_group_id`,
    );
    expect(groups.length).toBeGreaterThan(2);
    expect(groups[0]!.min).toBe(0);
    expect(groups.at(-1)!.max).toBe(3999);
    for (let g = 1; g < groups.length; g++) expect(groups[g]!.min).toBe((groups[g - 1]!.max as number) + 1);
  });
});
