import { describe, expect, it } from 'vitest';
import { convertToParquet, MALFORMED_DATA, PARSE_ERROR } from '../../../lib/core/conversion/index.ts';
import { packRecords } from '../../../lib/core/records.ts';
import {
  conversionWith,
  convert,
  hive,
  openX,
  readWithHyparquet,
  roundTrip,
  save,
  schemaOf,
} from './helpers.ts';

/** Deserializer conformance (spec §7.2) and per-record failures (§4.2, §7.4). */

const ms = (iso: string) => Date.parse(iso);

async function rows(records: string[], columns: Record<string, string>, deserializer = openX()) {
  const { duck, hyp, result } = await roundTrip(records, columns, conversionWith(deserializer));
  expect(hyp).toEqual(duck);
  return { rows: duck, failures: result.failures };
}

async function failureOf(record: string, columns: Record<string, string>, deserializer = openX()) {
  const result = await convert([record], schemaOf(columns), conversionWith(deserializer));
  expect(result.body).toEqual([]);
  expect(result.failures).toHaveLength(1);
  return result.failures[0]!;
}

describe('OpenXJsonSerDe', () => {
  it('matches keys case-insensitively by default, and exactly with CaseInsensitive false', async () => {
    const record = '{"NAME":"a","Id":1,"nested":{"X":2}}';
    const columns = { name: 'string', id: 'int', nested: 'struct<x:int>' };
    expect((await rows([record], columns)).rows).toEqual([{ name: 'a', id: 1, nested: { x: 2 } }]);
    expect(
      (await rows([record, '{"name":"b","id":2}'], columns, openX({ CaseInsensitive: false }))).rows,
    ).toEqual([
      { name: null, id: null, nested: { x: null } },
      { name: 'b', id: 2, nested: null },
    ]);
  });

  it('reads a column from the JSON key ColumnToJsonKeyMappings names (and no longer from its own name)', async () => {
    const deserializer = openX({ ColumnToJsonKeyMappings: { ts: 'Timestamp', kind: 'event.type' } });
    const { rows: read } = await rows(
      ['{"timestamp":"2024-01-01T00:00:00Z","event.type":"click","ts":"ignored","kind":"ignored"}'],
      { ts: 'timestamp', kind: 'string' },
      deserializer,
    );
    expect(read).toEqual([{ ts: ms('2024-01-01T00:00:00Z'), kind: 'click' }]);
  });

  it('turns dots in keys into underscores only with ConvertDotsInJsonKeysToUnderscores', async () => {
    const records = ['{"a.b":1,"s":{"x.y":"v"}}'];
    const columns = { a_b: 'int', s: 'struct<x_y:string>' };
    expect((await rows(records, columns, openX({ ConvertDotsInJsonKeysToUnderscores: true }))).rows).toEqual([
      { a_b: 1, s: { x_y: 'v' } },
    ]);
    expect((await rows(records, columns)).rows).toEqual([{ a_b: null, s: { x_y: null } }]);
  });

  it('drops attributes outside the schema, whatever their shape', async () => {
    const { rows: read } = await rows(
      ['{"extra":{"deep":[1,{"x":[true,null,"s\\n"]}]},"a":1,"s":{"b":2,"zz":[]},"more":-1.5e3}'],
      { a: 'int', s: 'struct<b:int>' },
    );
    expect(read).toEqual([{ a: 1, s: { b: 2 } }]);
  });

  it('accepts its timestamp forms: ISO-8601 with Z, SQL text, epoch seconds, epoch millis, floating seconds', async () => {
    const values = [
      '"2024-03-04T05:06:07Z"',
      '"2024-03-04T05:06:07.1Z"',
      '"2024-03-04T05:06:07.123456789Z"',
      '"2024-3-4 05:06:07"',
      '"2024-03-04 05:06:07.25"',
      '1709528767',
      '"1709528767"',
      '1709528767123',
      '"1709528767123"',
      '1709528767.5',
    ];
    const { rows: read, failures } = await rows(
      values.map((v) => `{"ts":${v}}`),
      { ts: 'timestamp' },
    );
    expect(failures).toEqual([]);
    const base = ms('2024-03-04T05:06:07Z');
    expect(read.map((r) => r.ts)).toEqual([
      base,
      base + 100,
      base + 123,
      base,
      base + 250,
      base,
      base,
      base + 123,
      base + 123,
      base + 500,
    ]);
  });

  it('fails records whose timestamps it cannot read, with MalformedData', async () => {
    for (const bad of [
      '"2024-03-04T05:06:07"',
      '"2024-03-04T05:06:07+01:00"',
      '"yesterday"',
      '"2024-13-01 00:00:00"',
      'true',
    ]) {
      const failure = await failureOf(`{"ts":${bad}}`, { ts: 'timestamp' });
      expect(failure.errorCode, bad).toBe(MALFORMED_DATA);
      expect(failure.errorMessage, bad).toContain('column ts (timestamp)');
    }
  });

  it('reads numbers and booleans given as strings, and stores non-strings in string columns as text', async () => {
    const { rows: read } = await rows(
      [
        '{"i":"42","l":"0x10","d":"1.5","b":"TRUE","dec":"3.14159","s1":123,"s2":true,"s3":{"a":[1, 2]},"s4":[1,"x"]}',
      ],
      {
        i: 'int',
        l: 'bigint',
        d: 'double',
        b: 'boolean',
        dec: 'decimal(5,2)',
        s1: 'string',
        s2: 'string',
        s3: 'string',
        s4: 'string',
      },
    );
    expect(read).toEqual([
      {
        i: 42,
        l: '16',
        d: 1.5,
        b: true,
        dec: 3.14,
        s1: '123',
        s2: 'true',
        s3: '{"a":[1, 2]}',
        s4: '[1,"x"]',
      },
    ]);
  });

  it('fails values that do not fit their column with MalformedData naming the column', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['{"a":"abc"}', { a: 'int' }, 'column a (int)'],
      ['{"a":1.5}', { a: 'int' }, 'column a (int)'],
      ['{"a":300}', { a: 'tinyint' }, 'column a (tinyint)'],
      ['{"a":40000}', { a: 'smallint' }, 'column a (smallint)'],
      ['{"a":9223372036854775808}', { a: 'bigint' }, 'column a (bigint)'],
      ['{"a":12345.6}', { a: 'decimal(5,2)' }, 'column a (decimal(5,2))'],
      ['{"a":"maybe"}', { a: 'boolean' }, 'column a (boolean)'],
      ['{"a":"2024-02-30x"}', { a: 'date' }, 'column a (date)'],
      ['{"a":{"x":1}}', { a: 'int' }, 'column a (int)'],
      ['{"a":[1]}', { a: 'struct<x:int>' }, 'column a (struct<x:int>)'],
      ['{"a":{"x":1}}', { a: 'array<int>' }, 'column a (array<int>)'],
      ['{"a":[1]}', { a: 'map<string,int>' }, 'column a (map<string,int>)'],
      ['{"s":{"l":["x"]}}', { s: 'struct<l:array<int>>' }, 'column s.l[] (int)'],
      ['{"m":{"notanint":1}}', { m: 'map<int,int>' }, 'column m.key (int)'],
    ];
    for (const [record, columns, where] of cases) {
      const failure = await failureOf(record, columns);
      expect(failure.errorCode, record).toBe(MALFORMED_DATA);
      expect(failure.errorMessage, record).toContain(where);
    }
  });
});

describe('HiveJsonSerDe', () => {
  it('rejects numbers and booleans given as JSON strings, and nested JSON for string columns', async () => {
    for (const [record, columns] of [
      ['{"a":"123"}', { a: 'int' }],
      ['{"a":"1.5"}', { a: 'double' }],
      ['{"a":"true"}', { a: 'boolean' }],
      ['{"a":"1.50"}', { a: 'decimal(5,2)' }],
      ['{"a":{"b":1}}', { a: 'string' }],
      ['{"a":[1]}', { a: 'string' }],
    ] as const) {
      const failure = await failureOf(record, columns, hive());
      expect(failure.errorCode, record).toBe(MALFORMED_DATA);
    }
  });

  it('still reads numbers for string columns, map keys as their types, and matches keys case-insensitively', async () => {
    const { rows: read } = await rows(
      ['{"S":12.50,"m":{"7":true}}'],
      { s: 'string', m: 'map<int,boolean>' },
      hive(),
    );
    expect(read).toEqual([{ s: '12.50', m: { '7': true } }]);
  });

  it('reads java.sql.Timestamp text by default and rejects OpenX-only forms', async () => {
    const { rows: read } = await rows(['{"ts":"2024-01-02 03:04:05.5"}'], { ts: 'timestamp' }, hive());
    expect(read).toEqual([{ ts: ms('2024-01-02T03:04:05.500Z') }]);
    for (const bad of ['"2024-01-02T03:04:05Z"', '1704164645']) {
      expect((await failureOf(`{"ts":${bad}}`, { ts: 'timestamp' }, hive())).errorCode, bad).toBe(
        MALFORMED_DATA,
      );
    }
  });

  it('tries TimestampFormats in order (Joda patterns and millis), then java.sql.Timestamp text', async () => {
    const formats = [
      "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
      'dd/MM/yyyy HH:mm',
      'MMM d, yyyy h:mm a',
      'yyyyMMddHHmmss',
      'millis',
    ];
    const { rows: read, failures } = await rows(
      [
        '{"ts":"2024-01-02T03:04:05.678+0200"}',
        '{"ts":"2024-01-02T03:04:05.678Z"}',
        '{"ts":"02/01/2024 03:04"}',
        '{"ts":"Jan 2, 2024 3:04 PM"}',
        '{"ts":"20240102030405"}',
        '{"ts":1704164645678}',
        '{"ts":"1704164645678"}',
        '{"ts":"2024-01-02 03:04:05"}',
      ],
      { ts: 'timestamp' },
      hive(formats),
    );
    expect(failures).toEqual([]);
    expect(read.map((r) => r.ts)).toEqual([
      ms('2024-01-02T01:04:05.678Z'),
      ms('2024-01-02T03:04:05.678Z'),
      ms('2024-01-02T03:04:00Z'),
      ms('2024-01-02T15:04:00Z'),
      ms('2024-01-02T03:04:05Z'),
      ms('2024-01-02T03:04:05.678Z'),
      ms('2024-01-02T03:04:05.678Z'),
      ms('2024-01-02T03:04:05Z'),
    ]);
  });

  it("refuses a schema with '.' in a column name", async () => {
    await expect(convert(['{}'], schemaOf({ 'a.b': 'int' }), conversionWith(hive()))).rejects.toThrow(
      /HiveJsonSerDe/,
    );
  });
});

describe('record framing and failures', () => {
  it('accepts concatenated objects, with or without whitespace, as several rows', async () => {
    const { rows: read, failures } = await rows(
      ['{"a":1}{"a":2}', '{"a":3}\n{"a":4}\n', ' \t{"a":5} \r\n {"a":6}'],
      { a: 'int' },
    );
    expect(failures).toEqual([]);
    expect(read.map((r) => r.a)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('fails what is not a sequence of JSON objects with ParseError', async () => {
    const bad = [
      '[{"a":1}]',
      '',
      '   ',
      'null',
      '42',
      '"x"',
      '{"a":1}x',
      '{"a":1',
      '{"a":1,}',
      "{'a':1}",
      '{a:1}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":-}',
      '{"a":"tab\there"}',
      '{"a":"\\x"}',
      '{"a":"\\u12"}',
      '{"a":tru}',
      '{"a":1}{"a":2',
      '{"a":[1,2}',
    ];
    for (const record of bad) {
      const failure = await failureOf(record, { a: 'int' });
      expect(failure.errorCode, JSON.stringify(record)).toBe(PARSE_ERROR);
    }
    expect((await failureOf('[1,2]', { a: 'int' })).errorMessage).toContain('JSON array');
  });

  it('reports ParseError when a record is malformed anywhere, even after a value that does not fit', async () => {
    expect((await failureOf('{"a":"x","b":}', { a: 'int', b: 'int' })).errorCode).toBe(PARSE_ERROR);
    expect((await failureOf('{"a":"x"}{', { a: 'int' })).errorCode).toBe(PARSE_ERROR);
  });

  it('fails a record as a whole: none of its objects become rows, and the rest of the batch converts', async () => {
    const schema = schemaOf({ a: 'int', s: 'struct<l:array<string>>' });
    const result = await convert(
      ['{"a":1,"s":{"l":["keep"]}}', '{"a":2,"s":{"l":["drop"]}}{"a":"x"}', '{"a":3}', '{"s":{"l":["y",5]}}'],
      schema,
      conversionWith(openX({}), {}),
    );
    expect(result.failures.map((f) => [f.recordIndex, f.errorCode])).toEqual([[1, MALFORMED_DATA]]);
    expect(result.rows).toBe(3);
    expect(result.convertedRecords).toBe(3);
    const read = await readWithHyparquet(save(result.body), schema);
    expect(read).toEqual([
      { a: 1, s: { l: ['keep'] } },
      { a: 3, s: null },
      { a: null, s: { l: ['y', '5'] } },
    ]);
  });

  it('numbers failures across runs, counts converted bytes, and writes no file when every record fails', async () => {
    const encoder = new TextEncoder();
    const run = (...records: string[]) => packRecords(records.map((r) => encoder.encode(r)));
    const schema = schemaOf({ a: 'int' });
    const result = await convertToParquet(
      [run('{"a":1}', 'x'), run('{"a":"y"}', '{"a":2}')],
      schema,
      conversionWith(),
    );
    expect(result.failures.map((f) => [f.recordIndex, f.errorCode])).toEqual([
      [1, PARSE_ERROR],
      [2, MALFORMED_DATA],
    ]);
    expect(result.convertedBytes).toBe('{"a":1}'.length + '{"a":2}'.length);
    const none = await convertToParquet([run('x', '[]')], schema, conversionWith());
    expect(none).toMatchObject({ body: [], rows: 0, convertedRecords: 0, convertedBytes: 0 });
    expect(none.failures).toHaveLength(2);
  });

  it('takes the last value of a repeated key, as JSON.parse does', async () => {
    const { rows: read } = await rows(['{"a":1,"s":{"x":1,"x":2},"a":3}', '{"l":[1],"l":[2,3],"a":null}'], {
      a: 'int',
      s: 'struct<x:int>',
      l: 'array<int>',
    });
    expect(read).toEqual([
      { a: 3, s: { x: 2 }, l: null },
      { a: null, s: null, l: [2, 3] },
    ]);
  });

  it('decodes escapes in keys and values, folds non-ASCII keys, and replaces invalid UTF-8', async () => {
    const encoder = new TextEncoder();
    const schema = schemaOf({ a: 'string', é: 'int' });
    const bytes = [
      encoder.encode('{"\\u0061":"\\u00e9\\n\\/","É":7}'),
      Uint8Array.from([...encoder.encode('{"a":"x'), 0xff, ...encoder.encode('y"}')]),
    ];
    const result = await convertToParquet([packRecords(bytes)], schema, conversionWith());
    expect(result.failures).toEqual([]);
    expect(await readWithHyparquet(save(result.body), schema)).toEqual([
      { a: 'é\n/', é: 7 },
      { a: 'x\ufffdy', é: null },
    ]);
  });
});

describe('record boundaries', () => {
  it('never reads past the end of a record into the next one', async () => {
    const schema = schemaOf({ a: 'int', l: 'array<int>', m: 'map<string,int>', x: 'string' });
    const pairs = [
      ['{"a":1', '}'],
      ['{"l":[1', ']}'],
      ['{"m":{"k":1', '}}'],
      ['{"a"', ':1}'],
      ['{"a":', '1}'],
      ['{"x":{"y":[', ']}}'],
      ['{"a":1,', '"x":"y"}'],
    ];
    for (const [first, second] of pairs) {
      const result = await convert([first!, second!], schema, conversionWith());
      expect(
        result.failures.map((f) => [f.recordIndex, f.errorCode]),
        `${first} | ${second}`,
      ).toEqual([
        [0, PARSE_ERROR],
        [1, PARSE_ERROR],
      ]);
    }
  });
});
