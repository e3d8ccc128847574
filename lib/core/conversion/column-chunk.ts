import { gzipSync } from 'node:zlib';
import SnappyJS from 'snappyjs';
import { yieldToEventLoop } from '../compression/yield-to-event-loop.ts';
import { ByteSink } from './byte-sink.ts';
import type { ColumnData } from './column-data.ts';
import type { ParquetSerDeOptions } from './config.ts';
import { buildDictionary } from './dictionary.ts';
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

/**
 * Encodes one column of a row group into pages: an optional dictionary page (when enabled and smaller than
 * PLAIN), then data pages of about PageSizeBytes (v1 `DATA_PAGE` or v2 `DATA_PAGE_V2` per WriterVersion),
 * each starting on a row boundary, with RLE/bit-packed levels and the chosen codec.
 */
export class ColumnChunkEncoder {
  private readonly page = new ByteSink(1 << 20);
  private readonly levels = new ByteSink(64 * 1024);
  private readonly header = new ThriftWriter();
  private readonly codec: number;
  private bytesSinceYield = 0;
  /** Whether SNAPPY shrinks this column chunk's data pages enough to spend the time; decided on a sample. */
  private snappyWorthIt: boolean | undefined;

  constructor(private readonly options: ParquetSerDeOptions) {
    this.codec = Codec[options.compression];
  }

  async encode(column: ColumnData): Promise<EncodedChunk> {
    const leaf = column.leaf;
    this.snappyWorthIt = undefined;
    const v2 = this.options.writerVersion === 'V2';
    let dictionary = this.options.enableDictionaryCompression
      ? buildDictionary(column, this.options.pageSizeBytes)
      : undefined;
    const plainBytes = column.valueCount * (column.valueWidth || 4) + column.byteLength;
    const indexWidth = dictionary ? Math.max(1, bitWidthOf(dictionary.size - 1)) : 0;
    // Keep the dictionary only when it pays for itself, as parquet-mr decides after its first page.
    if (dictionary && dictionary.plainBytes + (column.valueCount * indexWidth) / 8 >= plainBytes)
      dictionary = undefined;
    const statistics = columnStatistics(column, dictionary);

    const pieces: Uint8Array[] = [];
    let compressedBytes = 0;
    let uncompressedBytes = 0;
    let dictionaryPageOffset: number | undefined;
    const push = (headerBytes: Uint8Array, body: Uint8Array, uncompressedBody: number) => {
      pieces.push(headerBytes, body);
      compressedBytes += headerBytes.length + body.length;
      uncompressedBytes += headerBytes.length + uncompressedBody;
    };

    if (dictionary) {
      dictionaryPageOffset = 0;
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
      h.i32(2, v2 ? Encoding.PLAIN : Encoding.PLAIN_DICTIONARY);
      h.endStruct();
      push(h.finish(), body, raw.length);
      this.snappyWorthIt = undefined;
    }
    const dataPageOffset = compressedBytes;
    const valueEncoding = dictionary
      ? v2
        ? Encoding.RLE_DICTIONARY
        : Encoding.PLAIN_DICTIONARY
      : Encoding.PLAIN;

    const def = column.definitionLevels;
    const rep = column.repetitionLevels;
    const maxDef = leaf.maxDefinitionLevel;
    const repeated = leaf.maxRepetitionLevel > 0;
    const pageLimit = this.options.pageSizeBytes;
    const ends = column.ends;
    const fixedWidth = dictionary ? indexWidth / 8 : column.valueWidth;
    let entry = 0;
    let value = 0;
    // A flat column without nulls has one value per entry and row: pages are cut by count, levels are one run.
    const dense = !repeated && column.valueCount === column.levelCount && fixedWidth > 0;
    const valuesPerPage = dense ? Math.max(1, Math.ceil(pageLimit / fixedWidth)) : 0;
    do {
      const firstEntry = entry;
      const firstValue = value;
      let size = 0;
      let rows = 0;
      if (dense) {
        entry = Math.min(column.levelCount, entry + valuesPerPage);
        value = entry;
        rows = entry - firstEntry;
      }
      while (!dense && entry < column.levelCount) {
        if (repeated && rep[entry] === 0) {
          if (size >= pageLimit && entry > firstEntry) break;
          rows++;
        } else if (!repeated) {
          if (size >= pageLimit && entry > firstEntry) break;
          rows++;
        }
        if (def[entry] === maxDef) {
          size += fixedWidth || 4 + ends[value]! - (value === 0 ? 0 : ends[value - 1]!);
          value++;
        }
        size += 0.25;
        entry++;
      }
      const count = entry - firstEntry;
      const values = value - firstValue;
      // Levels: v1 pages prefix each level stream with its length and compress them with the values; v2 pages
      // keep them uncompressed in front of the values and give their lengths in the header.
      this.levels.reset();
      let repLength = 0;
      if (repeated) {
        if (!v2) this.levels.uint32(0);
        const start = this.levels.length;
        writeRleHybrid(this.levels, rep, firstEntry, entry, bitWidthOf(leaf.maxRepetitionLevel));
        repLength = this.levels.length - start;
        if (!v2) this.levels.uint32At(start - 4, repLength);
      }
      let defLength = 0;
      if (maxDef > 0) {
        if (!v2) this.levels.uint32(0);
        const start = this.levels.length;
        if (dense) writeRleRun(this.levels, maxDef, count, bitWidthOf(maxDef));
        else writeRleHybrid(this.levels, def, firstEntry, entry, bitWidthOf(maxDef));
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
      let body: Uint8Array;
      let uncompressedBody: number;
      if (!v2) {
        const raw = this.page.view();
        body = this.compress(raw);
        uncompressedBody = raw.length;
        h.i32(1, PageType.DATA_PAGE);
        h.i32(2, raw.length);
        h.i32(3, body.length);
        h.beginStruct(5);
        h.i32(1, count);
        h.i32(2, valueEncoding);
        h.i32(3, Encoding.RLE);
        h.i32(4, Encoding.RLE);
        h.endStruct();
      } else {
        const levelBytes = this.levels.view();
        const raw = this.page.view();
        const compressed = this.compress(raw);
        body = new Uint8Array(levelBytes.length + compressed.length);
        body.set(levelBytes, 0);
        body.set(compressed, levelBytes.length);
        uncompressedBody = levelBytes.length + raw.length;
        h.i32(1, PageType.DATA_PAGE_V2);
        h.i32(2, uncompressedBody);
        h.i32(3, body.length);
        h.beginStruct(8);
        h.i32(1, count);
        h.i32(2, count - values);
        h.i32(3, rows);
        h.i32(4, valueEncoding);
        h.i32(5, defLength);
        h.i32(6, repLength);
        h.bool(7, this.codec !== Codec.UNCOMPRESSED);
        h.endStruct();
      }
      push(h.finish(), body, uncompressedBody);
      this.bytesSinceYield += uncompressedBody;
      if (this.bytesSinceYield >= YIELD_EVERY_PAGE_BYTES) {
        this.bytesSinceYield = 0;
        await yieldToEventLoop();
      }
    } while (entry < column.levelCount);
    return {
      pieces,
      compressedBytes,
      uncompressedBytes,
      dictionaryPageOffset,
      dataPageOffset,
      levelCount: column.levelCount,
      encodings: dictionary
        ? [valueEncoding, Encoding.RLE, ...(v2 ? [Encoding.PLAIN] : [])]
        : [Encoding.PLAIN, Encoding.RLE],
      statistics,
    };
  }

  /** PLAIN values: values[from, to), or the values at `select[from, to)` (a dictionary's entries). */
  private plainValues(column: ColumnData, select: Int32Array | undefined, from: number, to: number): void {
    if (to === from) return;
    const out = this.page;
    const physical = column.leaf.physical;
    if (physical === Physical.BYTE_ARRAY) {
      const bytes = column.bytes;
      const ends = column.ends;
      if (!select) out.ensure(4 * (to - from) + ends[to - 1]! - (from === 0 ? 0 : ends[from - 1]!));
      for (let k = from; k < to; k++) {
        const v = select ? select[k]! : k;
        const start = v === 0 ? 0 : ends[v - 1]!;
        const length = ends[v]! - start;
        if (select) out.ensure(4 + length);
        const target = out.bytes;
        let n = out.length;
        target[n] = length & 0xff;
        target[n + 1] = (length >>> 8) & 0xff;
        target[n + 2] = (length >>> 16) & 0xff;
        target[n + 3] = length >>> 24;
        n += 4;
        if (length < 32) for (let i = 0; i < length; i++) target[n + i] = bytes[start + i]!;
        else target.set(bytes.subarray(start, start + length), n);
        out.length = n + length;
      }
      return;
    }
    if (physical === Physical.BOOLEAN) {
      writeBitPackedBooleans(out, column.words, from, to);
      return;
    }
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

  /** Compressed copy of the page (always a new array: the page buffer is reused). */
  private compress(raw: Uint8Array): Uint8Array {
    if (this.codec === Codec.SNAPPY) {
      if (this.snappyWorthIt === undefined) {
        const sample = raw.subarray(0, SNAPPY_SAMPLE_BYTES);
        this.snappyWorthIt = SnappyJS.compress(sample).length < sample.length * SNAPPY_MIN_RATIO;
      }
      return this.snappyWorthIt ? SnappyJS.compress(raw) : snappyLiteral(raw);
    }
    if (this.codec === Codec.GZIP) return new Uint8Array(gzipSync(raw));
    return raw.slice();
  }
}
