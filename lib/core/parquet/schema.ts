import { bounded, SluiceError } from '../errors.ts';

/**
 * Glue (Hive) column types as Firehose's data format conversion reads them from the table (spec §7.1), and the
 * Parquet leaf columns they shred into. Every Hive column is nullable, so every node is OPTIONAL except the
 * repeated groups of LIST/MAP and a map's key, which Parquet requires.
 */
export type PrimitiveKind =
  | 'boolean'
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'float'
  | 'double'
  | 'string'
  | 'binary'
  | 'date'
  | 'timestamp';

export type HiveType =
  | { readonly kind: PrimitiveKind }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'char' | 'varchar'; readonly length: number }
  | { readonly kind: 'array'; readonly element: HiveType }
  | { readonly kind: 'map'; readonly key: HiveType; readonly value: HiveType }
  | { readonly kind: 'struct'; readonly fields: readonly HiveField[] };

export interface HiveField {
  readonly name: string;
  readonly type: HiveType;
}

/** Parquet physical types, numbered as in parquet.thrift `Type`. */
export const PhysicalType = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const;
export type PhysicalType = (typeof PhysicalType)[keyof typeof PhysicalType];

/** One Parquet leaf column: where its values live in the tree and how they are stored. */
export interface LeafColumn {
  /** Position among the leaves, which is also the column chunk order in a row group. */
  readonly index: number;
  /** Names from the top-level column down, including LIST/MAP's `list`/`element`/`key_value`/`key`/`value`. */
  readonly path: readonly string[];
  readonly type: HiveType;
  readonly physical: PhysicalType;
  /** Byte width of FIXED_LEN_BYTE_ARRAY (large decimals); 0 otherwise. */
  readonly typeLength: number;
  readonly maxDefinitionLevel: number;
  readonly maxRepetitionLevel: number;
}

/** A Parquet SchemaElement of the footer, flattened depth-first as parquet.thrift stores it. */
export interface SchemaElement {
  readonly name: string;
  /** 0 REQUIRED, 1 OPTIONAL, 2 REPEATED; undefined for the root. */
  readonly repetition: 0 | 1 | 2 | undefined;
  readonly numChildren: number;
  /** Leaf only. */
  readonly physical?: PhysicalType;
  readonly typeLength?: number;
  /** The Hive type the element carries a logical/converted type for; undefined for plain groups. */
  readonly annotation?: HiveType | 'list' | 'map';
}

/** A compiled Glue table: its columns, their Parquet leaves and footer schema. Build with `compileSchema`. */
export interface ParquetSchema {
  readonly columns: readonly HiveField[];
  readonly leaves: readonly LeafColumn[];
  readonly elements: readonly SchemaElement[];
}

/** Levels are stored in bytes; nesting this deep is far beyond any real Glue table. */
const MAX_NESTING = 100;

/**
 * Parses the Glue table columns (`{ Columns: [{ Name, Type }] }`, as `glue:GetTable` returns them) into a
 * schema. Type names are case-insensitive as in Hive. Throws SluiceError `InvalidSchema` naming the column and
 * the offending type text.
 */
export function compileSchema(table: {
  readonly Columns: readonly { Name: string; Type: string }[];
}): ParquetSchema {
  const columns = table?.Columns;
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new SluiceError(
      'InvalidSchema',
      'The Glue table has no Columns; give at least one { Name, Type }.',
    );
  }
  const seen = new Set<string>();
  const fields: HiveField[] = columns.map((column, i) => {
    const name = column?.Name;
    if (typeof name !== 'string' || name.length === 0) {
      throw new SluiceError('InvalidSchema', `Column ${i} has no Name.`);
    }
    // Hive column names are case-insensitive; two that differ only by case would collide.
    if (seen.has(name.toLowerCase()))
      throw new SluiceError('InvalidSchema', `Column ${bounded(name)} appears twice.`);
    seen.add(name.toLowerCase());
    if (typeof column.Type !== 'string') {
      throw new SluiceError('InvalidSchema', `Column ${bounded(name)} has no Type string.`);
    }
    return { name, type: parseHiveType(column.Type, name) };
  });
  const leaves: LeafColumn[] = [];
  const elements: SchemaElement[] = [{ name: 'schema', repetition: undefined, numChildren: fields.length }];
  for (const field of fields) addNode(field.name, field.type, 1, [], 0, 0, leaves, elements);
  return { columns: fields, leaves, elements };
}

function addNode(
  name: string,
  type: HiveType,
  repetition: 0 | 1,
  parentPath: readonly string[],
  parentDef: number,
  rep: number,
  leaves: LeafColumn[],
  elements: SchemaElement[],
): void {
  const path = [...parentPath, name];
  const def = parentDef + repetition;
  if (def > MAX_NESTING) throw new SluiceError('InvalidSchema', `Column ${path[0]} is nested too deeply.`);
  switch (type.kind) {
    case 'struct':
      elements.push({ name, repetition, numChildren: type.fields.length });
      for (const field of type.fields) addNode(field.name, field.type, 1, path, def, rep, leaves, elements);
      return;
    case 'array':
      // The standard 3-level LIST: optional group (LIST) { repeated group list { optional element } }.
      elements.push({ name, repetition, numChildren: 1, annotation: 'list' });
      elements.push({ name: 'list', repetition: 2, numChildren: 1 });
      addNode('element', type.element, 1, [...path, 'list'], def + 1, rep + 1, leaves, elements);
      return;
    case 'map':
      // The standard MAP: optional group (MAP) { repeated group key_value { required key; optional value } }.
      elements.push({ name, repetition, numChildren: 1, annotation: 'map' });
      elements.push({ name: 'key_value', repetition: 2, numChildren: 2 });
      addNode('key', type.key, 0, [...path, 'key_value'], def + 1, rep + 1, leaves, elements);
      addNode('value', type.value, 1, [...path, 'key_value'], def + 1, rep + 1, leaves, elements);
      return;
    default: {
      const { physical, typeLength } = physicalOf(type);
      elements.push({ name, repetition, numChildren: 0, physical, typeLength, annotation: type });
      leaves.push({
        index: leaves.length,
        path,
        type,
        physical,
        typeLength,
        maxDefinitionLevel: def,
        maxRepetitionLevel: rep,
      });
    }
  }
}

function physicalOf(type: HiveType): { physical: PhysicalType; typeLength: number } {
  switch (type.kind) {
    case 'boolean':
      return { physical: PhysicalType.BOOLEAN, typeLength: 0 };
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'date':
      return { physical: PhysicalType.INT32, typeLength: 0 };
    case 'bigint':
    case 'timestamp':
      return { physical: PhysicalType.INT64, typeLength: 0 };
    case 'float':
      return { physical: PhysicalType.FLOAT, typeLength: 0 };
    case 'double':
      return { physical: PhysicalType.DOUBLE, typeLength: 0 };
    case 'decimal':
      // Parquet's recommendation: INT32 up to 9 digits, INT64 up to 18, else the fewest bytes that hold 10^p.
      if (type.precision <= 9) return { physical: PhysicalType.INT32, typeLength: 0 };
      if (type.precision <= 18) return { physical: PhysicalType.INT64, typeLength: 0 };
      return { physical: PhysicalType.FIXED_LEN_BYTE_ARRAY, typeLength: decimalBytes(type.precision) };
    default:
      return { physical: PhysicalType.BYTE_ARRAY, typeLength: 0 };
  }
}

/** Smallest two's-complement width holding every unscaled value of `precision` digits. */
export function decimalBytes(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (max >= 1n << BigInt(8 * bytes - 1)) bytes++;
  return bytes;
}

const PRIMITIVES = new Set<string>([
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
]);
const ALIASES: Record<string, PrimitiveKind> = { integer: 'int', real: 'float' };

/** Recursive-descent parser over one Hive type string; `column` names the column in errors. */
export function parseHiveType(text: string, column: string): HiveType {
  let at = 0;
  const fail = (why: string): never => {
    throw new SluiceError(
      'InvalidSchema',
      `Column ${bounded(column)} has an unsupported or malformed Glue type ${bounded(text)}: ${why} (at character ${at}).`,
    );
  };
  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const word = (): string => {
    skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at));
    if (!match) return fail('expected a type name');
    at += match[0].length;
    return match[0];
  };
  const expect = (char: string) => {
    skipSpace();
    if (text[at] !== char) fail(`expected '${char}'`);
    at++;
  };
  const peek = (): string | undefined => {
    skipSpace();
    return text[at];
  };
  const integer = (): number => {
    skipSpace();
    const match = /^\d+/.exec(text.slice(at));
    if (!match) return fail('expected a number');
    at += match[0].length;
    return Number(match[0]);
  };
  const fieldName = (): string => {
    skipSpace();
    if (text[at] === '`') {
      const end = text.indexOf('`', at + 1);
      if (end < 0) fail('unterminated `name`');
      const name = text.slice(at + 1, end);
      at = end + 1;
      return name;
    }
    const match = /^[^:<>,\s`]+/.exec(text.slice(at));
    if (!match) return fail('expected a struct field name');
    at += match[0].length;
    return match[0];
  };
  const type = (depth: number): HiveType => {
    if (depth > MAX_NESTING) fail('nested too deeply');
    const start = at;
    const name = word().toLowerCase();
    const kind = ALIASES[name] ?? name;
    if (PRIMITIVES.has(kind)) return { kind: kind as PrimitiveKind };
    switch (kind) {
      case 'decimal': {
        // Hive's bare `decimal` is decimal(10,0).
        if (peek() !== '(') return { kind: 'decimal', precision: 10, scale: 0 };
        expect('(');
        const precision = integer();
        let scale = 0;
        if (peek() === ',') {
          expect(',');
          scale = integer();
        }
        expect(')');
        if (precision < 1 || precision > 38) fail('decimal precision must be 1 to 38');
        if (scale > precision) fail('decimal scale must not exceed its precision');
        return { kind: 'decimal', precision, scale };
      }
      case 'char':
      case 'varchar': {
        expect('(');
        const length = integer();
        expect(')');
        const max = kind === 'char' ? 255 : 65535;
        if (length < 1 || length > max) fail(`${kind} length must be 1 to ${max}`);
        return { kind, length };
      }
      case 'array': {
        expect('<');
        const element = type(depth + 1);
        expect('>');
        return { kind: 'array', element };
      }
      case 'map': {
        expect('<');
        const key = type(depth + 1);
        if (key.kind === 'array' || key.kind === 'map' || key.kind === 'struct')
          fail('map keys must be primitive');
        expect(',');
        const value = type(depth + 1);
        expect('>');
        return { kind: 'map', key, value };
      }
      case 'struct': {
        expect('<');
        const fields: HiveField[] = [];
        const names = new Set<string>();
        do {
          if (fields.length > 0) expect(',');
          const fieldNameText = fieldName();
          if (names.has(fieldNameText.toLowerCase())) fail(`struct field ${fieldNameText} appears twice`);
          names.add(fieldNameText.toLowerCase());
          expect(':');
          fields.push({ name: fieldNameText, type: type(depth + 1) });
        } while (peek() === ',');
        expect('>');
        return { kind: 'struct', fields };
      }
      default:
        at = start;
        return fail(`unknown type '${name}'`);
    }
  };
  const result = type(0);
  skipSpace();
  if (at !== text.length) fail('unexpected text after the type');
  return result;
}
