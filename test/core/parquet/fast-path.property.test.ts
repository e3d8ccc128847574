import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnBuffer } from '../../../lib/core/parquet/column-buffer.ts';
import { JsonRowReader, RecordConversionError } from '../../../lib/core/parquet/json-rows.ts';
import type { ConversionOptions } from '../../../lib/core/parquet/options.ts';
import type { ParquetSchema } from '../../../lib/core/parquet/schema.ts';
import { options, schemaOf } from './read-back.ts';

/**
 * The byte-level fast path (json-bytes.ts) must shred exactly what the JSON.parse path does, and defer to it for
 * everything else. Random records are converted both ways and the column buffers compared byte for byte.
 */
const SCHEMA = schemaOf({
  i: 'int',
  t: 'tinyint',
  big: 'bigint',
  d: 'double',
  f: 'float',
  dec: 'decimal(9,2)',
  dec18: 'decimal(18,4)',
  s: 'string',
  vc: 'varchar(3)',
  b: 'boolean',
  dt: 'date',
  ts: 'timestamp',
  tags: 'array<string>',
  st: 'struct<x:int,l:array<struct<y:double>>>',
  m: 'map<string,int>',
});

const numberText = fc.oneof(
  fc.integer({ min: -3000000000, max: 3000000000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom(
    '0',
    '-0',
    '1.0',
    '1e2',
    '1E-2',
    '0.5',
    '12.345',
    '-0.005',
    '99999999.995',
    '1234567890123456789',
    '0.1234567890123456789',
    '00',
    '1.',
    '-',
  ),
);
const stringText = fc.oneof(
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
  fc.constantFrom(
    '"a\\"b"',
    '"\\u00e9"',
    '"héllo"',
    '"𝄞x"',
    '"abc"',
    '"abcd"',
    '"\\n"',
    '"2024-02-29"',
    '"2023-02-29"',
    '"2024-1-2"',
  ),
);
const timestampText = fc.constantFrom(
  '"2024-01-02T03:04:05Z"',
  '"2024-01-02T03:04:05.123456789Z"',
  '"2024-01-02T03:04:05.1234567890Z"',
  '"2024-01-02 03:04:05"',
  '"2024-01-02 03:04:05.5"',
  '"2024-01-02T03:04:05"',
  '"2024-1-2 03:04:05"',
  '"2024-13-02 03:04:05"',
  '" 2024-01-02 03:04:05"',
  '1704164645',
  '1704164645123',
  '1704164645.5',
  '"1704164645"',
);
const scalarText = fc.oneof(numberText, stringText, timestampText, fc.constantFrom('true', 'false', 'null'));
const valueText: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarText,
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(fc.constantFrom('x', 'X', 'l', 'y', 'k', 'z'), tie('value')), { maxLength: 3 })
      .map((entries) => `{${entries.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
  ),
})).value as fc.Arbitrary<string>;
const KEYS = [
  'i',
  't',
  'big',
  'd',
  'f',
  'dec',
  'dec18',
  's',
  'vc',
  'b',
  'dt',
  'ts',
  'tags',
  'st',
  'm',
  'I',
  'TS',
  'extra',
  'e\\u0078',
];
const objectText = fc
  .array(fc.tuple(fc.constantFrom(...KEYS), valueText, fc.constantFrom('', ' ', '\n')), { maxLength: 8 })
  .map((entries) => `{${entries.map(([k, v, ws]) => `${ws}"${k}"${ws}:${ws}${v}`).join(',')}}`);
const recordText = fc.oneof(
  objectText,
  fc.array(objectText, { minLength: 1, maxLength: 3 }).map((objects) => objects.join('\n')),
  objectText.map((o) => o.slice(0, Math.max(1, o.length - 2))),
  objectText.map((o) => ` ${o} `),
  fc.constantFrom('[{"i":1}]', '', '  ', '{"i":1}x', '{"i":1}}', '42', '"s"'),
);

type Outcome = number | [string, string];

function run(records: readonly string[], opts: ConversionOptions, schema: ParquetSchema, fast: boolean) {
  const columns = schema.leaves.map((leaf) => new ColumnBuffer(leaf));
  const reader = new JsonRowReader(schema, columns, opts);
  const encoder = new TextEncoder();
  const parts = records.map((r) => encoder.encode(r));
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const ends: number[] = [];
  let at = 0;
  for (const part of parts) {
    data.set(part, at);
    at += part.length;
    ends.push(at);
  }
  reader.setRun(data);
  const outcomes: Outcome[] = records.map((record, i) => {
    try {
      return fast ? reader.readRecordAt(i === 0 ? 0 : ends[i - 1]!, ends[i]!) : reader.readRecord(record);
    } catch (error) {
      if (!(error instanceof RecordConversionError)) throw error;
      return [error.errorCode, error.message];
    }
  });
  const state = columns.map((c) => ({
    levels: [...c.definitionLevels.subarray(0, c.levelCount)],
    repetitions: c.leaf.maxRepetitionLevel > 0 ? [...c.repetitionLevels.subarray(0, c.levelCount)] : [],
    int32: [...c.int32.subarray(0, c.int32.length ? c.valueCount : 0)],
    int64: [...c.int64.subarray(0, c.int64.length ? c.valueCount : 0)].map(String),
    float32: [...c.float32.subarray(0, c.float32.length ? c.valueCount : 0)],
    float64: [...c.float64.subarray(0, c.float64.length ? c.valueCount : 0)],
    bools: [...c.bools.subarray(0, c.bools.length ? c.valueCount : 0)],
    bytes: [...c.byteData.subarray(0, c.byteLength)],
    ends: [...c.byteEnds.subarray(0, c.byteEnds.length ? c.valueCount : 0)],
    bigints: c.bigints.slice(0, c.valueCount).map(String),
  }));
  return { outcomes, state };
}

describe('byte-level fast path', () => {
  for (const [name, opts] of [
    ['OpenXJsonSerDe', options()],
    ['OpenXJsonSerDe, case-sensitive', options({ caseInsensitive: false })],
    ['HiveJsonSerDe', options({ deserializer: 'HiveJsonSerDe' })],
  ] as const) {
    it(`converts exactly like the JSON.parse path (${name})`, () => {
      fc.assert(
        fc.property(fc.array(recordText, { minLength: 1, maxLength: 6 }), (records) => {
          const fast = run(records, opts, SCHEMA, true);
          const slow = run(records, opts, SCHEMA, false);
          expect(fast.outcomes).toEqual(slow.outcomes);
          expect(fast.state).toEqual(slow.state);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('takes the fast path for plain records (the slow path is not just always used)', () => {
    const schema = schemaOf({ i: 'int', s: 'string', ts: 'timestamp' });
    const columns = schema.leaves.map((leaf) => new ColumnBuffer(leaf));
    const reader = new JsonRowReader(schema, columns, options());
    const record = new TextEncoder().encode('{"i":1,"s":"x","ts":"2024-01-02T03:04:05Z"}');
    reader.setRun(record);
    const fast = (reader as unknown as { fast: { readRecord(s: number, e: number): number } }).fast;
    expect(fast.readRecord(0, record.length)).toBe(1);
    expect(fast.readRecord(0, record.length - 1)).toBe(-1);
  });
});
