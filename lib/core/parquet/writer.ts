import { gzipSync } from 'node:zlib';
import SnappyJS from 'snappyjs';
import { ByteWriter } from './byte-writer.ts';
import { ColumnBuffer } from './column-buffer.ts';
import { buildDictionary, type Dictionary } from './dictionary.ts';
import {
  Codec,
  type ColumnChunkMeta,
  Encoding,
  fileMetaDataBytes,
  type PageHeader,
  PageType,
  pageHeaderBytes,
  type RowGroupMeta,
} from './footer.ts';
import { encodePlain } from './plain.ts';
import { bitWidthOf, encodeHybrid } from './rle.ts';
import type { ParquetSchema } from './schema.ts';
import { statisticsOf } from './statistics.ts';

export interface WriterOptions {
  compression: 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';
  blockSizeBytes: number;
  pageSizeBytes: number;
  enableDictionaryCompression: boolean;
  writerVersion: 'V1' | 'V2';
}

/**
 * Row groups are flushed once their values take this many decoded bytes, or BlockSizeBytes if smaller.
 * Firehose's BlockSizeBytes is at least 64 MiB (§7.3) and defaults to 256 MiB; holding 256 MiB of decoded values
 * (and the parsed JSON behind them) would break Sluice's memory budget, so 64 MiB is the effective size and
 * BlockSizeBytes only lowers it. Readers parallelise by row group either way.
 */
export const MAX_ROW_GROUP_BYTES = 64 * 1024 * 1024;

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"

/**
 * A Parquet file written as a list of byte chunks (no single large buffer): callers append rows to `columns`
 * (see JsonRowReader), report them with `rowsAdded`, and drive `flushRowGroup`/`finish`, which are generators
 * that pause after each page so that the caller can yield to the event loop.
 */
export class ParquetWriter {
  readonly columns: ColumnBuffer[];
  /** The file so far. */
  readonly parts: Uint8Array[] = [MAGIC];
  private offset = MAGIC.length;
  private rows = 0;
  private totalRows = 0;
  private readonly rowGroups: RowGroupMeta[] = [];
  private readonly rowGroupBytes: number;
  private readonly codec: number;
  private readonly page = new ByteWriter(64 * 1024);
  private readonly levels = new ByteWriter(1024);

  constructor(
    readonly schema: ParquetSchema,
    readonly options: WriterOptions,
  ) {
    this.columns = schema.leaves.map((leaf) => new ColumnBuffer(leaf));
    this.rowGroupBytes = Math.min(MAX_ROW_GROUP_BYTES, options.blockSizeBytes);
    this.codec = Codec[options.compression];
  }

  /** Records that `count` rows were appended to the columns. */
  rowsAdded(count: number): void {
    this.rows += count;
  }

  /** Whether the current row group reached its size cap and should be flushed before more rows. */
  rowGroupFull(): boolean {
    let bytes = 0;
    for (const column of this.columns) bytes += column.bytes;
    return bytes >= this.rowGroupBytes;
  }

  /** Encodes the buffered rows as one row group. Yields after each page. */
  *flushRowGroup(): Generator<void> {
    if (this.rows === 0) return;
    const fileOffset = this.offset;
    const chunks: ColumnChunkMeta[] = [];
    let totalByteSize = 0;
    for (const column of this.columns) {
      const meta = yield* this.writeColumnChunk(column);
      chunks.push(meta);
      totalByteSize += meta.totalUncompressedSize;
      column.reset();
    }
    this.rowGroups.push({
      columns: chunks,
      numRows: this.rows,
      fileOffset,
      totalByteSize,
      totalCompressedSize: this.offset - fileOffset,
    });
    this.totalRows += this.rows;
    this.rows = 0;
  }

  /** Flushes the last row group and appends the footer; `parts` is then the complete file. */
  *finish(): Generator<void> {
    yield* this.flushRowGroup();
    const footer = fileMetaDataBytes(
      this.options.writerVersion === 'V2' ? 2 : 1,
      this.schema.elements,
      this.totalRows,
      this.rowGroups,
      this.schema.leaves.length,
    );
    const tail = new Uint8Array(8);
    new DataView(tail.buffer).setInt32(0, footer.length, true);
    tail.set(MAGIC, 4);
    this.emit(footer);
    this.emit(tail);
  }

  private emit(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.offset += bytes.length;
  }

  private *writeColumnChunk(column: ColumnBuffer): Generator<void, ColumnChunkMeta> {
    const leaf = column.leaf;
    const v2 = this.options.writerVersion === 'V2';
    const start = this.offset;
    const dictionary = this.options.enableDictionaryCompression
      ? buildDictionary(column, Math.max(this.options.pageSizeBytes, 64 * 1024))
      : undefined;
    let dictionaryPageOffset: number | undefined;
    let uncompressedTotal = 0;
    const encodings = new Set<number>([Encoding.RLE]);
    if (dictionary) {
      dictionaryPageOffset = this.offset;
      this.page.reset();
      encodePlain(leaf, dictionary.values, 0, dictionary.size, this.page);
      // parquet-format: V1 files mark dictionary pages PLAIN_DICTIONARY, V2 files PLAIN.
      const encoding = v2 ? Encoding.PLAIN : Encoding.PLAIN_DICTIONARY;
      uncompressedTotal += this.writePage(this.page.written(), {
        type: PageType.DICTIONARY_PAGE,
        numValues: dictionary.size,
        encoding,
      });
      encodings.add(encoding);
      yield;
    }
    const dataPageOffset = this.offset;
    const valueEncoding = dictionary
      ? v2
        ? Encoding.RLE_DICTIONARY
        : Encoding.PLAIN_DICTIONARY
      : Encoding.PLAIN;
    encodings.add(valueEncoding);
    const n = column.levelCount;
    const maxDef = leaf.maxDefinitionLevel;
    const maxRep = leaf.maxRepetitionLevel;
    const defs = column.definitionLevels;
    const reps = column.repetitionLevels;
    // Pages hold roughly PageSizeBytes of decoded values and always end at a row boundary (V2 requires it).
    const bytesPerEntry = n === 0 ? 1 : Math.max(1, column.bytes / n);
    const entriesPerPage = Math.max(1, Math.floor(this.options.pageSizeBytes / bytesPerEntry));
    let entry = 0;
    let value = 0;
    while (entry < n) {
      let end = Math.min(n, entry + entriesPerPage);
      if (maxRep > 0) while (end < n && reps[end] !== 0) end++;
      let values = 0;
      for (let i = entry; i < end; i++) if (defs[i] === maxDef) values++;
      let rows = end - entry;
      if (maxRep > 0) {
        rows = 0;
        for (let i = entry; i < end; i++) if (reps[i] === 0) rows++;
      }
      uncompressedTotal += this.writeDataPage(
        column,
        dictionary,
        entry,
        end,
        value,
        value + values,
        rows,
        valueEncoding,
      );
      entry = end;
      value += values;
      yield;
    }
    return {
      physical: leaf.physical,
      encodings: [...encodings],
      path: leaf.path,
      codec: this.codec,
      numValues: n,
      totalUncompressedSize: uncompressedTotal,
      totalCompressedSize: this.offset - start,
      dataPageOffset,
      dictionaryPageOffset,
      statistics: statisticsOf(column),
    };
  }

  /** One data page of level entries [from, to) and values [valueFrom, valueTo). Returns its uncompressed size. */
  private writeDataPage(
    column: ColumnBuffer,
    dictionary: Dictionary | undefined,
    from: number,
    to: number,
    valueFrom: number,
    valueTo: number,
    rows: number,
    encoding: number,
  ): number {
    const leaf = column.leaf;
    const page = this.page;
    const levels = this.levels;
    const v2 = this.options.writerVersion === 'V2';
    page.reset();
    levels.reset();
    let repetitionBytes = 0;
    let definitionBytes = 0;
    // V1 prefixes each level run with its 4-byte length and compresses levels with the values; V2 keeps the
    // levels uncompressed ahead of the (compressed) values, with their lengths in the header.
    if (leaf.maxRepetitionLevel > 0) {
      const before = levels.length;
      if (!v2) levels.int32(0);
      encodeHybrid(column.repetitionLevels, from, to, bitWidthOf(leaf.maxRepetitionLevel), levels);
      repetitionBytes = levels.length - before;
      if (!v2) levels.setInt32At(before, repetitionBytes - 4);
    }
    if (leaf.maxDefinitionLevel > 0) {
      const before = levels.length;
      if (!v2) levels.int32(0);
      encodeHybrid(column.definitionLevels, from, to, bitWidthOf(leaf.maxDefinitionLevel), levels);
      definitionBytes = levels.length - before;
      if (!v2) levels.setInt32At(before, definitionBytes - 4);
    }
    if (dictionary) {
      const width = bitWidthOf(Math.max(0, dictionary.size - 1));
      page.byte(width);
      encodeHybrid(dictionary.indices, valueFrom, valueTo, width, page);
    } else {
      encodePlain(leaf, column, valueFrom, valueTo, page);
    }
    const numValues = to - from;
    if (!v2) {
      levels.append(page.written());
      return this.writePage(levels.written(), { type: PageType.DATA_PAGE, numValues, encoding });
    }
    const values = page.written();
    const compressed = this.compress(values);
    const header: PageHeader = {
      type: PageType.DATA_PAGE_V2,
      uncompressedSize: levels.length + values.length,
      compressedSize: levels.length + compressed.length,
      numValues,
      numNulls: numValues - (valueTo - valueFrom),
      numRows: rows,
      encoding,
      definitionLevelsBytes: definitionBytes,
      repetitionLevelsBytes: repetitionBytes,
      isCompressed: this.codec !== Codec.UNCOMPRESSED,
    };
    const headerBytes = pageHeaderBytes(header);
    this.emit(headerBytes);
    this.emit(levels.toBytes());
    this.emit(compressed === values ? values.slice() : compressed);
    return headerBytes.length + header.uncompressedSize;
  }

  /** Compresses and appends a V1 data page or a dictionary page; returns header + uncompressed size. */
  private writePage(
    body: Uint8Array,
    page: {
      type: typeof PageType.DATA_PAGE | typeof PageType.DICTIONARY_PAGE;
      numValues: number;
      encoding: number;
    },
  ): number {
    const compressed = this.compress(body);
    const headerBytes = pageHeaderBytes({
      ...page,
      uncompressedSize: body.length,
      compressedSize: compressed.length,
    });
    this.emit(headerBytes);
    this.emit(compressed === body ? body.slice() : compressed);
    return headerBytes.length + body.length;
  }

  /** The page codec; returns `bytes` itself when uncompressed (the caller copies it out of the scratch buffer). */
  private compress(bytes: Uint8Array): Uint8Array {
    if (this.codec === Codec.SNAPPY) return SnappyJS.compress(bytes);
    if (this.codec === Codec.GZIP) return new Uint8Array(gzipSync(bytes));
    return bytes;
  }
}
