import { describe, expect, it } from 'vitest';
import { compileSchema, parseHiveType } from '../../../lib/core/conversion/index.ts';
import { SluiceError } from '../../../lib/core/errors.ts';

describe('Hive type strings', () => {
  it('parses every type Glue stores, nested arbitrarily, case-insensitively', () => {
    expect(
      parseHiveType('ARRAY< struct<a:INT, `b c`:map<string,decimal(10, 2)>, d:array<varchar(5)>> >', 'x'),
    ).toEqual({
      kind: 'array',
      element: {
        kind: 'struct',
        fields: [
          { name: 'a', type: { kind: 'int' } },
          {
            name: 'b c',
            type: {
              kind: 'map',
              key: { kind: 'string' },
              value: { kind: 'decimal', precision: 10, scale: 2 },
            },
          },
          { name: 'd', type: { kind: 'array', element: { kind: 'varchar', length: 5 } } },
        ],
      },
    });
    for (const type of [
      'boolean',
      'tinyint',
      'smallint',
      'int',
      'bigint',
      'float',
      'double',
      'string',
      'binary',
      'date',
      'timestamp',
    ]) {
      expect(parseHiveType(type, 'x')).toEqual({ kind: type });
    }
    expect(parseHiveType('decimal', 'x')).toEqual({ kind: 'decimal', precision: 10, scale: 0 });
    expect(parseHiveType('char(255)', 'x')).toEqual({ kind: 'char', length: 255 });
  });

  it('names the column and the bad type in its error', () => {
    const bad: [string, RegExp][] = [
      ['strin', /unknown type strin/],
      ['decimal(40,2)', /precision/],
      ['decimal(5,6)', /scale/],
      ['varchar(0)', /length from 1 to 65535/],
      ['char(256)', /length from 1 to 255/],
      ['map<array<int>,int>', /map keys must be of a primitive type/],
      ['uniontype<int,string>', /uniontype is not supported/],
      ['struct<>', /at least one field/],
      ['struct<a:int,A:int>', /appears twice/],
      ['array<int', /expected '>'/],
      ['int>', /unexpected >/],
    ];
    for (const [type, why] of bad) {
      let error: unknown;
      try {
        parseHiveType(type, 'col_1');
      } catch (e) {
        error = e;
      }
      expect(error, type).toBeInstanceOf(SluiceError);
      expect((error as SluiceError).code).toBe('InvalidSchema');
      expect((error as Error).message, type).toContain(`Column col_1 has the type ${type}`);
      expect((error as Error).message, type).toMatch(why);
    }
  });
});

describe('compileSchema', () => {
  it('lays out leaves with their Parquet paths and levels (3-level LIST and MAP)', () => {
    const schema = compileSchema({
      Columns: [
        { Name: 'id', Type: 'bigint' },
        { Name: 'l', Type: 'array<struct<x:int>>' },
        { Name: 'm', Type: 'map<string,array<int>>' },
      ],
    });
    expect(schema.leaves.map((l) => [l.path.join('.'), l.maxDefinitionLevel, l.maxRepetitionLevel])).toEqual([
      ['id', 1, 0],
      ['l.list.element.x', 4, 1],
      ['m.key_value.key', 2, 1],
      ['m.key_value.value.list.element', 5, 2],
    ]);
    expect(schema.elements.map((e) => [e.name, e.repetition, e.numChildren])).toEqual([
      ['schema', undefined, 3],
      ['id', 1, undefined],
      ['l', 1, 1],
      ['list', 2, 1],
      ['element', 1, 1],
      ['x', 1, undefined],
      ['m', 1, 1],
      ['key_value', 2, 2],
      ['key', 0, undefined],
      ['value', 1, 1],
      ['list', 2, 1],
      ['element', 1, undefined],
    ]);
  });

  it('rejects empty tables, nameless and duplicate columns', () => {
    expect(() => compileSchema({ Columns: [] })).toThrow(/no Columns/);
    expect(() => compileSchema({ Columns: [{ Name: '', Type: 'int' }] })).toThrow(/has no Name/);
    expect(() =>
      compileSchema({
        Columns: [
          { Name: 'a', Type: 'int' },
          { Name: 'A', Type: 'string' },
        ],
      }),
    ).toThrow(/appears twice/);
    expect(() => compileSchema({ Columns: [{ Name: 'a', Type: 'integr' }] })).toThrow(
      /Column a has the type integr/,
    );
  });
});
