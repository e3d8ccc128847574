import { ByteWriter } from './byte-writer.ts';

/**
 * The Thrift compact protocol, write side only, and just the types parquet.thrift's footer and page headers
 * use. Field ids are written as deltas from the previous field of the same struct, so structs nest through a
 * stack of "last field id".
 */
export const CompactType = {
  BOOLEAN_TRUE: 1,
  BOOLEAN_FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;

const encoder = new TextEncoder();

export class ThriftWriter {
  readonly out: ByteWriter;
  private lastField = 0;
  private readonly stack: number[] = [];

  constructor(out = new ByteWriter(256)) {
    this.out = out;
  }

  private fieldHeader(id: number, type: number): void {
    const delta = id - this.lastField;
    if (delta > 0 && delta <= 15) this.out.byte((delta << 4) | type);
    else {
      this.out.byte(type);
      this.out.varint(zigzag(id));
    }
    this.lastField = id;
  }

  i32(id: number, value: number): this {
    this.fieldHeader(id, CompactType.I32);
    this.out.varint(zigzag(value));
    return this;
  }

  i16(id: number, value: number): this {
    this.fieldHeader(id, CompactType.I16);
    this.out.varint(zigzag(value));
    return this;
  }

  /** i64 from a safe integer (offsets, sizes and counts never get near 2^53). */
  i64(id: number, value: number): this {
    this.fieldHeader(id, CompactType.I64);
    this.out.varint(zigzag(value));
    return this;
  }

  byteField(id: number, value: number): this {
    this.fieldHeader(id, CompactType.BYTE);
    this.out.byte(value & 0xff);
    return this;
  }

  bool(id: number, value: boolean): this {
    this.fieldHeader(id, value ? CompactType.BOOLEAN_TRUE : CompactType.BOOLEAN_FALSE);
    return this;
  }

  binary(id: number, value: Uint8Array): this {
    this.fieldHeader(id, CompactType.BINARY);
    this.out.varint(value.length);
    this.out.append(value);
    return this;
  }

  string(id: number, value: string): this {
    return this.binary(id, encoder.encode(value));
  }

  /** Opens a struct-typed field; close it with `end()`. */
  struct(id: number): this {
    this.fieldHeader(id, CompactType.STRUCT);
    return this.begin();
  }

  /** Opens a struct that is a list element (no field header). */
  begin(): this {
    this.stack.push(this.lastField);
    this.lastField = 0;
    return this;
  }

  end(): this {
    this.out.byte(0);
    this.lastField = this.stack.pop() ?? 0;
    return this;
  }

  listHeader(id: number, elementType: number, size: number): this {
    this.fieldHeader(id, CompactType.LIST);
    if (size < 15) this.out.byte((size << 4) | elementType);
    else {
      this.out.byte(0xf0 | elementType);
      this.out.varint(size);
    }
    return this;
  }

  i32List(id: number, values: readonly number[]): this {
    this.listHeader(id, CompactType.I32, values.length);
    for (const value of values) this.out.varint(zigzag(value));
    return this;
  }

  stringList(id: number, values: readonly string[]): this {
    this.listHeader(id, CompactType.BINARY, values.length);
    for (const value of values) {
      const bytes = encoder.encode(value);
      this.out.varint(bytes.length);
      this.out.append(bytes);
    }
    return this;
  }
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}
