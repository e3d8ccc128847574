/**
 * A writer for the Thrift compact protocol, the encoding of Parquet's page headers and footer. Only what
 * parquet.thrift needs: structs, lists, i32/i64 (safe integers), binary, booleans.
 */
export const TType = {
  BOOL_TRUE: 1,
  BOOL_FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;

export class ThriftWriter {
  bytes = new Uint8Array(256);
  length = 0;
  private lastField = 0;
  private readonly stack: number[] = [];

  private ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
  }

  private byte(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  private varint(value: number): void {
    this.ensure(10);
    let v = value;
    while (v >= 0x80) {
      this.bytes[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.length++] = v;
  }

  private zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  private fieldHeader(id: number, type: number): void {
    const delta = id - this.lastField;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastField = id;
  }

  i32(id: number, value: number): void {
    this.fieldHeader(id, TType.I32);
    this.zigzag(value);
  }

  i64(id: number, value: number): void {
    this.fieldHeader(id, TType.I64);
    this.zigzag(value);
  }

  /** An i8 field (compact protocol: one raw byte). */
  fieldByte(id: number, value: number): void {
    this.fieldHeader(id, TType.BYTE);
    this.byte(value & 0xff);
  }

  bool(id: number, value: boolean): void {
    this.fieldHeader(id, value ? TType.BOOL_TRUE : TType.BOOL_FALSE);
  }

  binary(id: number, value: Uint8Array): void {
    this.fieldHeader(id, TType.BINARY);
    this.rawBinary(value);
  }

  string(id: number, value: string): void {
    this.binary(id, new TextEncoder().encode(value));
  }

  beginStruct(id: number): void {
    this.fieldHeader(id, TType.STRUCT);
    this.stack.push(this.lastField);
    this.lastField = 0;
  }

  endStruct(): void {
    this.byte(0);
    this.lastField = this.stack.pop() ?? 0;
  }

  /** A list field; follow with `size` elements written with the `element…` methods. */
  beginList(id: number, elementType: number, size: number): void {
    this.fieldHeader(id, TType.LIST);
    if (size < 15) this.byte((size << 4) | elementType);
    else {
      this.byte(0xf0 | elementType);
      this.varint(size);
    }
  }

  elementI32(value: number): void {
    this.zigzag(value);
  }

  elementBinary(value: Uint8Array): void {
    this.rawBinary(value);
  }

  /** A struct inside a list: its fields follow, then `endStruct`. */
  beginElementStruct(): void {
    this.stack.push(this.lastField);
    this.lastField = 0;
  }

  /** Ends the outermost struct (a page header or the footer), which has no field header. */
  finish(): Uint8Array {
    this.byte(0);
    return this.bytes.slice(0, this.length);
  }

  reset(): void {
    this.length = 0;
    this.lastField = 0;
    this.stack.length = 0;
  }

  private rawBinary(value: Uint8Array): void {
    this.varint(value.length);
    this.ensure(value.length);
    this.bytes.set(value, this.length);
    this.length += value.length;
  }
}
