import { gzipSync } from 'node:zlib';
import { SnappyCompressor } from '../compression/snappy-compressor.ts';
import { yieldToEventLoop } from '../compression/yield-to-event-loop.ts';
import { ByteSink } from './byte-sink.ts';
import type { ColumnData } from './column-data.ts';
import type { ParquetSerDeOptions } from './config.ts';
import { buildDictionary, type Dictionary } from './dictionary.ts';
import { bitWidthOf, writeBitPackedBooleans, writeRleHybrid, writeRleRun } from './rle.ts';
import { Physical } from './schema.ts';
import { type ColumnStatistics, columnStatistics } from './statistics.ts';
import { ThriftWriter } from './thrift-compact.ts';

/** parquet.thrift enums used here. */
export const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, RLE_DICTIONARY: 8 } as const;
export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2 } as const;
const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 } as const;

// PLAIN copies typed arrays' memory as is, which is Parquet's little-endian layout only on little-endian hosts.
if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1)
  throw new Error('Sluice writes Parquet on little-endian hosts only');

/** A column chunk ready to be placed in the file; offsets are relative to the chunk's first byte. */
export interface EncodedChunk {
  readonly pieces: Uint8Array[];
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  readonly dictionaryPageOffset: number | undefined;
  readonly dataPageOffset: number;
  readonly levelCount: number;
  readonly encodings: readonly number[];
  readonly statistics: ColumnStatistics;
}

/**
 * Pages whose sample SNAPPY cannot shrink below 90% (random doubles, timestamps, unique ids) are written as a
 * SNAPPY block made of one literal: valid SNAPPY for every reader, a copy instead of a compression that would
 * save little. snappyjs compresses near-incompressible data at only ~100 MB/s, a tenth of the end-to-end budget.
 */
const SNAPPY_SAMPLE_BYTES = 64 * 1024;
const SNAPPY_MIN_RATIO = 0.9;

/** A raw SNAPPY block holding `raw` as a single literal: length preamble, tag 63<<2, 4-byte length - 1, bytes. */
function snappyLiteral(raw: Uint8Array): Uint8Array {
  const preamble: number[] = [];
  let v = raw.length;
  while (v >= 0x80) {
    preamble.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  preamble.push(v);
  if (raw.length === 0) return Uint8Array.from(preamble);
  const out = new Uint8Array(preamble.length + 5 + raw.length);
  out.set(preamble, 0);
  let at = preamble.length;
  const n = raw.length - 1;
  out[at++] = 63 << 2;
  out[at++] = n & 0xff;
  out[at++] = (n >>> 8) & 0xff;
  out[at++] = (n >>> 16) & 0xff;
  out[at++] = n >>> 24;
  out.set(raw, at);
  return out;
}

/** Page bytes encoded between two yields to the event loop. */
const YIELD_EVERY_PAGE_BYTES = 2 * 1024 * 1024;

/** The levels and values one data page covers: entries [firstEntry, entry), values [firstValue, value). */
class PageSpan {
  firstEntry = 0;
  entry = 0;
  firstValue = 0;
  value = 0;
  rows = 0;
}

/** The pages of a column chunk as they are written, with the sizes its metadata reports. */
class ChunkPieces {
  readonly pieces: Uint8Array[] = [];
  compressedBytes = 0;
  uncompressedBytes = 0;

  push(header: Uint8Array, body: Uint8Array, uncompressedBody: number): void {
    this.pieces.push(header, body);
    this.compressedBytes += header.length + body.length;
    this.uncompressedBytes += header.length + uncompressedBody;
  }
}

/**
 * Encodes one column of a row group into pages: an optional dictionary page (when enabled and smaller than
 * PLAIN), then data pages of about PageSizeBytes (v1 `DATA_PAGE` or v2 `DATA_PAGE_V2` per WriterVersion),
 * each starting on a row boundary, with RLE/bit-packed levels and the chosen codec.
 *
 * The work is split into small synchronous steps under a short async loop. A process's first large conversion
 * runs paths that small ones never reach (several pages per chunk, several row groups); when they sat in one big
 * async function, reaching them deoptimised it and V8 recompiled all of it, ~60 ms each time on the one core
 * that also does the conversion. Small steps are optimised, and when needed recompiled, one by one.
 */
export class ColumnChunkEncoder {
  private readonly page = new ByteSink(1 << 20);
  private readonly levels = new ByteSink(64 * 1024);
  private readonly header = new ThriftWriter();
  private readonly span = new PageSpan();
  private readonly snappy = new SnappyCompressor();
  private readonly codec: number;
  private readonly v2: boolean;
  private bytesSinceYield = 0;
  /** Whether SNAPPY shrinks this column chunk's data pages enough to spend the time; decided on a sample. */
  private snappyWorthIt: boolean | undefined;

  constructor(private readonly options: ParquetSerDeOptions) {
    this.codec = Codec[options.compression];
    this.v2 = options.writerVersion === 'V2';
  }

  async encode(column: ColumnData): Promise<EncodedChunk> {
    this.snappyWorthIt = undefined;
    const dictionary = this.chooseDictionary(column);
    const statistics = columnStatistics(column, dictionary);
    const chunk = new ChunkPieces();
    if (dictionary) this.dictionaryPage(column, dictionary, chunk);
    const dataPageOffset = chunk.compressedBytes;
    const valueEncoding = dictionary
      ? this.v2
        ? Encoding.RLE_DICTIONARY
        : Encoding.PLAIN_DICTIONARY
      : Encoding.PLAIN;
    const indexWidth = dictionary ? indexWidthOf(dictionary) : 0;
    const fixedWidth = dictionary ? indexWidth / 8 : column.valueWidth;
    const pageLimit = this.options.pageSizeBytes;
    // A flat column without nulls has one value per entry and row: pages are cut by count, levels are one run.
    const dense =
      column.leaf.maxRepetitionLevel === 0 && column.valueCount === column.levelCount && fixedWidth > 0;
    const valuesPerPage = dense ? Math.max(1, Math.ceil(pageLimit / fixedWidth)) : 0;
    const span = this.span;
    span.entry = 0;
    span.value = 0;
    do {
      if (dense) nextDensePage(span, column.levelCount, valuesPerPage);
      else nextPage(span, column, fixedWidth, pageLimit);
      const uncompressedBody = this.dataPage(column, dictionary, indexWidth, valueEncoding, dense, chunk);
      this.bytesSinceYield += uncompressedBody;
      if (this.bytesSinceYield >= YIELD_EVERY_PAGE_BYTES) {
        this.bytesSinceYield = 0;
        await yieldToEventLoop();
      }
    } while (span.entry < column.levelCount);
    return {
      pieces: chunk.pieces,
      compressedBytes: chunk.compressedBytes,
      uncompressedBytes: chunk.uncompressedBytes,
      dictionaryPageOffset: dictionary ? 0 : undefined,
      dataPageOffset,
      levelCount: column.levelCount,
      encodings: dictionary
        ? [valueEncoding, Encoding.RLE, ...(this.v2 ? [Encoding.PLAIN] : [])]
        : [Encoding.PLAIN, Encoding.RLE],
      statistics,
    };
  }

  /** The chunk's dictionary when enabled and it pays for itself, as parquet-mr decides after its first page. */
  private chooseDictionary(column: ColumnData): Dictionary | undefined {
    if (!this.options.enableDictionaryCompression) return undefined;
    const dictionary = buildDictionary(column, this.options.pageSizeBytes);
    if (!dictionary) return undefined;
    const plainBytes = column.valueCount * (column.valueWidth || 4) + column.byteLength;
    if (dictionary.plainBytes + (column.valueCount * indexWidthOf(dictionary)) / 8 >= plainBytes)
      return undefined;
    return dictionary;
  }

  private dictionaryPage(column: ColumnData, dictionary: Dictionary, chunk: ChunkPieces): void {
    this.page.reset();
    this.plainValues(column, dictionary.firstValue, 0, dictionary.size);
    const raw = this.page.view();
    const body = this.compress(raw);
    const h = this.header;
    h.reset();
    h.i32(1, PageType.DICTIONARY_PAGE);
    h.i32(2, raw.length);
    h.i32(3, body.length);
    h.beginStruct(7);
    h.i32(1, dictionary.size);
    h.i32(2, this.v2 ? Encoding.PLAIN : Encoding.PLAIN_DICTIONARY);
    h.endStruct();
    chunk.push(h.finish(), body, raw.length);
    // The data pages (dictionary indices) compress differently from the dictionary's values.
    this.snappyWorthIt = undefined;
  }

  /** Writes the data page of `this.span` into `chunk`; returns its uncompressed body size. */
  private dataPage(
    column: ColumnData,
    dictionary: Dictionary | undefined,
    indexWidth: number,
    valueEncoding: number,
    dense: boolean,
    chunk: ChunkPieces,
  ): number {
    const { firstEntry, entry, firstValue, value, rows } = this.span;
    const leaf = column.leaf;
    const v2 = this.v2;
    const count = entry - firstEntry;
    // Levels: v1 pages prefix each level stream with its length and compress them with the values; v2 pages
    // keep them uncompressed in front of the values and give their lengths in the header.
    this.levels.reset();
    let repLength = 0;
    if (leaf.maxRepetitionLevel > 0) {
      if (!v2) this.levels.uint32(0);
      const start = this.levels.length;
      writeRleHybrid(
        this.levels,
        column.repetitionLevels,
        firstEntry,
        entry,
        bitWidthOf(leaf.maxRepetitionLevel),
      );
      repLength = this.levels.length - start;
      if (!v2) this.levels.uint32At(start - 4, repLength);
    }
    let defLength = 0;
    const maxDef = leaf.maxDefinitionLevel;
    if (maxDef > 0) {
      if (!v2) this.levels.uint32(0);
      const start = this.levels.length;
      if (dense) writeRleRun(this.levels, maxDef, count, bitWidthOf(maxDef));
      else writeRleHybrid(this.levels, column.definitionLevels, firstEntry, entry, bitWidthOf(maxDef));
      defLength = this.levels.length - start;
      if (!v2) this.levels.uint32At(start - 4, defLength);
    }
    this.page.reset();
    if (!v2) this.page.append(this.levels.view());
    if (dictionary) {
      this.page.byte(indexWidth);
      writeRleHybrid(this.page, dictionary.indices, firstValue, value, indexWidth);
    } else this.plainValues(column, undefined, firstValue, value);

    const h = this.header;
    h.reset();
    const raw = this.page.view();
    if (!v2) {
      const body = this.compress(raw);
      h.i32(1, PageType.DATA_PAGE);
      h.i32(2, raw.length);
      h.i32(3, body.length);
      h.beginStruct(5);
      h.i32(1, count);
      h.i32(2, valueEncoding);
      h.i32(3, Encoding.RLE);
      h.i32(4, Encoding.RLE);
      h.endStruct();
      chunk.push(h.finish(), body, raw.length);
      return raw.length;
    }
    const levelBytes = this.levels.view();
    const compressed = this.compress(raw);
    const body = new Uint8Array(levelBytes.length + compressed.length);
    body.set(levelBytes, 0);
    body.set(compressed, levelBytes.length);
    const uncompressedBody = levelBytes.length + raw.length;
    h.i32(1, PageType.DATA_PAGE_V2);
    h.i32(2, uncompressedBody);
    h.i32(3, body.length);
    h.beginStruct(8);
    h.i32(1, count);
    h.i32(2, count - (value - firstValue));
    h.i32(3, rows);
    h.i32(4, valueEncoding);
    h.i32(5, defLength);
    h.i32(6, repLength);
    h.bool(7, this.codec !== Codec.UNCOMPRESSED);
    h.endStruct();
    chunk.push(h.finish(), body, uncompressedBody);
    return uncompressedBody;
  }

  /** PLAIN values: values[from, to), or the values at `select[from, to)` (a dictionary's entries). */
  private plainValues(column: ColumnData, select: Int32Array | undefined, from: number, to: number): void {
    if (to === from) return;
    const physical = column.leaf.physical;
    if (physical === Physical.BYTE_ARRAY) plainByteArrays(this.page, column, select, from, to);
    else if (physical === Physical.BOOLEAN) writeBitPackedBooleans(this.page, column.words, from, to);
    else plainFixedWidth(this.page, column, select, from, to);
  }

  /** Compressed copy of the page (always a new array: the page buffer is reused). */
  private compress(raw: Uint8Array): Uint8Array {
    if (this.codec === Codec.SNAPPY) {
      if (this.snappyWorthIt === undefined) {
        const sample = raw.subarray(0, SNAPPY_SAMPLE_BYTES);
        this.snappyWorthIt = this.snappy.compress(sample).length < sample.length * SNAPPY_MIN_RATIO;
      }
      return this.snappyWorthIt ? this.snappy.compress(raw) : snappyLiteral(raw);
    }
    if (this.codec === Codec.GZIP) return new Uint8Array(gzipSync(raw));
    return raw.slice();
  }
}

function indexWidthOf(dictionary: Dictionary): number {
  return Math.max(1, bitWidthOf(dictionary.size - 1));
}

/** A dense column's next page: a fixed number of values, each its own row. */
function nextDensePage(span: PageSpan, levelCount: number, valuesPerPage: number): void {
  span.firstEntry = span.entry;
  span.firstValue = span.value;
  span.entry = Math.min(levelCount, span.entry + valuesPerPage);
  span.value = span.entry;
  span.rows = span.entry - span.firstEntry;
}

/**
 * The next page of a column with nulls or repetition: whole rows until the values (a quarter byte per level
 * besides) reach the page size.
 */
function nextPage(span: PageSpan, column: ColumnData, fixedWidth: number, pageLimit: number): void {
  const def = column.definitionLevels;
  const rep = column.repetitionLevels;
  const maxDef = column.leaf.maxDefinitionLevel;
  const repeated = column.leaf.maxRepetitionLevel > 0;
  const ends = column.ends;
  const levelCount = column.levelCount;
  const firstEntry = span.entry;
  let entry = firstEntry;
  let value = span.value;
  let size = 0;
  let rows = 0;
  span.firstEntry = firstEntry;
  span.firstValue = value;
  while (entry < levelCount) {
    if (!repeated || rep[entry] === 0) {
      // Both compares run on every row, so a first page cut does not meet a compare V8 has no feedback for.
      if (entry > firstEntry && size >= pageLimit) break;
      rows++;
    }
    if (def[entry] === maxDef) {
      size += fixedWidth || 4 + ends[value]! - (value === 0 ? 0 : ends[value - 1]!);
      value++;
    }
    size += 0.25;
    entry++;
  }
  span.entry = entry;
  span.value = value;
  span.rows = rows;
}

/** BYTE_ARRAY values PLAIN: each as a 4-byte little-endian length and its bytes. */
function plainByteArrays(
  out: ByteSink,
  column: ColumnData,
  select: Int32Array | undefined,
  from: number,
  to: number,
): void {
  const bytes = column.bytes;
  const ends = column.ends;
  for (let k = from; k < to; k++) {
    const v = select ? select[k]! : k;
    const start = v === 0 ? 0 : ends[v - 1]!;
    const end = ends[v]!;
    const length = end - start;
    out.ensure(4 + length);
    const target = out.bytes;
    let n = out.length;
    target[n] = length & 0xff;
    target[n + 1] = (length >>> 8) & 0xff;
    target[n + 2] = (length >>> 16) & 0xff;
    target[n + 3] = length >>> 24;
    n += 4;
    if (length < 32) for (let i = 0; i < length; i++) target[n + i] = bytes[start + i]!;
    else target.set(bytes.subarray(start, end), n);
    out.length = n + length;
  }
}

/** Fixed-width values PLAIN: their memory as is (little-endian numbers, big-endian fixed decimals). */
function plainFixedWidth(
  out: ByteSink,
  column: ColumnData,
  select: Int32Array | undefined,
  from: number,
  to: number,
): void {
  const physical = column.leaf.physical;
  const width = column.valueWidth;
  const memory =
    physical === Physical.FLOAT
      ? new Uint8Array(column.floats32.buffer)
      : physical === Physical.DOUBLE
        ? new Uint8Array(column.floats64.buffer)
        : physical === Physical.FIXED_LEN_BYTE_ARRAY
          ? column.bytes
          : new Uint8Array(column.words.buffer);
  if (!select) {
    out.append(memory.subarray(from * width, to * width));
    return;
  }
  out.ensure((to - from) * width);
  for (let k = from; k < to; k++) {
    const v = select[k]!;
    out.bytes.set(memory.subarray(v * width, v * width + width), out.length);
    out.length += width;
  }
}
