/** A growable byte buffer for assembling pages; reused from page to page. */
export class ByteSink {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity = 64 * 1024) {
    this.bytes = new Uint8Array(capacity);
  }

  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
  }

  byte(value: number): void {
    if (this.length === this.bytes.length) this.ensure(1);
    this.bytes[this.length++] = value;
  }

  uint32(value: number): void {
    this.ensure(4);
    const b = this.bytes;
    const n = this.length;
    b[n] = value & 0xff;
    b[n + 1] = (value >>> 8) & 0xff;
    b[n + 2] = (value >>> 16) & 0xff;
    b[n + 3] = (value >>> 24) & 0xff;
    this.length = n + 4;
  }

  /** Overwrites 4 bytes written earlier (a length prefix reserved before the bytes it counts). */
  uint32At(at: number, value: number): void {
    const b = this.bytes;
    b[at] = value & 0xff;
    b[at + 1] = (value >>> 8) & 0xff;
    b[at + 2] = (value >>> 16) & 0xff;
    b[at + 3] = (value >>> 24) & 0xff;
  }

  varint(value: number): void {
    this.ensure(10);
    let v = value;
    while (v >= 0x80) {
      this.bytes[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.length++] = v;
  }

  append(source: Uint8Array): void {
    this.ensure(source.length);
    this.bytes.set(source, this.length);
    this.length += source.length;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}

/**
 * The file as it is produced: big pieces (compressed pages) are kept as they are, small ones (page headers) are
 * copied into shared blocks, so the body is a short list of chunks rather than one array per header.
 */
export class OutputChunks {
  readonly chunks: Uint8Array[] = [];
  offset = 0;
  private block = new Uint8Array(BLOCK_BYTES);
  private blockLength = 0;

  /** Appends bytes the sink may keep (the caller does not reuse them). */
  add(bytes: Uint8Array): void {
    this.offset += bytes.length;
    if (bytes.length >= KEEP_BYTES) {
      this.flushBlock();
      this.chunks.push(bytes);
      return;
    }
    if (this.blockLength + bytes.length > this.block.length) this.flushBlock();
    this.block.set(bytes, this.blockLength);
    this.blockLength += bytes.length;
  }

  finish(): Uint8Array[] {
    this.flushBlock();
    return this.chunks;
  }

  private flushBlock(): void {
    if (this.blockLength === 0) return;
    this.chunks.push(this.block.slice(0, this.blockLength));
    this.blockLength = 0;
  }
}

const BLOCK_BYTES = 256 * 1024;
const KEEP_BYTES = 64 * 1024;
