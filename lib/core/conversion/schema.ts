import { SluiceError } from '../errors.ts';
import { type HiveField, type HiveType, hiveTypeName, parseHiveType } from './hive-types.ts';

/** A table of the Glue Data Catalog as format conversion needs it: `StorageDescriptor.Columns` (spec §7.1). */
export interface GlueColumn {
  Name: string;
  Type: string;
  Comment?: string;
}
export interface GlueTable {
  Columns: GlueColumn[];
}

/** Parquet physical types (parquet.thrift `Type`). */
export const Physical = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const;
export type PhysicalType = (typeof Physical)[keyof typeof Physical];

/** How a JSON value becomes a leaf value; the shredder switches on it. */
export const ValueKind = {
  BOOLEAN: 0,
  INT8: 1,
  INT16: 2,
  INT32: 3,
  INT64: 4,
  FLOAT: 5,
  DOUBLE: 6,
  DECIMAL: 7,
  STRING: 8,
  CHAR: 9,
  VARCHAR: 10,
  BINARY: 11,
  DATE: 12,
  TIMESTAMP: 13,
} as const;
export type ValueKindCode = (typeof ValueKind)[keyof typeof ValueKind];

/** One column of the Parquet file: a primitive at the end of a path through structs, lists and maps. */
export interface LeafColumn {
  readonly index: number;
  /** Parquet path, including the `list`/`element` and `key_value`/`key`/`value` levels. */
  readonly path: readonly string[];
  readonly hiveType: HiveType;
  readonly physical: PhysicalType;
  readonly valueKind: ValueKindCode;
  /** Byte width of FIXED_LEN_BYTE_ARRAY decimals. */
  readonly typeLength: number;
  /** char(n)/varchar(n) length, decimal precision/scale; 0 otherwise. */
  readonly length: number;
  readonly precision: number;
  readonly scale: number;
  readonly maxDefinitionLevel: number;
  readonly maxRepetitionLevel: number;
  /** Dotted column name for messages (`a.b` for struct field b of a). */
  readonly displayName: string;
}

/** A node of the compiled schema, shaped for the shredder: levels and leaf ranges precomputed. */
export type SchemaNode = LeafNode | StructNode | ListNode | MapNode;
interface NodeBase {
  readonly name: string;
  readonly hiveType: HiveType;
  /** Definition level of the node's leaves when this node is present (not null). */
  readonly definitionLevel: number;
  /** Leaves under this node: leaves[firstLeaf, endLeaf). */
  readonly firstLeaf: number;
  readonly endLeaf: number;
  readonly displayName: string;
}
export interface LeafNode extends NodeBase {
  readonly kind: 'leaf';
  readonly leaf: LeafColumn;
}
export interface StructNode extends NodeBase {
  readonly kind: 'struct';
  readonly fields: readonly SchemaNode[];
}
export interface ListNode extends NodeBase {
  readonly kind: 'list';
  readonly element: SchemaNode;
  /** Repetition level of the second and later elements. */
  readonly repetitionLevel: number;
}
export interface MapNode extends NodeBase {
  readonly kind: 'map';
  readonly key: LeafNode;
  readonly value: SchemaNode;
  readonly repetitionLevel: number;
}

/** A Parquet `SchemaElement` (parquet.thrift) as the footer writes it. */
export interface SchemaElement {
  readonly name: string;
  readonly type?: PhysicalType;
  readonly typeLength?: number;
  /** 0 REQUIRED, 1 OPTIONAL, 2 REPEATED; absent for the root. */
  readonly repetition?: 0 | 1 | 2;
  readonly numChildren?: number;
  readonly convertedType?: number;
  readonly scale?: number;
  readonly precision?: number;
  readonly logicalType?: LogicalType;
}
export type LogicalType =
  | { readonly kind: 'STRING' | 'MAP' | 'LIST' | 'DATE' }
  | { readonly kind: 'DECIMAL'; readonly scale: number; readonly precision: number }
  | { readonly kind: 'TIMESTAMP'; readonly isAdjustedToUTC: boolean; readonly unit: 'MICROS' }
  | { readonly kind: 'INTEGER'; readonly bitWidth: number; readonly isSigned: boolean };

/** A Glue table compiled once into what the shredder and the Parquet writer need. */
export interface ParquetSchema {
  readonly columns: readonly SchemaNode[];
  readonly root: StructNode;
  readonly leaves: readonly LeafColumn[];
  readonly elements: readonly SchemaElement[];
}

/** parquet.thrift `ConvertedType` values used here. */
const Converted = {
  UTF8: 0,
  MAP: 1,
  LIST: 3,
  DECIMAL: 5,
  DATE: 6,
  TIMESTAMP_MICROS: 10,
  INT_8: 15,
  INT_16: 16,
  INT_32: 17,
  INT_64: 18,
} as const;

/**
 * Compiles the Glue columns into the Parquet schema Sluice writes: every column and struct field OPTIONAL (Hive
 * columns are nullable), lists and maps in the standard three-level LIST/MAP layout, timestamps as
 * INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true), decimals as INT32/INT64/FIXED_LEN_BYTE_ARRAY by precision.
 *
 * Why these representations: spec §7 does not say what Firehose's writer emits (Hive's writer uses INT96 for
 * timestamps, which the Parquet format deprecates). INT64 micros is read as a timestamp by DuckDB, pyarrow,
 * Spark, Trino/Athena and Hive 3, keeps microseconds (text with more fraction digits is truncated), and UTC
 * matches how the spec's `…'Z'` and epoch forms are defined; text without a zone is read as UTC.
 */
export function compileSchema(table: GlueTable): ParquetSchema {
  if (!table || !Array.isArray(table.Columns) || table.Columns.length === 0) {
    throw new SluiceError(
      'InvalidSchema',
      'The Glue table has no Columns; format conversion needs at least one.',
    );
  }
  const fields: HiveField[] = [];
  const seen = new Set<string>();
  for (const [i, column] of table.Columns.entries()) {
    if (typeof column?.Name !== 'string' || column.Name === '') {
      throw new SluiceError('InvalidSchema', `Column ${i} of the Glue table has no Name.`);
    }
    if (typeof column.Type !== 'string') {
      throw new SluiceError('InvalidSchema', `Column ${column.Name} of the Glue table has no Type.`);
    }
    // Glue and Hive column names are case-insensitive and stored in lower case.
    const lower = column.Name.toLowerCase();
    if (seen.has(lower)) throw new SluiceError('InvalidSchema', `Column ${column.Name} appears twice.`);
    seen.add(lower);
    fields.push({ name: column.Name, type: parseHiveType(column.Type, column.Name) });
  }
  const builder = new SchemaBuilder();
  const root = builder.struct('schema', { kind: 'struct', fields }, 0, 0, [], '', true);
  return { columns: root.fields, root, leaves: builder.leaves, elements: builder.elements };
}

class SchemaBuilder {
  readonly leaves: LeafColumn[] = [];
  readonly elements: SchemaElement[] = [];

  node(
    name: string,
    type: HiveType,
    parentDef: number,
    rep: number,
    path: string[],
    display: string,
    repetition: 0 | 1,
  ): SchemaNode {
    // A required node (map keys) adds no definition level.
    const def = parentDef + repetition;
    switch (type.kind) {
      case 'struct':
        return this.struct(name, type, def, rep, path, display, false, repetition);
      case 'array': {
        const firstLeaf = this.leaves.length;
        this.elements.push({
          name,
          repetition,
          numChildren: 1,
          convertedType: Converted.LIST,
          logicalType: { kind: 'LIST' },
        });
        this.elements.push({ name: 'list', repetition: 2, numChildren: 1 });
        const element = this.node(
          'element',
          type.element,
          def + 1,
          rep + 1,
          [...path, name, 'list'],
          `${display}[]`,
          1,
        );
        return {
          kind: 'list',
          name,
          hiveType: type,
          definitionLevel: def,
          firstLeaf,
          endLeaf: this.leaves.length,
          displayName: display,
          element,
          repetitionLevel: rep + 1,
        };
      }
      case 'map': {
        const firstLeaf = this.leaves.length;
        this.elements.push({
          name,
          repetition,
          numChildren: 1,
          convertedType: Converted.MAP,
          logicalType: { kind: 'MAP' },
        });
        this.elements.push({ name: 'key_value', repetition: 2, numChildren: 2 });
        const kvPath = [...path, name, 'key_value'];
        const key = this.node('key', type.key, def + 1, rep + 1, kvPath, `${display}.key`, 0) as LeafNode;
        const value = this.node('value', type.value, def + 1, rep + 1, kvPath, `${display}.value`, 1);
        return {
          kind: 'map',
          name,
          hiveType: type,
          definitionLevel: def,
          firstLeaf,
          endLeaf: this.leaves.length,
          displayName: display,
          key,
          value,
          repetitionLevel: rep + 1,
        };
      }
      default:
        return this.leaf(name, type, def, rep, [...path, name], display, repetition);
    }
  }

  struct(
    name: string,
    type: Extract<HiveType, { kind: 'struct' }>,
    def: number,
    rep: number,
    path: string[],
    display: string,
    root: boolean,
    repetition: 0 | 1 = 1,
  ): StructNode {
    const firstLeaf = this.leaves.length;
    this.elements.push(
      root
        ? { name, numChildren: type.fields.length }
        : { name, repetition, numChildren: type.fields.length },
    );
    const childPath = root ? [] : [...path, name];
    const fields = type.fields.map((field) =>
      this.node(
        field.name,
        field.type,
        def,
        rep,
        childPath,
        display ? `${display}.${field.name}` : field.name,
        1,
      ),
    );
    return {
      kind: 'struct',
      name,
      hiveType: type,
      definitionLevel: def,
      firstLeaf,
      endLeaf: this.leaves.length,
      displayName: display,
      fields,
    };
  }

  leaf(
    name: string,
    type: HiveType,
    def: number,
    rep: number,
    path: string[],
    display: string,
    repetition: 0 | 1,
  ): LeafNode {
    const shape = leafShape(type);
    const leaf: LeafColumn = {
      index: this.leaves.length,
      path,
      hiveType: type,
      physical: shape.physical,
      valueKind: shape.valueKind,
      typeLength: shape.typeLength ?? 0,
      length: type.kind === 'char' || type.kind === 'varchar' ? type.length : 0,
      precision: type.kind === 'decimal' ? type.precision : 0,
      scale: type.kind === 'decimal' ? type.scale : 0,
      maxDefinitionLevel: def,
      maxRepetitionLevel: rep,
      displayName: display,
    };
    this.leaves.push(leaf);
    this.elements.push({
      name,
      type: shape.physical,
      ...(shape.typeLength !== undefined ? { typeLength: shape.typeLength } : {}),
      repetition,
      ...(shape.convertedType !== undefined ? { convertedType: shape.convertedType } : {}),
      ...(type.kind === 'decimal' ? { scale: type.scale, precision: type.precision } : {}),
      ...(shape.logicalType ? { logicalType: shape.logicalType } : {}),
    });
    return {
      kind: 'leaf',
      name,
      hiveType: type,
      definitionLevel: def,
      firstLeaf: leaf.index,
      endLeaf: leaf.index + 1,
      displayName: display,
      leaf,
    };
  }
}

interface LeafShape {
  physical: PhysicalType;
  valueKind: ValueKindCode;
  typeLength?: number;
  convertedType?: number;
  logicalType?: LogicalType;
}

function integer(bits: 8 | 16 | 32 | 64, valueKind: ValueKindCode, convertedType: number): LeafShape {
  return {
    physical: bits === 64 ? Physical.INT64 : Physical.INT32,
    valueKind,
    convertedType,
    logicalType: { kind: 'INTEGER', bitWidth: bits, isSigned: true },
  };
}

const STRING_TYPE: Pick<LeafShape, 'physical' | 'convertedType' | 'logicalType'> = {
  physical: Physical.BYTE_ARRAY,
  convertedType: Converted.UTF8,
  logicalType: { kind: 'STRING' },
};

function leafShape(type: HiveType): LeafShape {
  switch (type.kind) {
    case 'boolean':
      return { physical: Physical.BOOLEAN, valueKind: ValueKind.BOOLEAN };
    case 'tinyint':
      return integer(8, ValueKind.INT8, Converted.INT_8);
    case 'smallint':
      return integer(16, ValueKind.INT16, Converted.INT_16);
    case 'int':
      return integer(32, ValueKind.INT32, Converted.INT_32);
    case 'bigint':
      return integer(64, ValueKind.INT64, Converted.INT_64);
    case 'float':
      return { physical: Physical.FLOAT, valueKind: ValueKind.FLOAT };
    case 'double':
      return { physical: Physical.DOUBLE, valueKind: ValueKind.DOUBLE };
    case 'decimal': {
      const logicalType: LogicalType = { kind: 'DECIMAL', scale: type.scale, precision: type.precision };
      const base = { valueKind: ValueKind.DECIMAL, convertedType: Converted.DECIMAL, logicalType };
      if (type.precision <= 9) return { ...base, physical: Physical.INT32 };
      if (type.precision <= 18) return { ...base, physical: Physical.INT64 };
      return { ...base, physical: Physical.FIXED_LEN_BYTE_ARRAY, typeLength: decimalBytes(type.precision) };
    }
    case 'string':
      return { ...STRING_TYPE, valueKind: ValueKind.STRING };
    case 'char':
      return { ...STRING_TYPE, valueKind: ValueKind.CHAR };
    case 'varchar':
      return { ...STRING_TYPE, valueKind: ValueKind.VARCHAR };
    case 'binary':
      return { physical: Physical.BYTE_ARRAY, valueKind: ValueKind.BINARY };
    case 'date':
      return {
        physical: Physical.INT32,
        valueKind: ValueKind.DATE,
        convertedType: Converted.DATE,
        logicalType: { kind: 'DATE' },
      };
    case 'timestamp':
      return {
        physical: Physical.INT64,
        valueKind: ValueKind.TIMESTAMP,
        convertedType: Converted.TIMESTAMP_MICROS,
        logicalType: { kind: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      };
    default:
      throw new SluiceError('InvalidSchema', `${hiveTypeName(type)} is not a primitive type.`);
  }
}

/** Bytes of the smallest two's-complement integer holding every unscaled value of `precision` digits. */
export function decimalBytes(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (1n << BigInt(8 * bytes - 1) <= max) bytes++;
  return bytes;
}
