import type { EncodedChunk } from './column-chunk.ts';
import type { LogicalType, ParquetSchema, SchemaElement } from './schema.ts';
import { ThriftWriter, TType } from './thrift-compact.ts';

/** A column chunk's place in the file. */
export interface PlacedChunk {
  readonly chunk: EncodedChunk;
  /** Absolute file offset of the chunk's first byte. */
  readonly offset: number;
}

export interface RowGroupMetadata {
  readonly rows: number;
  readonly offset: number;
  readonly chunks: readonly PlacedChunk[];
}

const CREATED_BY = 'sluice version 0.1.0 (build format-conversion)';
const textEncoder = new TextEncoder();

/** The Thrift-compact `FileMetaData` (parquet.thrift), written once after the last row group. */
export function fileMetadata(
  schema: ParquetSchema,
  rowGroups: readonly RowGroupMetadata[],
  codec: number,
  writerVersion: 'V1' | 'V2',
): Uint8Array {
  const w = new ThriftWriter();
  w.i32(1, writerVersion === 'V2' ? 2 : 1);
  w.beginList(2, TType.STRUCT, schema.elements.length);
  for (const element of schema.elements) schemaElement(w, element);
  w.i64(
    3,
    rowGroups.reduce((sum, g) => sum + g.rows, 0),
  );
  w.beginList(4, TType.STRUCT, rowGroups.length);
  rowGroups.forEach((group, ordinal) => {
    w.beginElementStruct();
    w.beginList(1, TType.STRUCT, group.chunks.length);
    let uncompressed = 0;
    let compressed = 0;
    group.chunks.forEach(({ chunk, offset }, i) => {
      uncompressed += chunk.uncompressedBytes;
      compressed += chunk.compressedBytes;
      const leaf = schema.leaves[i]!;
      w.beginElementStruct();
      w.i64(2, offset);
      w.beginStruct(3);
      w.i32(1, leaf.physical);
      w.beginList(2, TType.I32, chunk.encodings.length);
      for (const encoding of chunk.encodings) w.elementI32(encoding);
      w.beginList(3, TType.BINARY, leaf.path.length);
      for (const name of leaf.path) w.elementBinary(textEncoder.encode(name));
      w.i32(4, codec);
      w.i64(5, chunk.levelCount);
      w.i64(6, chunk.uncompressedBytes);
      w.i64(7, chunk.compressedBytes);
      w.i64(9, offset + chunk.dataPageOffset);
      if (chunk.dictionaryPageOffset !== undefined) w.i64(11, offset + chunk.dictionaryPageOffset);
      const stats = chunk.statistics;
      w.beginStruct(12);
      w.i64(3, stats.nullCount);
      if (stats.max && stats.min) {
        w.binary(5, stats.max);
        w.binary(6, stats.min);
      }
      w.endStruct();
      w.endStruct();
      w.endStruct();
    });
    w.i64(2, uncompressed);
    w.i64(3, group.rows);
    w.i64(5, group.offset);
    w.i64(6, compressed);
    w.i32(7, ordinal);
    w.endStruct();
  });
  w.string(6, CREATED_BY);
  // TYPE_ORDER for every leaf: readers only trust min_value/max_value when the column order is declared.
  w.beginList(7, TType.STRUCT, schema.leaves.length);
  for (let i = 0; i < schema.leaves.length; i++) {
    w.beginElementStruct();
    w.beginStruct(1);
    w.endStruct();
    w.endStruct();
  }
  return w.finish();
}

function schemaElement(w: ThriftWriter, element: SchemaElement): void {
  w.beginElementStruct();
  if (element.type !== undefined) w.i32(1, element.type);
  if (element.typeLength !== undefined) w.i32(2, element.typeLength);
  if (element.repetition !== undefined) w.i32(3, element.repetition);
  w.string(4, element.name);
  if (element.numChildren !== undefined) w.i32(5, element.numChildren);
  if (element.convertedType !== undefined) w.i32(6, element.convertedType);
  if (element.scale !== undefined) w.i32(7, element.scale);
  if (element.precision !== undefined) w.i32(8, element.precision);
  if (element.logicalType) logicalType(w, element.logicalType);
  w.endStruct();
}

function logicalType(w: ThriftWriter, type: LogicalType): void {
  w.beginStruct(10);
  switch (type.kind) {
    case 'STRING':
      w.beginStruct(1);
      break;
    case 'MAP':
      w.beginStruct(2);
      break;
    case 'LIST':
      w.beginStruct(3);
      break;
    case 'DECIMAL':
      w.beginStruct(5);
      w.i32(1, type.scale);
      w.i32(2, type.precision);
      break;
    case 'DATE':
      w.beginStruct(6);
      break;
    case 'TIMESTAMP':
      w.beginStruct(8);
      w.bool(1, type.isAdjustedToUTC);
      w.beginStruct(2);
      w.beginStruct(2); // TimeUnit.MICROS
      w.endStruct();
      w.endStruct();
      break;
    case 'INTEGER':
      w.beginStruct(10);
      w.fieldByte(1, type.bitWidth);
      w.bool(2, type.isSigned);
      break;
  }
  w.endStruct();
  w.endStruct();
}
