import { describe, expect, it } from 'vitest';
import { conversionWith, query, roundTrip } from './helpers.ts';

/**
 * Every Hive type, null form and nesting shape is written, read back with DuckDB and with hyparquet, and
 * compared value by value with the expected rows.
 */

const ALL_TYPES = {
  b: 'boolean',
  t: 'tinyint',
  s: 'smallint',
  i: 'int',
  l: 'bigint',
  f: 'float',
  d: 'double',
  dec: 'decimal(9,2)',
  dec18: 'decimal(18,4)',
  dec30: 'decimal(30,3)',
  str: 'string',
  c: 'char(3)',
  v: 'varchar(4)',
  day: 'date',
  ts: 'timestamp',
};

describe('round trip through DuckDB and hyparquet', () => {
  it('writes every primitive type', async () => {
    const { duck, hyp, result } = await roundTrip(
      [
        '{"b":true,"t":-128,"s":32767,"i":-2147483648,"l":9007199254740991,"f":1.5,"d":-2.25e-3,"dec":1234567.891,' +
          '"dec18":-12345678901.2345,"dec30":"123456789.125","str":"héllo \\"q\\" \\u00e9\\ud83d\\ude00","c":"abcdef",' +
          '"v":"wxyz12","day":"2024-02-29","ts":"2024-01-02T03:04:05.678Z"}',
        '{"b":false,"t":127,"s":-32768,"i":2147483647,"l":-9223372036854775808,"f":-0.0,"d":1e300,"dec":-0.005,' +
          '"dec18":0,"dec30":-1,"str":"","c":"ab","v":"ü€😀x","day":"1969-12-31","ts":"1969-12-31 23:59:59.999"}',
      ],
      ALL_TYPES,
    );
    expect(result.failures).toEqual([]);
    const expected = [
      {
        b: true,
        t: -128,
        s: 32767,
        i: -2147483648,
        l: '9007199254740991',
        f: 1.5,
        d: -0.00225,
        dec: 1234567.89,
        dec18: -12345678901.2345,
        dec30: 123456789.125,
        str: 'héllo "q" é😀',
        c: 'abc',
        v: 'wxyz',
        day: '2024-02-29',
        ts: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
      },
      {
        b: false,
        t: 127,
        s: -32768,
        i: 2147483647,
        l: '-9223372036854775808',
        f: -0,
        d: 1e300,
        dec: -0.01,
        dec18: 0,
        dec30: -1,
        str: '',
        c: 'ab',
        v: 'ü€😀x',
        day: '1969-12-31',
        ts: -1,
      },
    ];
    expect(duck).toEqual(expected);
    expect(hyp).toEqual(expected);
  });

  it('keeps microseconds, large decimals and binary bytes exactly (checked in SQL)', async () => {
    const { path } = await roundTrip(
      [
        '{"ts":"2024-01-02T03:04:05.123456789Z","dec30":"-98765432109876543210987654.321","bin":"a\\u0000\\u00ff"}',
      ],
      { ts: 'timestamp', dec30: 'decimal(30,3)', bin: 'binary' },
    );
    expect(
      await query(
        `select epoch_us(ts)::VARCHAR as us, dec30::VARCHAR as dec, hex(bin) as bin, typeof(ts) as tstype from read_parquet('${path}')`,
      ),
    ).toEqual([
      {
        us: String(Date.UTC(2024, 0, 2, 3, 4, 5) * 1000 + 123456),
        dec: '-98765432109876543210987654.321',
        bin: '6100C3BF',
        tstype: 'TIMESTAMP WITH TIME ZONE',
      },
    ]);
  });

  it('writes a missing key and JSON null as null, at every level', async () => {
    const columns = { a: 'int', s: 'struct<x:int,y:string>', l: 'array<int>', m: 'map<string,int>' };
    const { duck, hyp } = await roundTrip(
      [
        '{}',
        '{"a":null,"s":null,"l":null,"m":null}',
        '{"s":{},"l":[],"m":{}}',
        '{"s":{"x":null},"l":[null,1,null],"m":{"k":null}}',
      ],
      columns,
    );
    const expected = [
      { a: null, s: null, l: null, m: null },
      { a: null, s: null, l: null, m: null },
      { a: null, s: { x: null, y: null }, l: [], m: {} },
      { a: null, s: { x: null, y: null }, l: [null, 1, null], m: { k: null } },
    ];
    expect(duck).toEqual(expected);
    expect(hyp).toEqual(expected);
  });

  it('writes nested shapes: struct in list, list in struct, map of struct, list of lists, map of lists', async () => {
    const columns = {
      people: 'array<struct<name:string,age:int,tags:array<string>>>',
      doc: 'struct<title:string,authors:array<string>,meta:struct<pages:int,refs:map<string,bigint>>>',
      lookup: 'map<string,struct<n:int,xs:array<double>>>',
      grid: 'array<array<int>>',
      multi: 'map<int,array<string>>',
    };
    const records = [
      JSON.stringify({
        people: [{ name: 'ann', age: 31, tags: ['a', 'b'] }, { name: 'bo', tags: [] }, null, { age: 5 }],
        doc: { title: 'T', authors: ['x', null, 'y'], meta: { pages: 10, refs: { r1: 1, r2: -2 } } },
        lookup: { k1: { n: 1, xs: [1.5, 2.5] }, k2: null, k3: { xs: null } },
        grid: [[1, 2], [], null, [3]],
        multi: { '1': ['one'], '-7': [] },
      }),
      JSON.stringify({ people: [], doc: { meta: null }, lookup: {}, grid: [[]], multi: {} }),
      '{}',
    ];
    const { duck, hyp, result } = await roundTrip(records, columns);
    expect(result.failures).toEqual([]);
    const expected = [
      {
        people: [
          { name: 'ann', age: 31, tags: ['a', 'b'] },
          { name: 'bo', age: null, tags: [] },
          null,
          { name: null, age: 5, tags: null },
        ],
        doc: { title: 'T', authors: ['x', null, 'y'], meta: { pages: 10, refs: { r1: '1', r2: '-2' } } },
        lookup: { k1: { n: 1, xs: [1.5, 2.5] }, k2: null, k3: { n: null, xs: null } },
        grid: [[1, 2], [], null, [3]],
        multi: { '1': ['one'], '-7': [] },
      },
      { people: [], doc: { title: null, authors: null, meta: null }, lookup: {}, grid: [[]], multi: {} },
      { people: null, doc: null, lookup: null, grid: null, multi: null },
    ];
    expect(duck).toEqual(expected);
    expect(hyp).toEqual(expected);
  });

  it('reads back with each Parquet compression and both writer versions, with and without dictionaries', async () => {
    const records = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({
        id: i,
        name: `name-${i % 7}`,
        tags: i % 5 === 0 ? null : Array.from({ length: i % 4 }, (_, k) => `t${k}`),
        s: i % 3 === 0 ? null : { x: i * 1.5, y: i % 2 === 0 ? null : 'odd' },
      }),
    );
    const columns = { id: 'bigint', name: 'string', tags: 'array<string>', s: 'struct<x:double,y:string>' };
    const expected = records.map((r) => {
      const o = JSON.parse(r);
      return {
        id: String(o.id),
        name: o.name,
        tags: o.tags,
        s: o.s === null ? null : { x: o.s.x, y: o.s.y },
      };
    });
    for (const compression of ['SNAPPY', 'GZIP', 'UNCOMPRESSED'] as const) {
      for (const writerVersion of ['V1', 'V2'] as const) {
        for (const enableDictionaryCompression of [true, false]) {
          const conversion = conversionWith(undefined, {
            compression,
            writerVersion,
            enableDictionaryCompression,
          });
          const { duck, hyp, path } = await roundTrip(records, columns, conversion);
          const label = `${compression} ${writerVersion} dictionary=${enableDictionaryCompression}`;
          expect(duck, label).toEqual(expected);
          expect(hyp, label).toEqual(expected);
          const meta = await query(
            `select distinct compression, encodings from parquet_metadata('${path}') where path_in_schema = 'name'`,
          );
          expect(meta, label).toEqual([
            {
              compression,
              encodings: enableDictionaryCompression
                ? writerVersion === 'V1'
                  ? 'PLAIN_DICTIONARY, RLE'
                  : 'RLE_DICTIONARY, RLE, PLAIN'
                : 'PLAIN, RLE',
            },
          ]);
        }
      }
    }
  });

  it('splits pages on row boundaries and row groups by size, and both readers agree', async () => {
    const records = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({
        id: i,
        words: Array.from({ length: i % 9 }, (_, k) => `w${i}-${k}`),
        note: `n${i}`.repeat(5),
      }),
    );
    const columns = { id: 'int', words: 'array<string>', note: 'string' };
    for (const writerVersion of ['V1', 'V2'] as const) {
      // Below Firehose's minimums on purpose, to get many pages and row groups out of little data.
      const conversion = conversionWith(undefined, {
        writerVersion,
        pageSizeBytes: 2048,
        blockSizeBytes: 64 * 1024,
      });
      const { duck, hyp, path } = await roundTrip(records, columns, conversion);
      const expected = records.map((r) => JSON.parse(r));
      expect(duck).toEqual(expected);
      expect(hyp).toEqual(expected);
      const [groups] = await query(
        `select count(distinct row_group_id)::INT as n, sum(row_group_num_rows)::INT as rows from parquet_metadata('${path}') where path_in_schema = 'id'`,
      );
      expect(groups!.n).toBeGreaterThan(3);
      expect(groups!.rows).toBe(3000);
    }
  });
});

describe('MaxPaddingBytes', () => {
  it('starts a row group on the next BlockSizeBytes boundary when the gap is within MaxPaddingBytes', async () => {
    const records = Array.from({ length: 2000 }, (_, i) =>
      JSON.stringify({ id: i, text: `value ${i * 7919}` }),
    );
    const columns = { id: 'int', text: 'string' };
    const block = 4096;
    const starts = async (maxPaddingBytes: number) => {
      const conversion = conversionWith(undefined, { blockSizeBytes: block, maxPaddingBytes });
      const { duck, hyp, path } = await roundTrip(records, columns, conversion);
      expect(duck).toEqual(records.map((r) => JSON.parse(r)));
      expect(hyp).toEqual(duck);
      const rows = await query(
        `select row_group_id as g, min(coalesce(dictionary_page_offset, data_page_offset))::INT as start,
                sum(total_compressed_size)::INT as size
         from parquet_metadata('${path}') group by row_group_id order by row_group_id`,
      );
      return rows.map((r) => ({ start: r.start as number, size: r.size as number }));
    };
    const padded = await starts(block);
    expect(padded.length).toBeGreaterThan(3);
    for (const { start, size } of padded) {
      // Either the row group fits before the next boundary, or it was moved to start on one.
      const fits = Math.floor(start / block) === Math.floor((start + size - 1) / block);
      expect(fits || start % block === 0, `row group at ${start} (${size} bytes)`).toBe(true);
    }
    expect(padded.some(({ start }) => start > 0 && start % block === 0)).toBe(true);
    const unpadded = await starts(0);
    expect(
      unpadded.some(
        ({ start, size }) => Math.floor(start / block) !== Math.floor((start + size - 1) / block),
      ),
    ).toBe(true);
  });
});
