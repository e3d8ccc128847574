import type { HiveType, SchemaElement } from './schema.ts';
import type { ColumnStatistics } from './statistics.ts';
import { CompactType, ThriftWriter } from './thrift.ts';

/**
 * parquet.thrift structures Sluice writes, with field ids from apache/parquet-format. Only the fields Sluice
 * fills are modelled.
 */

export const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, RLE_DICTIONARY: 8 } as const;
export const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 } as const;
export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2 } as const;

export type PageHeader =
  | {
      type: typeof PageType.DATA_PAGE;
      uncompressedSize: number;
      compressedSize: number;
      numValues: number;
      encoding: number;
    }
  | {
      type: typeof PageType.DATA_PAGE_V2;
      uncompressedSize: number;
      compressedSize: number;
      numValues: number;
      numNulls: number;
      numRows: number;
      encoding: number;
      definitionLevelsBytes: number;
      repetitionLevelsBytes: number;
      isCompressed: boolean;
    }
  | {
      type: typeof PageType.DICTIONARY_PAGE;
      uncompressedSize: number;
      compressedSize: number;
      numValues: number;
      encoding: number;
    };

export function pageHeaderBytes(header: PageHeader): Uint8Array {
  const w = new ThriftWriter();
  w.i32(1, header.type).i32(2, header.uncompressedSize).i32(3, header.compressedSize);
  if (header.type === PageType.DATA_PAGE) {
    w.struct(5)
      .i32(1, header.numValues)
      .i32(2, header.encoding)
      .i32(3, Encoding.RLE)
      .i32(4, Encoding.RLE)
      .end();
  } else if (header.type === PageType.DICTIONARY_PAGE) {
    w.struct(7).i32(1, header.numValues).i32(2, header.encoding).end();
  } else {
    w.struct(8)
      .i32(1, header.numValues)
      .i32(2, header.numNulls)
      .i32(3, header.numRows)
      .i32(4, header.encoding)
      .i32(5, header.definitionLevelsBytes)
      .i32(6, header.repetitionLevelsBytes)
      .bool(7, header.isCompressed)
      .end();
  }
  w.end();
  return w.out.toBytes();
}

export interface ColumnChunkMeta {
  physical: number;
  encodings: number[];
  path: readonly string[];
  codec: number;
  numValues: number;
  totalUncompressedSize: number;
  totalCompressedSize: number;
  dataPageOffset: number;
  dictionaryPageOffset: number | undefined;
  statistics: ColumnStatistics;
}

export interface RowGroupMeta {
  columns: ColumnChunkMeta[];
  numRows: number;
  fileOffset: number;
  totalByteSize: number;
  totalCompressedSize: number;
}

export const CREATED_BY = 'sluice version 1.0.0 (build sluice)';

export function fileMetaDataBytes(
  version: number,
  elements: readonly SchemaElement[],
  numRows: number,
  rowGroups: readonly RowGroupMeta[],
  leafCount: number,
): Uint8Array {
  const w = new ThriftWriter();
  w.i32(1, version);
  w.listHeader(2, CompactType.STRUCT, elements.length);
  for (const element of elements) writeSchemaElement(w, element);
  w.i64(3, numRows);
  w.listHeader(4, CompactType.STRUCT, rowGroups.length);
  rowGroups.forEach((group, ordinal) => {
    w.begin();
    w.listHeader(1, CompactType.STRUCT, group.columns.length);
    for (const column of group.columns) writeColumnChunk(w, column);
    w.i64(2, group.totalByteSize)
      .i64(3, group.numRows)
      .i64(5, group.fileOffset)
      .i64(6, group.totalCompressedSize);
    w.i16(7, ordinal);
    w.end();
  });
  w.string(6, CREATED_BY);
  // TypeDefinedOrder for every leaf: tells readers min_value/max_value use the logical type's order.
  w.listHeader(7, CompactType.STRUCT, leafCount);
  for (let i = 0; i < leafCount; i++) w.begin().struct(1).end().end();
  w.end();
  return w.out.toBytes();
}

function writeColumnChunk(w: ThriftWriter, column: ColumnChunkMeta): void {
  w.begin();
  w.i64(2, column.dictionaryPageOffset ?? column.dataPageOffset);
  w.struct(3);
  w.i32(1, column.physical);
  w.i32List(2, column.encodings);
  w.stringList(3, column.path);
  w.i32(4, column.codec);
  w.i64(5, column.numValues).i64(6, column.totalUncompressedSize).i64(7, column.totalCompressedSize);
  w.i64(9, column.dataPageOffset);
  if (column.dictionaryPageOffset !== undefined) w.i64(11, column.dictionaryPageOffset);
  const stats = column.statistics;
  w.struct(12);
  w.i64(3, stats.nullCount);
  if (stats.max && stats.min) w.binary(5, stats.max).binary(6, stats.min);
  w.end();
  w.end();
  w.end();
}

/** ConvertedType ids (legacy annotations, still read by older engines such as Hive and Athena v2). */
const Converted = {
  UTF8: 0,
  MAP: 1,
  LIST: 3,
  DECIMAL: 5,
  DATE: 6,
  TIMESTAMP_MILLIS: 9,
  INT_8: 15,
  INT_16: 16,
  INT_32: 17,
  INT_64: 18,
} as const;

function writeSchemaElement(w: ThriftWriter, element: SchemaElement): void {
  w.begin();
  if (element.physical !== undefined) w.i32(1, element.physical);
  if (element.typeLength) w.i32(2, element.typeLength);
  if (element.repetition !== undefined) w.i32(3, element.repetition);
  w.string(4, element.name);
  if (element.physical === undefined) w.i32(5, element.numChildren);
  const annotation = element.annotation;
  if (annotation === 'list') {
    w.i32(6, Converted.LIST).struct(10).struct(3).end().end();
  } else if (annotation === 'map') {
    w.i32(6, Converted.MAP).struct(10).struct(2).end().end();
  } else if (annotation !== undefined) {
    writeLeafAnnotation(w, annotation);
  }
  w.end();
}

function writeLeafAnnotation(w: ThriftWriter, type: HiveType): void {
  const integer = (converted: number, bits: number) => {
    w.i32(6, converted).struct(10).struct(10).byteField(1, bits).bool(2, true).end().end();
  };
  switch (type.kind) {
    case 'tinyint':
      integer(Converted.INT_8, 8);
      return;
    case 'smallint':
      integer(Converted.INT_16, 16);
      return;
    case 'int':
      integer(Converted.INT_32, 32);
      return;
    case 'bigint':
      integer(Converted.INT_64, 64);
      return;
    case 'string':
    case 'char':
    case 'varchar':
      w.i32(6, Converted.UTF8).struct(10).struct(1).end().end();
      return;
    case 'decimal':
      w.i32(6, Converted.DECIMAL).i32(7, type.scale).i32(8, type.precision);
      w.struct(10).struct(5).i32(1, type.scale).i32(2, type.precision).end().end();
      return;
    case 'date':
      w.i32(6, Converted.DATE).struct(10).struct(6).end().end();
      return;
    case 'timestamp':
      // TIMESTAMP(isAdjustedToUTC=true, unit=MILLIS).
      w.i32(6, Converted.TIMESTAMP_MILLIS)
        .struct(10)
        .struct(8)
        .bool(1, true)
        .struct(2)
        .struct(1)
        .end()
        .end()
        .end()
        .end();
      return;
    default:
      return; // boolean, float, double, binary: the physical type says it all
  }
}
