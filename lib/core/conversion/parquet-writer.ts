import { yieldToEventLoop } from '../compression/yield-to-event-loop.ts';
import { OutputChunks } from './byte-sink.ts';
import { Codec, ColumnChunkEncoder, type EncodedChunk } from './column-chunk.ts';
import { ColumnData } from './column-data.ts';
import type { ParquetSerDeOptions } from './config.ts';
import { fileMetadata, type PlacedChunk, type RowGroupMetadata } from './footer.ts';
import type { ParquetSchema } from './schema.ts';

/**
 * Decoded bytes (levels and values in the column arrays) at which a row group is closed, whatever
 * BlockSizeBytes says. BlockSizeBytes is at least 64 MiB (§7.3), and honouring it alone would hold a whole
 * 128 MiB buffer of JSON decoded before encoding anything. With this cap a conversion holds at most ~16 MiB of
 * decoded values (plus their arrays' growth headroom, at most as much again) besides the encoded output; a row
 * group is then ~25 MB of typical JSON, ~80k rows of 300 bytes (DuckDB's own default is 122,880 rows). Smaller
 * row groups also measured faster than 32 MiB ones (a working set that stays in cache, less array growth).
 */
export const MAX_ROW_GROUP_DECODED_BYTES = 16 * 1024 * 1024;

const MAGIC = new TextEncoder().encode('PAR1');

/**
 * The column arrays of the last finished conversion of each schema, handed to the next one. Arrays grow by
 * doubling to a row group's size; a conversion that starts with grown ones skips those copies and the page faults
 * of touching fresh memory. At most one set per schema is kept (about the row-group cap, see above), and only
 * while the schema itself is alive; concurrent conversions of one schema take it in turn or allocate their own.
 */
const idleColumns = new WeakMap<ParquetSchema, ColumnData[]>();

/**
 * Writes one Parquet file: rows are shredded into `columns` by the caller; `closeRowGroup` encodes them as a
 * row group once `rowGroupFull()` says so, and `finish` writes the footer. Row groups are padded to the next
 * BlockSizeBytes boundary when they would straddle it and the gap is at most MaxPaddingBytes, as parquet-mr
 * aligns row groups with HDFS blocks.
 */
export class ParquetFileWriter {
  readonly columns: ColumnData[];
  private readonly output = new OutputChunks();
  private readonly encoder: ColumnChunkEncoder;
  private readonly rowGroups: RowGroupMetadata[] = [];
  private readonly rowGroupLimit: number;
  private rows = 0;

  constructor(
    private readonly schema: ParquetSchema,
    private readonly options: ParquetSerDeOptions,
  ) {
    const idle = idleColumns.get(schema);
    idleColumns.delete(schema);
    this.columns = idle ?? schema.leaves.map((leaf) => new ColumnData(leaf));
    this.encoder = new ColumnChunkEncoder(options);
    this.rowGroupLimit = Math.min(options.blockSizeBytes, MAX_ROW_GROUP_DECODED_BYTES);
    this.output.add(MAGIC.slice());
  }

  /** Rows added to the open row group by the caller. */
  addRows(count: number): void {
    this.rows += count;
  }

  rowGroupFull(): boolean {
    let held = 0;
    for (const column of this.columns) held += column.heldBytes();
    return held >= this.rowGroupLimit;
  }

  get totalRows(): number {
    return this.rowGroups.reduce((sum, g) => sum + g.rows, 0) + this.rows;
  }

  async closeRowGroup(): Promise<void> {
    if (this.rows === 0) return;
    const encoded: EncodedChunk[] = [];
    let size = 0;
    for (const column of this.columns) {
      const chunk = await this.encoder.encode(column);
      encoded.push(chunk);
      size += chunk.compressedBytes;
      column.reset();
    }
    this.pad(size);
    const start = this.output.offset;
    const placed: PlacedChunk[] = [];
    for (const chunk of encoded) {
      placed.push({ chunk, offset: this.output.offset });
      for (const piece of chunk.pieces) this.output.add(piece);
    }
    this.rowGroups.push({ rows: this.rows, offset: start, chunks: placed });
    this.rows = 0;
    await yieldToEventLoop();
  }

  private pad(rowGroupBytes: number): void {
    const block = this.options.blockSizeBytes;
    const remaining = block - (this.output.offset % block);
    if (rowGroupBytes > remaining && remaining <= this.options.maxPaddingBytes) {
      this.output.add(new Uint8Array(remaining));
    }
  }

  /** Gives the column arrays to the next conversion of the schema; the writer is done with them. */
  release(): void {
    for (const column of this.columns) column.reset();
    idleColumns.set(this.schema, this.columns);
  }

  /** Closes the last row group and returns the file's chunks. */
  async finish(): Promise<Uint8Array[]> {
    await this.closeRowGroup();
    const footer = fileMetadata(
      this.schema,
      this.rowGroups,
      Codec[this.options.compression],
      this.options.writerVersion,
    );
    const tail = new Uint8Array(footer.length + 8);
    tail.set(footer, 0);
    new DataView(tail.buffer).setUint32(footer.length, footer.length, true);
    tail.set(MAGIC, footer.length + 4);
    this.output.add(tail);
    return this.output.finish();
  }
}
