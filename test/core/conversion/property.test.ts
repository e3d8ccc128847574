import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conversionWith, convert, readWithHyparquet, save, schemaOf } from './helpers.ts';

/**
 * Property: for any records of JSON objects fitting the schema (keys in any order or missing, nulls at any level,
 * pretty-printed or compact, several objects per record), the rows read back equal JSON.parse of the input.
 * This pins the byte-level scanner (strings, escapes, numbers) to JSON.parse's results.
 */

const COLUMNS = {
  a: 'int',
  s: 'string',
  l: 'array<struct<x:double,t:array<string>>>',
  m: 'map<string,bigint>',
  st: 'struct<b:boolean,d:date>',
};

const text = fc.string({ unit: 'grapheme', maxLength: 8 });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 4 });
const day = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const row = fc.record(
  {
    a: nullable(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
    s: nullable(text),
    l: nullable(
      fc.array(
        nullable(
          fc.record(
            {
              x: nullable(fc.double({ noNaN: true, noDefaultInfinity: true })),
              t: nullable(fc.array(nullable(text), { maxLength: 3 })),
            },
            { requiredKeys: [] },
          ),
        ),
        { maxLength: 4 },
      ),
    ),
    m: nullable(
      fc.dictionary(
        fc.string({ unit: fc.constantFrom('a', 'b', 'é', '"', '\\'), maxLength: 3 }),
        nullable(fc.maxSafeInteger()),
        { maxKeys: 3 },
      ),
    ),
    st: nullable(fc.record({ b: nullable(fc.boolean()), d: nullable(day) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);
const record = fc.tuple(
  fc.array(fc.tuple(row, fc.boolean()), { minLength: 1, maxLength: 3 }),
  fc.constantFrom('', '\n', ' \r\n'),
);

type Json = Record<string, unknown> | null;

function expected(o: Record<string, unknown>): Record<string, unknown> {
  const v = (x: unknown) => (x === undefined ? null : x);
  const l = o.l as Json[] | null | undefined;
  const st = o.st as Record<string, unknown> | null | undefined;
  const m = o.m as Record<string, number | null> | null | undefined;
  return {
    a: v(o.a),
    s: v(o.s),
    l: l == null ? null : l.map((e) => (e === null ? null : { x: v(e.x), t: v(e.t) })),
    m:
      m == null
        ? null
        : Object.fromEntries(Object.entries(m).map(([k, n]) => [k, n === null ? null : String(n)])),
    st: st == null ? null : { b: v(st.b), d: v(st.d) },
  };
}

describe('conversion property', () => {
  it('reads back what JSON.parse reads, for any fitting records', async () => {
    const schema = schemaOf(COLUMNS);
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 12 }), async (records) => {
        const texts = records.map(([objects, separator]) =>
          objects.map(([o, pretty]) => JSON.stringify(o, null, pretty ? 1 : undefined)).join(separator),
        );
        const result = await convert(texts, schema, conversionWith());
        expect(result.failures).toEqual([]);
        const rows = await readWithHyparquet(save(result.body), schema);
        const want = records.flatMap(([objects]) =>
          objects.map(([o]) => expected(JSON.parse(JSON.stringify(o)))),
        );
        expect(rows).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });
});
