import { describe, expect, it } from 'vitest';
import {
  convert,
  options,
  query,
  readWithDuckdb,
  readWithHyparquet,
  saveBody,
  schemaOf,
} from './read-back.ts';

/** Every Glue type, nulls (missing key and JSON null) and nesting, read back by DuckDB and by hyparquet. */
const ALL_TYPES = schemaOf({
  b: 'boolean',
  t: 'tinyint',
  sm: 'smallint',
  i: 'INT',
  big: 'bigint',
  f: 'float',
  d: 'double',
  dec: 'decimal(10,2)',
  dec_small: 'decimal(5,1)',
  dec_big: 'decimal(25,3)',
  s: 'string',
  c: 'char(3)',
  vc: 'varchar(4)',
  bin: 'binary',
  dt: 'date',
  ts: 'timestamp',
  tags: 'array<string>',
  nested: 'array<array<int>>',
  m: 'map<string,int>',
  st: 'struct<x:int,y:array<double>,inner:struct<name:string>>',
  lst: 'array<struct<k:string,v:bigint>>',
});

const RECORDS = [
  JSON.stringify({
    b: true,
    t: -128,
    sm: 32767,
    i: -2147483648,
    big: 9007199254740991,
    f: 1.5,
    d: -2.25,
    dec: 12.345,
    dec_small: '-9999.9',
    dec_big: '-12345678901234567890.125',
    s: 'héllo wörld ✓ 𝄞',
    c: 'abcdef',
    vc: 'wxyz!',
    bin: 'raw',
    dt: '2024-02-29',
    ts: '2024-01-02T03:04:05.678Z',
    tags: ['a', null, 'b'],
    nested: [[1, 2], [], null, [3]],
    m: { k: 1, j: null },
    st: { x: 5, y: [1.5, null], inner: { name: 'n' } },
    lst: [{ k: 'p', v: 1 }, { k: null, v: null }, null],
  }),
  // JSON null everywhere.
  JSON.stringify({
    b: null,
    t: null,
    sm: null,
    i: null,
    big: null,
    f: null,
    d: null,
    dec: null,
    dec_small: null,
    dec_big: null,
    s: null,
    c: null,
    vc: null,
    bin: null,
    dt: null,
    ts: null,
    tags: null,
    nested: null,
    m: null,
    st: null,
    lst: null,
  }),
  // Every key missing; empty containers; a struct with missing fields.
  '{}',
  JSON.stringify({
    tags: [],
    nested: [[]],
    m: {},
    st: {},
    lst: [],
    b: false,
    ts: 1700000000,
    dt: '1969-12-31',
  }),
];

const EXPECTED = [
  {
    b: true,
    t: -128,
    sm: 32767,
    i: -2147483648,
    big: '9007199254740991',
    f: 1.5,
    d: -2.25,
    dec: 12.35,
    dec_small: -9999.9,
    dec_big: Number('-12345678901234567890.125'),
    s: 'héllo wörld ✓ 𝄞',
    c: 'abc',
    vc: 'wxyz',
    bin: 'raw',
    dt: '2024-02-29',
    ts: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
    tags: ['a', null, 'b'],
    nested: [[1, 2], [], null, [3]],
    m: { k: 1, j: null },
    st: { x: 5, y: [1.5, null], inner: { name: 'n' } },
    lst: [{ k: 'p', v: '1' }, { k: null, v: null }, null],
  },
  ...[0, 1].map(() => ({
    b: null,
    t: null,
    sm: null,
    i: null,
    big: null,
    f: null,
    d: null,
    dec: null,
    dec_small: null,
    dec_big: null,
    s: null,
    c: null,
    vc: null,
    bin: null,
    dt: null,
    ts: null,
    tags: null,
    nested: null,
    m: null,
    st: null,
    lst: null,
  })),
  {
    b: false,
    t: null,
    sm: null,
    i: null,
    big: null,
    f: null,
    d: null,
    dec: null,
    dec_small: null,
    dec_big: null,
    s: null,
    c: null,
    vc: null,
    bin: null,
    dt: '1969-12-31',
    ts: 1700000000000,
    tags: [],
    nested: [[]],
    m: {},
    st: { x: null, y: null, inner: null },
    lst: [],
  },
];

const VARIANTS = [
  { compression: 'SNAPPY', writerVersion: 'V1', enableDictionaryCompression: false },
  { compression: 'SNAPPY', writerVersion: 'V2', enableDictionaryCompression: true },
  { compression: 'GZIP', writerVersion: 'V1', enableDictionaryCompression: true },
  { compression: 'GZIP', writerVersion: 'V2', enableDictionaryCompression: false },
  { compression: 'UNCOMPRESSED', writerVersion: 'V1', enableDictionaryCompression: true },
  { compression: 'UNCOMPRESSED', writerVersion: 'V2', enableDictionaryCompression: false },
] as const;

describe('convertToParquet round trip', () => {
  it.each(VARIANTS)('every type, null and nesting: %o', async (variant) => {
    const result = await convert(RECORDS, ALL_TYPES, options(variant));
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({ rows: 4, convertedRecords: 4 });
    const path = saveBody(result.body);
    expect(await readWithDuckdb(path, ALL_TYPES)).toEqual(EXPECTED);
    expect(await readWithHyparquet(path, ALL_TYPES)).toEqual(EXPECTED);
    const [meta] = await query(
      `select compression as codec, encodings from parquet_metadata('${path}') where path_in_schema = 's' and row_group_id = 0`,
    );
    expect(meta!.codec).toBe(variant.compression);
    expect(String(meta!.encodings)).toContain(variant.enableDictionaryCompression ? 'DICTIONARY' : 'PLAIN');
  });

  it('keeps the exact digits of decimals wider than a double and of timestamps to the millisecond', async () => {
    const path = saveBody((await convert(RECORDS.slice(0, 1), ALL_TYPES)).body);
    expect(
      await query(
        `select dec_big::VARCHAR as dec_big, dec::VARCHAR as dec, big::VARCHAR as big, strftime(ts, '%Y-%m-%dT%H:%M:%S.%g') as ts from read_parquet('${path}')`,
      ),
    ).toEqual([
      {
        dec_big: '-12345678901234567890.125',
        dec: '12.35',
        big: '9007199254740991',
        ts: '2024-01-02T03:04:05.678',
      },
    ]);
  });

  it('declares the logical types Glue readers expect', async () => {
    const path = saveBody((await convert(RECORDS.slice(0, 1), ALL_TYPES)).body);
    const rows = await query(
      `select name, type, converted_type, logical_type from parquet_schema('${path}') where name in ('t','sm','i','big','dec','dec_small','dec_big','s','c','dt','ts','tags','m')`,
    );
    const byName = Object.fromEntries(rows.map((r) => [r.name, [r.type, r.converted_type]]));
    expect(byName).toEqual({
      t: ['INT32', 'INT_8'],
      sm: ['INT32', 'INT_16'],
      i: ['INT32', 'INT_32'],
      big: ['INT64', 'INT_64'],
      dec: ['INT64', 'DECIMAL'],
      dec_small: ['INT32', 'DECIMAL'],
      dec_big: ['FIXED_LEN_BYTE_ARRAY', 'DECIMAL'],
      s: ['BYTE_ARRAY', 'UTF8'],
      c: ['BYTE_ARRAY', 'UTF8'],
      dt: ['INT32', 'DATE'],
      ts: ['INT64', 'TIMESTAMP_MILLIS'],
      tags: [null, 'LIST'],
      m: [null, 'MAP'],
    });
    const [ts] = rows.filter((r) => r.name === 'ts');
    expect(String(ts!.logical_type)).toMatch(/isAdjustedToUTC=1.*MILLIS|MILLIS.*isAdjustedToUTC=1/);
  });

  it('writes min/max/null_count statistics per column chunk', async () => {
    const schema = schemaOf({
      n: 'int',
      s: 'string',
      d: 'double',
      ts: 'timestamp',
      big: 'bigint',
      b: 'boolean',
    });
    const records = [
      '{"n":5,"s":"pear","d":2.5,"ts":"2024-01-01 00:00:00","big":-7,"b":true}',
      '{"n":-3,"s":"apple","d":null,"ts":"2024-06-01 12:00:00.5","big":10000000000,"b":true}',
      '{"n":null,"s":"zebra","d":-1.25}',
      '{}',
    ];
    const path = saveBody((await convert(records, schema)).body);
    const rows = await query(
      `select path_in_schema as col, stats_min_value as min, stats_max_value as max, stats_null_count as nulls from parquet_metadata('${path}') order by column_id`,
    );
    expect(rows).toEqual([
      { col: 'n', min: '-3', max: '5', nulls: '2' },
      { col: 's', min: 'apple', max: 'zebra', nulls: '1' },
      { col: 'd', min: '-1.25', max: '2.5', nulls: '2' },
      { col: 'ts', min: '2024-01-01 00:00:00+00', max: '2024-06-01 12:00:00.5+00', nulls: '2' },
      { col: 'big', min: '-7', max: '10000000000', nulls: '2' },
      { col: 'b', min: 'true', max: 'true', nulls: '2' },
    ]);
  });

  it('splits pages and row groups without losing or reordering rows', async () => {
    const schema = schemaOf({ id: 'int', name: 'string', tags: 'array<string>' });
    const records = Array.from({ length: 5000 }, (_, i) =>
      JSON.stringify({
        id: i,
        name: `name-${i % 37}`,
        tags: Array.from({ length: i % 4 }, (_, k) => `t${k}`),
      }),
    );
    for (const writerVersion of ['V1', 'V2'] as const) {
      // Options below Firehose's minimums (which only checkDataFormatConversion enforces) force many pages
      // and row groups.
      const opts = options({
        pageSizeBytes: 2048,
        blockSizeBytes: 40_000,
        writerVersion,
        enableDictionaryCompression: true,
      });
      const result = await convert(records, schema, opts);
      const path = saveBody(result.body);
      const [groups] = await query(
        `select count(distinct row_group_id)::INT as groups from parquet_metadata('${path}')`,
      );
      expect(groups!.groups).toBeGreaterThan(3);
      const rows = await readWithDuckdb(path, schema);
      expect(rows.length).toBe(5000);
      expect(rows[4999]).toEqual({ id: 4999, name: `name-${4999 % 37}`, tags: ['t0', 't1', 't2'] });
      expect(rows.map((r) => r.id)).toEqual(records.map((_, i) => i));
      expect(await readWithHyparquet(path, schema)).toEqual(rows);
    }
  });

  it('yields to the event loop while converting a large batch', async () => {
    const schema = schemaOf({ id: 'int', name: 'string' });
    const records = Array.from({ length: 60_000 }, (_, i) =>
      JSON.stringify({ id: i, name: `n${i}`.padEnd(60, 'x') }),
    );
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const result = await convert(records, schema);
    running = false;
    expect(result.rows).toBe(60_000);
    // ~4.5 MB of input: at least one yield per MiB plus one per encoded page.
    expect(ticks).toBeGreaterThanOrEqual(4);
  });
});
