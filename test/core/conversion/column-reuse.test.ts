import { describe, expect, it } from 'vitest';
import { convert, query, readWithDuckdb, readWithHyparquet, save, schemaOf } from './helpers.ts';

/**
 * Conversions of one schema hand their column arrays on to the next one. Nothing of an earlier conversion may
 * show in a later file: not its rows, its dictionary entries, its statistics, nor a failed record's values; and
 * two conversions of one schema running at once must not share arrays.
 */
describe('column arrays reused across conversions', () => {
  const schema = schemaOf({ id: 'int', name: 'string', tags: 'array<string>', score: 'double' });
  const record = (i: number, prefix: string) =>
    JSON.stringify({ id: i, name: `${prefix}${i % 7}`, tags: [`${prefix}t${i % 3}`], score: i / 4 });
  const rows = (records: readonly string[]) =>
    records.map((r) => {
      const { id, name, tags, score } = JSON.parse(r) as Record<string, unknown>;
      return { id, name, tags, score };
    });

  async function readBack(records: readonly string[], expectedFailures: number[] = []) {
    const result = await convert(records, schema);
    expect(result.failures.map((f) => f.recordIndex)).toEqual(expectedFailures);
    const path = save(result.body);
    return { duck: await readWithDuckdb(path, schema), hyp: await readWithHyparquet(path, schema), path };
  }

  it('writes only the rows of each conversion, big one first, then small ones and one with a failed record', async () => {
    const big = Array.from({ length: 30_000 }, (_, i) => record(i, 'big-'));
    const first = await readBack(big);
    expect(first.duck).toEqual(rows(big));

    const small = Array.from({ length: 5 }, (_, i) => record(i, 'small-'));
    const second = await readBack(small);
    expect(second.duck).toEqual(rows(small));
    expect(second.hyp).toEqual(rows(small));
    const statistics = await query(
      `select path_in_schema as path, stats_min_value as min, stats_max_value as max, stats_null_count::INT as nulls
       from parquet_metadata('${second.path}') order by column_id`,
    );
    expect(statistics).toEqual([
      { path: 'id', min: '0', max: '4', nulls: 0 },
      { path: 'name', min: 'small-0', max: 'small-4', nulls: 0 },
      { path: 'tags, list, element', min: 'small-t0', max: 'small-t2', nulls: 0 },
      // Zero as the minimum is written -0 (Parquet's rule for float statistics).
      { path: 'score', min: '-0.0', max: '1.0', nulls: 0 },
    ]);

    const withFailure = [
      record(1, 'x-'),
      '{"id":"not a number","name":"leftover","tags":["leftover"]}',
      record(2, 'x-'),
    ];
    const third = await readBack(withFailure, [1]);
    const expected = rows([withFailure[0]!, withFailure[2]!]);
    expect(third.duck).toEqual(expected);
    expect(third.hyp).toEqual(expected);
  });

  it('keeps concurrent conversions of one schema apart', async () => {
    const a = Array.from({ length: 20_000 }, (_, i) => record(i, 'a-'));
    const b = Array.from({ length: 20_000 }, (_, i) => record(i, 'b-'));
    const [ra, rb] = await Promise.all([readBack(a), readBack(b)]);
    expect(ra.duck).toEqual(rows(a));
    expect(rb.duck).toEqual(rows(b));
  });
});
