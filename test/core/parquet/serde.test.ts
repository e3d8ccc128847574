import { describe, expect, it } from 'vitest';
import { MALFORMED_DATA, PARSE_ERROR } from '../../../lib/core/parquet/index.ts';
import { decimalOf, splitObjects } from '../../../lib/core/parquet/json-rows.ts';
import {
  compileTimestampFormat,
  hiveTimestampParser,
  parseOpenXTimestamp,
} from '../../../lib/core/parquet/timestamps.ts';
import { convert, options, readWithDuckdb, readWithHyparquet, saveBody, schemaOf } from './read-back.ts';

async function rowsOf(records: string[], columns: Record<string, string>, opts = options()) {
  const schema = schemaOf(columns);
  const result = await convert(records, schema, opts);
  const path = saveBody(result.body);
  const rows = await readWithDuckdb(path, schema);
  expect(await readWithHyparquet(path, schema)).toEqual(rows);
  return { rows, result };
}

describe('OpenXJsonSerDe', () => {
  it('matches keys case-insensitively by default, drops keys outside the schema', async () => {
    const { rows } = await rowsOf(['{"UserId":"a","EXTRA":1,"Nested":{"InNer":2}}'], {
      userid: 'string',
      nested: 'struct<inner:int>',
    });
    expect(rows).toEqual([{ userid: 'a', nested: { inner: 2 } }]);
  });

  it('with CaseInsensitive false only exact keys match', async () => {
    const { rows } = await rowsOf(
      ['{"UserId":"a","userid":"b"}', '{"UserId":"c"}'],
      { userid: 'string' },
      options({ caseInsensitive: false }),
    );
    expect(rows).toEqual([{ userid: 'b' }, { userid: null }]);
  });

  it('applies ColumnToJsonKeyMappings and ConvertDotsInJsonKeysToUnderscores', async () => {
    const opts = options({
      columnToJsonKeyMappings: { ts: 'timestamp' },
      convertDotsInJsonKeysToUnderscores: true,
    });
    const { rows } = await rowsOf(
      ['{"timestamp":"2024-05-06 07:08:09","a.b":1}'],
      { ts: 'timestamp', a_b: 'int' },
      opts,
    );
    expect(rows).toEqual([{ ts: Date.UTC(2024, 4, 6, 7, 8, 9), a_b: 1 }]);
    const { rows: without } = await rowsOf(['{"a.b":1}'], { a_b: 'int' });
    expect(without).toEqual([{ a_b: null }]);
  });

  it('reads numbers and booleans given as strings, stringifies nested JSON for string columns', async () => {
    const { rows } = await rowsOf(
      ['{"i":"42","d":"1.5e2","b":"TRUE","big":"9223372036854775807","s":{"x":[1,2]},"n":7}'],
      {
        i: 'int',
        d: 'double',
        b: 'boolean',
        big: 'bigint',
        s: 'string',
        n: 'string',
      },
    );
    expect(rows).toEqual([{ i: 42, d: 150, b: true, big: '9223372036854775807', s: '{"x":[1,2]}', n: '7' }]);
  });

  it('accepts the documented timestamp forms (§7.2)', async () => {
    const forms = [
      '"2024-01-02T03:04:05Z"',
      '"2024-01-02T03:04:05.123456789Z"',
      '"2024-1-2 03:04:05"',
      '"2024-01-02 03:04:05.1"',
      '1704164645',
      '1704164645123',
      '1704164645.5',
    ];
    const { rows } = await rowsOf(
      forms.map((f) => `{"ts":${f}}`),
      { ts: 'timestamp' },
    );
    const base = Date.UTC(2024, 0, 2, 3, 4, 5);
    expect(rows.map((r) => r.ts)).toEqual([base, base + 123, base, base + 100, base, base + 123, base + 500]);
  });

  it('splits concatenated and newline-separated objects into rows', async () => {
    const { rows, result } = await rowsOf(['{"a":1}{"a":2}', '{"a":3}\n{"a":4}\n', ' {"a":"5"} '], {
      a: 'int',
    });
    expect(rows.map((r) => r.a)).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ rows: 5, convertedRecords: 3, failures: [] });
  });
});

describe('HiveJsonSerDe', () => {
  const hive = (timestampFormats: string[] = []) =>
    options({ deserializer: 'HiveJsonSerDe', timestampFormats });

  it('refuses numeric columns given as JSON strings and nested JSON for strings (§7.2)', async () => {
    const { rows, result } = await rowsOf(
      ['{"a":"123"}', '{"s":{"x":1}}', '{"a":5,"s":"ok","D":"2024-03-04"}'],
      { a: 'int', s: 'string', d: 'date' },
      hive(),
    );
    expect(rows).toEqual([{ a: 5, s: 'ok', d: '2024-03-04' }]);
    expect(result.failures.map((f) => [f.recordIndex, f.errorCode])).toEqual([
      [0, MALFORMED_DATA],
      [1, MALFORMED_DATA],
    ]);
    expect(result.failures[0]!.errorMessage).toBe('column a (int) cannot hold string 123');
  });

  it('parses timestamps with TimestampFormats in order, `millis`, and Timestamp.valueOf by default', async () => {
    const { rows } = await rowsOf(['{"ts":"2024-01-02 03:04:05.250"}'], { ts: 'timestamp' }, hive());
    expect(rows).toEqual([{ ts: Date.UTC(2024, 0, 2, 3, 4, 5, 250) }]);
    const formats = ["yyyy-MM-dd'T'HH:mm:ssZ", 'dd/MM/yyyy HH:mm', 'millis'];
    const { rows: formatted, result } = await rowsOf(
      [
        '{"ts":"2024-01-02T03:04:05+02:00"}',
        '{"ts":"02/01/2024 03:04"}',
        '{"ts":1704164645123}',
        '{"ts":"2024-01-02 03:04:05"}',
      ],
      { ts: 'timestamp' },
      hive(formats),
    );
    expect(formatted.map((r) => r.ts)).toEqual([
      Date.UTC(2024, 0, 2, 1, 4, 5),
      Date.UTC(2024, 0, 2, 3, 4),
      1704164645123,
    ]);
    expect(result.failures.map((f) => f.recordIndex)).toEqual([3]);
  });
});

describe('per-record failures', () => {
  it('reports ParseError and MalformedData per record; failed records add no rows', async () => {
    const records = [
      '{"a":1}',
      '{"a":',
      '[{"a":2}]',
      '',
      '{"a":"abc"}',
      '{"t":1}{"t":300}',
      '{"t":128}',
      '{"a":2147483648}',
      '{"dec":"123456.789"}',
      '{"st":[1]}',
      '{"l":{"x":1}}',
      '{"dt":"2024-02-30"}',
      '{"ts":"yesterday"}',
      '42',
      '{"a":1}x',
      '{"a":9}',
    ];
    const { rows, result } = await rowsOf(records, {
      a: 'int',
      t: 'tinyint',
      dec: 'decimal(5,2)',
      st: 'struct<x:int>',
      l: 'array<int>',
      dt: 'date',
      ts: 'timestamp',
    });
    expect(rows.map((r) => r.a)).toEqual([1, 9]);
    expect(result).toMatchObject({ rows: 2, convertedRecords: 2 });
    expect(result.failures.map((f) => [f.recordIndex, f.errorCode])).toEqual([
      [1, PARSE_ERROR],
      [2, PARSE_ERROR],
      [3, PARSE_ERROR],
      [4, MALFORMED_DATA],
      [5, MALFORMED_DATA],
      [6, MALFORMED_DATA],
      [7, MALFORMED_DATA],
      [8, MALFORMED_DATA],
      [9, MALFORMED_DATA],
      [10, MALFORMED_DATA],
      [11, MALFORMED_DATA],
      [12, MALFORMED_DATA],
      [13, PARSE_ERROR],
      [14, PARSE_ERROR],
    ]);
    expect(result.failures[1]!.errorMessage).toBe(
      'The record must hold JSON objects, found a JSON array (send its objects as separate records).',
    );
    expect(result.failures[5]!.errorMessage).toBe('column t (tinyint) cannot hold number 128');
  });

  it('leaves nothing of a failed record behind for the next one', async () => {
    const opts = options({ deserializer: 'HiveJsonSerDe' });
    const { rows, result } = await rowsOf(
      ['{"a":"1","s":"leak","st":{"x":"2","y":"leak"}}', '{}'],
      {
        a: 'int',
        s: 'string',
        st: 'struct<x:int,y:string>',
      },
      opts,
    );
    expect(result.failures.map((f) => f.recordIndex)).toEqual([0]);
    expect(rows).toEqual([{ a: null, s: null, st: null }]);
  });

  it('returns an empty body when no record converts', async () => {
    const result = await convert(['nope', '{"a":"x"}'], schemaOf({ a: 'int' }));
    expect(result).toEqual({
      body: [],
      rows: 0,
      convertedRecords: 0,
      failures: [
        {
          recordIndex: 0,
          errorCode: PARSE_ERROR,
          errorMessage: 'The record is not valid JSON; it must hold one or more JSON objects.',
        },
        { recordIndex: 1, errorCode: MALFORMED_DATA, errorMessage: 'column a (int) cannot hold string x' },
      ],
    });
  });
});

describe('value parsing', () => {
  it('decimals round half up at their scale and refuse too many digits', () => {
    expect(decimalOf(1.005, false, 5, 2)).toBe(101n);
    expect(decimalOf('-12.345e1', false, 6, 2)).toBe(-12345n);
    expect(decimalOf('0.0049', false, 3, 2)).toBe(0n);
    expect(decimalOf(1e-7, false, 10, 7)).toBe(1n);
    expect(decimalOf(99999.995, false, 7, 2)).toBeUndefined();
    expect(decimalOf('12', true, 5, 2)).toBeUndefined();
    expect(decimalOf('1.2.3', false, 5, 2)).toBeUndefined();
  });

  it('OpenX timestamps reject impossible dates and text it does not document', () => {
    expect(parseOpenXTimestamp('2023-02-29 00:00:00')).toBeUndefined();
    expect(parseOpenXTimestamp('2024-01-02T03:04:05')).toBeUndefined();
    expect(parseOpenXTimestamp('0001-01-01T00:00:00Z')).toBe(-62135596800000);
    expect(parseOpenXTimestamp(true)).toBeUndefined();
  });

  it('Joda patterns: adjacent numeric fields, fractions, offsets; unsupported letters refused', () => {
    expect(compileTimestampFormat('yyyyMMddHHmmss')('20240102030405')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(compileTimestampFormat('yyyy-MM-dd HH:mm:ss.SSS')('2024-01-02 03:04:05.7')).toBe(
      Date.UTC(2024, 0, 2, 3, 4, 5, 700),
    );
    expect(compileTimestampFormat("yyyy-MM-dd'T'HH:mmZ")('2024-01-02T03:04-0130')).toBe(
      Date.UTC(2024, 0, 2, 4, 34),
    );
    expect(() => compileTimestampFormat('MMM dd yyyy')).toThrow(/month names are not supported/);
    expect(() => compileTimestampFormat('hh:mm a')).toThrow(/pattern letter 'h' is not supported/);
    expect(hiveTimestampParser([])(1704164645)).toBeUndefined();
  });

  it('splits records into objects and refuses anything else', () => {
    expect(splitObjects('{"a":"}{"}{"b":[{}]}')).toEqual([{ a: '}{' }, { b: [{}] }]);
    expect(() => splitObjects('{"a":1} [1]')).toThrow(/JSON array/);
    expect(() => splitObjects('  ')).toThrow(/is empty/);
    expect(() => splitObjects('{"a":1}}')).toThrow(/not valid JSON/);
  });
});
