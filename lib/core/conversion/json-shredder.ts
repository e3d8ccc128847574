import { SluiceError } from '../errors.ts';
import { type ColumnData, finishHash, hashByte, hashWord } from './column-data.ts';
import type { HiveJsonSerDeOptions, OpenXJsonSerDeOptions } from './config.ts';
import { MALFORMED_DATA, PARSE_ERROR, RecordFailure } from './failures.ts';
import { hiveTypeName } from './hive-types.ts';
import { ESCAPES, hashBytes, hex4, validUtf8, writeUtf8 } from './json-bytes.ts';
import { type LeafColumn, type ParquetSchema, Physical, type SchemaNode, ValueKind } from './schema.ts';
import {
  compileTimestampFormat,
  type Instant,
  parseDate,
  parseOpenXTimestamp,
  parseSqlTimestamp,
  parseWithFormat,
  type TimestampFormat,
} from './timestamps.ts';

const LEAF = 0;
const STRUCT = 1;
const LIST = 2;
const MAP = 3;
/** JSON nesting deeper than this fails the record instead of the stack. */
const MAX_DEPTH = 512;
const TRUE_BYTES = new TextEncoder().encode('true');
const FALSE_BYTES = new TextEncoder().encode('false');
const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** A schema node with what the shredder needs at hand; one class, so property access stays monomorphic. */
class Node {
  kind = LEAF;
  definitionLevel = 0;
  repetitionLevel = 0;
  firstLeaf = 0;
  endLeaf = 0;
  displayName = '';
  typeName = '';
  leaf: LeafColumn | null = null;
  column: ColumnData | null = null;
  fields: Node[] = [];
  element: Node | null = null;
  key: Node | null = null;
  value: Node | null = null;
  /** Struct key lookup: open-addressing table of field index + 1 by the hash of the folded key bytes. */
  slots: Int32Array = new Int32Array(0);
  slotKeys: Uint8Array[] = [];
  slotFields: number[] = [];
  keyMap: Map<string, number> = new Map();
  /** The slot key tried first by matchKey: the one after the last key matched. */
  nextGuess = 0;
  /** False when a folded key holds '"' or '\\', which the guess compare does not expect. */
  guessable = true;
  /** Per field: the serial of the object that last set it (duplicate and missing-field detection). */
  seen: Int32Array = new Int32Array(0);
  /** Duplicate-key mode: the offset of each field's last value in the object being read. */
  lastValueAt: Int32Array = new Int32Array(0);
}

/**
 * Reads JSON records byte by byte and appends each value straight to its leaf column with its definition and
 * repetition levels (Dremel shredding), applying the deserializer's rules of spec §7.2. No JS object is built
 * per record or per value; strings are copied as UTF-8 bytes. A record that fails is rolled back out of every
 * column, so none of its rows are written (a record counts as failed as a whole).
 *
 * Deviations and choices where the spec is silent, each deliberate:
 * - JSON is parsed strictly (RFC 8259) for both SerDes; a top-level value that is not an object (a JSON
 *   array, a number) is a ParseError, as is an empty record. A syntax error anywhere in the record wins
 *   over a schema mismatch earlier in it, as with a parser that reads the whole document before mapping it.
 * - A key repeated in one object: the last value wins (as Jackson's tree and JSON.parse do).
 * - HiveJsonSerDe also matches keys case-insensitively (Hive column names are lower case); map keys are
 *   never case-folded; ColumnToJsonKeyMappings applies to top-level columns.
 * - OpenX: a nested object or array for a string column is stored as its JSON text as it appeared in the record.
 */
export class JsonShredder {
  private b: Uint8Array = new Uint8Array(0);
  /** Over `b`, for reading strings a word at a time. */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private p = 0;
  private e = 0;
  private recordStart = 0;
  private serial = 0;
  private dupMode = false;
  private readonly root: Node;
  private readonly hive: boolean;
  private readonly fold: boolean;
  private readonly dots: boolean;
  private readonly formats: TimestampFormat[] = [];
  private readonly instant: Instant = { seconds: 0, micros: 0 };
  private scratch = new Uint8Array(256);
  // Results of the last scanString/scanNumber.
  private strStart = 0;
  private strEnd = 0;
  private strEscaped = false;
  private strNonAscii = false;
  private numStart = 0;
  private numIsInteger = false;
  private numNegative = false;
  private numDigits = 0;
  private numMantissa = 0;
  private numFractionDigits = 0;
  private numExponent = 0;

  constructor(
    schema: ParquetSchema,
    private readonly columns: readonly ColumnData[],
    deserializer: OpenXJsonSerDeOptions | HiveJsonSerDeOptions,
  ) {
    this.hive = deserializer.kind === 'HiveJsonSerDe';
    this.fold = deserializer.kind === 'HiveJsonSerDe' || deserializer.caseInsensitive;
    this.dots = deserializer.kind === 'OpenXJsonSerDe' && deserializer.convertDotsInJsonKeysToUnderscores;
    if (deserializer.kind === 'HiveJsonSerDe') {
      for (const pattern of deserializer.timestampFormats) {
        const format = compileTimestampFormat(pattern);
        if (typeof format === 'string') throw new SluiceError('InvalidArgumentException', format);
        this.formats.push(format);
      }
      // §7.2: HiveJsonSerDe rejects '.' in column names.
      for (const leaf of schema.leaves) {
        if (leaf.path.some((name) => name.includes('.'))) {
          throw new SluiceError(
            'InvalidArgumentException',
            `Column ${leaf.displayName} has a '.' in its name, which HiveJsonSerDe does not accept; rename it or use OpenXJsonSerDe.`,
          );
        }
      }
    }
    const mappings = deserializer.kind === 'OpenXJsonSerDe' ? deserializer.columnToJsonKeyMappings : {};
    this.root = this.compile(schema.root, mappings);
  }

  private compile(source: SchemaNode, mappings: Readonly<Record<string, string>>): Node {
    const node = new Node();
    node.definitionLevel = source.definitionLevel;
    node.firstLeaf = source.firstLeaf;
    node.endLeaf = source.endLeaf;
    node.displayName = source.displayName;
    node.typeName = hiveTypeName(source.hiveType);
    switch (source.kind) {
      case 'leaf':
        node.kind = LEAF;
        node.leaf = source.leaf;
        node.column = this.columns[source.leaf.index]!;
        break;
      case 'list':
        node.kind = LIST;
        node.repetitionLevel = source.repetitionLevel;
        node.element = this.compile(source.element, {});
        break;
      case 'map':
        node.kind = MAP;
        node.repetitionLevel = source.repetitionLevel;
        node.key = this.compile(source.key, {});
        node.value = this.compile(source.value, {});
        break;
      case 'struct': {
        node.kind = STRUCT;
        node.fields = source.fields.map((field) => this.compile(field, {}));
        const mappedKeys = new Map<string, string>();
        for (const [column, key] of Object.entries(mappings)) mappedKeys.set(column.toLowerCase(), key);
        const keys = source.fields.map((field) =>
          this.foldKey(mappedKeys.get(field.name.toLowerCase()) ?? field.name),
        );
        let size = 8;
        while (size < keys.length * 4) size *= 2;
        node.slots = new Int32Array(size);
        keys.forEach((key, field) => {
          const bytes = utf8Encoder.encode(key);
          node.keyMap.set(key, field);
          let slot = hashBytes(bytes, 0, bytes.length) & (size - 1);
          while (node.slots[slot] !== 0) slot = (slot + 1) & (size - 1);
          node.slotKeys.push(bytes);
          node.slotFields.push(field);
          node.slots[slot] = node.slotKeys.length;
        });
        node.guessable = node.slotKeys.every((key) => !key.includes(0x22) && !key.includes(0x5c));
        node.seen = new Int32Array(keys.length);
        node.lastValueAt = new Int32Array(keys.length);
        break;
      }
    }
    return node;
  }

  private foldKey(key: string): string {
    const lower = this.fold ? key.toLowerCase() : key;
    return this.dots ? lower.replaceAll('.', '_') : lower;
  }

  /**
   * Shreds the record in data[start, end): one or more JSON objects, optionally separated by whitespace. Returns
   * the rows added; on failure every column is rolled back and a RecordFailure is thrown.
   */
  record(data: Uint8Array, start: number, end: number): number {
    const columns = this.columns;
    for (let i = 0; i < columns.length; i++) columns[i]!.mark();
    try {
      return this.objects(data, start, end);
    } catch (error) {
      for (let i = 0; i < columns.length; i++) columns[i]!.rollback();
      if (error === DUPLICATE_KEY) return this.retryWithDuplicates(data, start, end);
      if (error instanceof RecordFailure && error.errorCode === MALFORMED_DATA) {
        const syntax = this.syntaxError(data, start, end);
        if (syntax) throw syntax;
      }
      throw error;
    }
  }

  private retryWithDuplicates(data: Uint8Array, start: number, end: number): number {
    this.dupMode = true;
    try {
      return this.objects(data, start, end);
    } catch (error) {
      for (let i = 0; i < this.columns.length; i++) this.columns[i]!.rollback();
      if (error instanceof RecordFailure && error.errorCode === MALFORMED_DATA) {
        const syntax = this.syntaxError(data, start, end);
        if (syntax) throw syntax;
      }
      throw error;
    } finally {
      this.dupMode = false;
    }
  }

  private objects(data: Uint8Array, start: number, end: number): number {
    this.recordStart = start;
    this.input(data);
    this.p = start;
    this.e = end;
    let rows = 0;
    this.ws();
    if (this.p >= end) throw this.parseError('the record is empty; it must hold at least one JSON object');
    while (this.p < end) {
      const c = data[this.p];
      if (c !== 0x7b) {
        throw this.parseError(
          c === 0x5b
            ? 'the record is a JSON array; Firehose converts JSON objects only (send the elements as separate records or objects)'
            : 'expected a JSON object',
        );
      }
      this.object(this.root, 0, 0);
      rows++;
      this.ws();
    }
    return rows;
  }

  private input(data: Uint8Array): void {
    if (data === this.b) return;
    this.b = data;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  /** A ParseError when data[start, end) is not a sequence of JSON values, else undefined. */
  private syntaxError(data: Uint8Array, start: number, end: number): RecordFailure | undefined {
    this.input(data);
    this.p = start;
    this.e = end;
    try {
      this.ws();
      while (this.p < end) {
        this.skipValue(0);
        this.ws();
      }
      return undefined;
    } catch (error) {
      if (error instanceof RecordFailure) return error;
      throw error;
    }
  }

  private ws(): void {
    const b = this.b;
    let p = this.p;
    const e = this.e;
    while (p < e) {
      const c = b[p]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.p = p;
  }

  private object(node: Node, rep: number, depth: number): void {
    if (depth > MAX_DEPTH) throw this.parseError('the JSON is nested too deeply');
    if (this.dupMode) this.findLastValues(node, depth);
    const b = this.b;
    const serial = ++this.serial;
    const seen = node.seen;
    const fields = node.fields;
    this.p++;
    this.ws();
    if (this.p < this.e && b[this.p] === 0x7d) this.p++;
    else {
      for (;;) {
        if (this.p >= this.e || b[this.p] !== 0x22) throw this.parseError('expected a quoted key');
        const field = this.matchKey(node);
        // Compact JSON (`"key":value,`) skips the whitespace calls.
        if (b[this.p] !== 0x3a) this.ws();
        if (this.p >= this.e || b[this.p] !== 0x3a) throw this.parseError("expected ':' after a key");
        this.p++;
        if (b[this.p]! <= 0x20) this.ws();
        if (this.p >= this.e) throw this.parseError('unexpected end of the record');
        if (field < 0 || (this.dupMode && node.lastValueAt[field] !== this.p)) this.skipValue(depth + 1);
        else {
          if (seen[field] === serial) throw DUPLICATE_KEY;
          seen[field] = serial;
          this.value(fields[field]!, rep, depth + 1);
        }
        if (b[this.p]! <= 0x20) this.ws();
        if (this.p >= this.e) throw this.parseError('unexpected end of the record');
        const c = b[this.p];
        if (c === 0x2c) {
          this.p++;
          if (b[this.p]! <= 0x20) this.ws();
        } else if (c === 0x7d) {
          this.p++;
          break;
        } else throw this.parseError("expected ',' or '}' in an object");
      }
    }
    for (let i = 0; i < fields.length; i++) if (seen[i] !== serial) this.nulls(fields[i]!, rep);
  }

  /** Duplicate-key mode: notes where each field's last value starts, so earlier ones are skipped. */
  private findLastValues(node: Node, depth: number): void {
    const start = this.p;
    const b = this.b;
    node.lastValueAt.fill(-1);
    this.p++;
    this.ws();
    if (b[this.p] !== 0x7d) {
      for (;;) {
        if (this.p >= this.e || b[this.p] !== 0x22) throw this.parseError('expected a quoted key');
        const field = this.matchKey(node);
        this.ws();
        if (this.p >= this.e || b[this.p] !== 0x3a) throw this.parseError("expected ':' after a key");
        this.p++;
        this.ws();
        if (field >= 0) node.lastValueAt[field] = this.p;
        this.skipValue(depth + 1);
        this.ws();
        if (this.p < this.e && b[this.p] === 0x2c) {
          this.p++;
          this.ws();
        } else if (this.p < this.e && b[this.p] === 0x7d) break;
        else throw this.parseError("expected ',' or '}' in an object");
      }
    }
    this.p = start;
  }

  /** Reads the key at p (a quote) and returns the field it feeds, or -1. */
  private matchKey(node: Node): number {
    const b = this.b;
    const e = this.e;
    const fold = this.fold;
    const dots = this.dots;
    const start = this.p + 1;
    // Records of one stream usually list their keys in the same order: try the field after the last one matched
    // with a single compare before hashing.
    const guess = node.nextGuess;
    if (guess < node.slotKeys.length && node.guessable) {
      const key = node.slotKeys[guess]!;
      const length = key.length;
      if (start + length < e && b[start + length] === 0x22) {
        let k = 0;
        for (; k < length; k++) {
          const c = b[start + k]!;
          const want = key[k]!;
          // Keys never hold '"' or '\\' (compile drops such guesses), so equal bytes need no further check.
          if (c === want) continue;
          if (fold && c >= 0x41 && c <= 0x5a && c + 32 === want) continue;
          if (dots && c === 0x2e && want === 0x5f) continue;
          break;
        }
        if (k === length) {
          this.p = start + length + 1;
          const field = node.slotFields[guess]!;
          node.nextGuess = guess + 1;
          return field;
        }
      }
    }
    let i = start;
    let h = 0;
    for (;;) {
      if (i >= e) throw this.parseError('unterminated key');
      let c = b[i]!;
      if (c === 0x22) break;
      if (c === 0x5c || c < 0x20 || (c >= 0x80 && fold)) return this.matchKeySlow(node);
      if (fold && c >= 0x41 && c <= 0x5a) c += 32;
      if (dots && c === 0x2e) c = 0x5f;
      h = (Math.imul(h, 31) + c) | 0;
      i++;
    }
    this.p = i + 1;
    const slots = node.slots;
    const mask = slots.length - 1;
    let slot = h & mask;
    const length = i - start;
    for (;;) {
      const entry = slots[slot]!;
      if (entry === 0) return -1;
      const key = node.slotKeys[entry - 1]!;
      if (key.length === length) {
        let k = 0;
        for (; k < length; k++) {
          let c = b[start + k]!;
          if (fold && c >= 0x41 && c <= 0x5a) c += 32;
          if (dots && c === 0x2e) c = 0x5f;
          if (c !== key[k]) break;
        }
        if (k === length) {
          node.nextGuess = entry;
          return node.slotFields[entry - 1]!;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  private matchKeySlow(node: Node): number {
    this.scanString();
    const key = utf8Decoder.decode(this.stringBytes());
    return node.keyMap.get(this.foldKey(key)) ?? -1;
  }

  private value(node: Node, rep: number, depth: number): void {
    if (node.kind === LEAF) {
      this.leafValue(node, rep, depth);
      return;
    }
    const c = this.b[this.p];
    if (c === 0x6e) {
      this.literal(NULL_BYTES);
      this.nulls(node, rep);
      return;
    }
    if (node.kind === STRUCT) {
      if (c !== 0x7b) throw this.mismatch(node, depth);
      this.object(node, rep, depth);
    } else if (node.kind === LIST) {
      if (c !== 0x5b) throw this.mismatch(node, depth);
      this.list(node, rep, depth);
    } else {
      if (c !== 0x7b) throw this.mismatch(node, depth);
      this.map(node, rep, depth);
    }
  }

  private list(node: Node, rep: number, depth: number): void {
    if (depth > MAX_DEPTH) throw this.parseError('the JSON is nested too deeply');
    const b = this.b;
    this.p++;
    this.ws();
    if (this.p < this.e && b[this.p] === 0x5d) {
      this.p++;
      this.empty(node, rep);
      return;
    }
    const element = node.element!;
    let r = rep;
    for (;;) {
      if (this.p >= this.e) throw this.parseError('unexpected end of the record');
      this.value(element, r, depth + 1);
      r = node.repetitionLevel;
      this.ws();
      if (this.p >= this.e) throw this.parseError('unexpected end of the record');
      const c = b[this.p];
      if (c === 0x2c) {
        this.p++;
        this.ws();
      } else if (c === 0x5d) {
        this.p++;
        return;
      } else throw this.parseError("expected ',' or ']' in an array");
    }
  }

  private map(node: Node, rep: number, depth: number): void {
    if (depth > MAX_DEPTH) throw this.parseError('the JSON is nested too deeply');
    const b = this.b;
    this.p++;
    this.ws();
    if (this.p < this.e && b[this.p] === 0x7d) {
      this.p++;
      this.empty(node, rep);
      return;
    }
    let r = rep;
    for (;;) {
      if (this.p >= this.e || b[this.p] !== 0x22) throw this.parseError('expected a quoted key');
      this.scanString();
      this.stringLeaf(node.key!, r, true);
      this.ws();
      if (this.p >= this.e || b[this.p] !== 0x3a) throw this.parseError("expected ':' after a key");
      this.p++;
      this.ws();
      if (this.p >= this.e) throw this.parseError('unexpected end of the record');
      this.value(node.value!, r, depth + 1);
      r = node.repetitionLevel;
      this.ws();
      if (this.p >= this.e) throw this.parseError('unexpected end of the record');
      const c = b[this.p];
      if (c === 0x2c) {
        this.p++;
        this.ws();
      } else if (c === 0x7d) {
        this.p++;
        return;
      } else throw this.parseError("expected ',' or '}' in an object");
    }
  }

  /** A null node: every leaf below gets the definition level of the node's parent. */
  private nulls(node: Node, rep: number): void {
    const def = node.definitionLevel - 1;
    for (let i = node.firstLeaf; i < node.endLeaf; i++) this.columns[i]!.nullAt(def, rep);
  }

  /** An empty list or map: present, without elements. */
  private empty(node: Node, rep: number): void {
    const def = node.definitionLevel;
    for (let i = node.firstLeaf; i < node.endLeaf; i++) this.columns[i]!.nullAt(def, rep);
  }

  private leafValue(node: Node, rep: number, depth: number): void {
    const b = this.b;
    const c = b[this.p]!;
    const column = node.column!;
    if (c === 0x22) {
      const kind = node.leaf!.valueKind;
      if (
        (kind === ValueKind.STRING || kind === ValueKind.VARCHAR || kind === ValueKind.CHAR) &&
        this.copyString(column, rep)
      ) {
        if (node.leaf!.length !== 0) this.truncate(node);
        return;
      }
      this.scanString();
      this.stringLeaf(node, rep, !this.hive);
      return;
    }
    if (c === 0x6e) {
      this.literal(NULL_BYTES);
      column.nullAt(node.definitionLevel - 1, rep);
      return;
    }
    const kind = node.leaf!.valueKind;
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.scanNumber();
      this.numberLeaf(node, rep);
      return;
    }
    if (c === 0x74 || c === 0x66) {
      const value = c === 0x74;
      this.literal(value ? TRUE_BYTES : FALSE_BYTES);
      if (kind === ValueKind.BOOLEAN) {
        column.valueAt(rep);
        column.pushWord(value ? 1 : 0);
      } else if (kind === ValueKind.STRING || kind === ValueKind.VARCHAR || kind === ValueKind.CHAR) {
        column.valueAt(rep);
        const text = value ? TRUE_BYTES : FALSE_BYTES;
        column.pushBytes(text, 0, text.length);
        this.truncate(node);
      } else throw this.mismatchAt(node, this.p - (value ? 4 : 5), this.p);
      return;
    }
    if (c === 0x7b || c === 0x5b) {
      const start = this.p;
      this.skipValue(depth);
      const stringy = kind === ValueKind.STRING || kind === ValueKind.VARCHAR || kind === ValueKind.CHAR;
      // §7.2: OpenX stores nested JSON in a string column as text; HiveJsonSerDe does not.
      if (!stringy || this.hive) throw this.mismatchAt(node, start, this.p);
      column.valueAt(rep);
      column.pushBytes(b, start, this.p);
      this.truncate(node);
      return;
    }
    throw this.parseError('unexpected character');
  }

  /** The JSON string just scanned as the value of a leaf; `lenient` lets numbers and booleans come as text. */
  private stringLeaf(node: Node, rep: number, lenient: boolean): void {
    const column = node.column!;
    const kind = node.leaf!.valueKind;
    switch (kind) {
      case ValueKind.STRING:
      case ValueKind.VARCHAR:
      case ValueKind.CHAR:
      case ValueKind.BINARY: {
        column.valueAt(rep);
        // Valid UTF-8 without escapes is copied from the record as is (no subarray: Buffer's costs an object).
        if (!this.strEscaped && (!this.strNonAscii || validUtf8(this.b, this.strStart, this.strEnd)))
          column.pushBytes(this.b, this.strStart, this.strEnd);
        else {
          const bytes = this.stringBytes();
          column.pushBytes(bytes, 0, bytes.length);
        }
        if (kind !== ValueKind.BINARY) this.truncate(node);
        return;
      }
      case ValueKind.DATE: {
        const bytes = this.stringBytes();
        const days = parseDate(bytes, 0, bytes.length);
        if (Number.isNaN(days)) throw this.mismatchAt(node, this.strStart - 1, this.strEnd + 1);
        column.valueAt(rep);
        column.pushWord(days);
        return;
      }
      case ValueKind.TIMESTAMP: {
        const plain = !this.strEscaped && !this.strNonAscii;
        const ok = plain
          ? this.timestamp(this.b, this.strStart, this.strEnd)
          : this.timestampOf(this.stringBytes());
        if (!ok) throw this.mismatchAt(node, this.strStart - 1, this.strEnd + 1);
        column.valueAt(rep);
        this.pushInstant(column);
        return;
      }
      default: {
        if (!lenient) throw this.mismatchAt(node, this.strStart - 1, this.strEnd + 1);
        const text = utf8Decoder.decode(this.stringBytes());
        if (!this.textLeaf(node, rep, text)) throw this.mismatchAt(node, this.strStart - 1, this.strEnd + 1);
      }
    }
  }

  /** Numbers, booleans and decimals given as JSON strings (OpenX, and map keys for both SerDes). */
  private textLeaf(node: Node, rep: number, text: string): boolean {
    const column = node.column!;
    const leaf = node.leaf!;
    switch (leaf.valueKind) {
      case ValueKind.BOOLEAN: {
        const lower = text.toLowerCase();
        if (lower !== 'true' && lower !== 'false') return false;
        column.valueAt(rep);
        column.pushWord(lower === 'true' ? 1 : 0);
        return true;
      }
      case ValueKind.INT8:
      case ValueKind.INT16:
      case ValueKind.INT32:
      case ValueKind.INT64: {
        // OpenX parses integers with Java's parseInt/parseLong and also takes 0x-prefixed hex.
        const m = /^([+-]?)(0[xX][0-9a-fA-F]+|\d+)$/.exec(text);
        if (!m) return false;
        let value = BigInt(m[2]!);
        if (m[1] === '-') value = -value;
        return this.pushBigInteger(node, rep, value);
      }
      case ValueKind.FLOAT:
      case ValueKind.DOUBLE: {
        const trimmed = text.trim();
        if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(NaN|Infinity)$/.test(trimmed)) return false;
        const value = Number(trimmed);
        column.valueAt(rep);
        if (leaf.valueKind === ValueKind.FLOAT) column.pushFloat32(value);
        else column.pushFloat64(value);
        return true;
      }
      case ValueKind.DECIMAL:
        return this.pushDecimal(node, rep, text.trim());
      default:
        return false;
    }
  }

  private numberLeaf(node: Node, rep: number): void {
    const column = node.column!;
    const leaf = node.leaf!;
    const kind = leaf.valueKind;
    switch (kind) {
      case ValueKind.INT8:
      case ValueKind.INT16:
      case ValueKind.INT32:
      case ValueKind.INT64: {
        if (!this.numIsInteger) throw this.mismatchAt(node, this.numStart, this.p);
        if (this.numDigits <= 15) {
          const value = this.numNegative ? -this.numMantissa : this.numMantissa;
          if (kind === ValueKind.INT64) {
            column.valueAt(rep);
            column.pushInt64(value);
            return;
          }
          const limit = kind === ValueKind.INT8 ? 128 : kind === ValueKind.INT16 ? 32768 : 2147483648;
          if (value < -limit || value >= limit) throw this.mismatchAt(node, this.numStart, this.p);
          column.valueAt(rep);
          column.pushWord(value);
          return;
        }
        if (!this.pushBigInteger(node, rep, BigInt(this.latin1(this.numStart, this.p)))) {
          throw this.mismatchAt(node, this.numStart, this.p);
        }
        return;
      }
      case ValueKind.DOUBLE:
      case ValueKind.FLOAT: {
        const value = this.numberValue();
        column.valueAt(rep);
        if (kind === ValueKind.FLOAT) column.pushFloat32(value);
        else column.pushFloat64(value);
        return;
      }
      case ValueKind.DECIMAL:
        if (!this.pushDecimal(node, rep, this.latin1(this.numStart, this.p))) {
          throw this.mismatchAt(node, this.numStart, this.p);
        }
        return;
      case ValueKind.STRING:
      case ValueKind.VARCHAR:
      case ValueKind.CHAR:
        column.valueAt(rep);
        column.pushBytes(this.b, this.numStart, this.p);
        this.truncate(node);
        return;
      case ValueKind.TIMESTAMP:
        // Both SerDes read a JSON number's text as they read a string (§7.2).
        if (!this.timestamp(this.b, this.numStart, this.p))
          throw this.mismatchAt(node, this.numStart, this.p);
        column.valueAt(rep);
        this.pushInstant(column);
        return;
      default:
        throw this.mismatchAt(node, this.numStart, this.p);
    }
  }

  /** The value of the number just scanned; exact fast path when mantissa and power of ten are exact doubles. */
  private numberValue(): number {
    if (this.numDigits <= 15) {
      const exponent = this.numExponent - this.numFractionDigits;
      let value = -1;
      if (exponent === 0) value = this.numMantissa;
      else if (exponent < 0 && exponent >= -22) value = this.numMantissa / POW10[-exponent]!;
      else if (exponent > 0 && exponent <= 22) value = this.numMantissa * POW10[exponent]!;
      if (value >= 0) return this.numNegative ? -value : value;
    }
    return Number(this.latin1(this.numStart, this.p));
  }

  private pushBigInteger(node: Node, rep: number, value: bigint): boolean {
    const column = node.column!;
    const kind = node.leaf!.valueKind;
    const bits =
      kind === ValueKind.INT8 ? 8n : kind === ValueKind.INT16 ? 16n : kind === ValueKind.INT32 ? 32n : 64n;
    const limit = 1n << (bits - 1n);
    if (value < -limit || value >= limit) return false;
    column.valueAt(rep);
    if (bits === 64n)
      column.pushWords(Number(BigInt.asIntN(32, value)), Number(BigInt.asIntN(32, value >> 32n)));
    else column.pushWord(Number(value));
    return true;
  }

  /** A decimal's text → unscaled integer at the column's scale (half-up), or false when it overflows. */
  private pushDecimal(node: Node, rep: number, text: string): boolean {
    const leaf = node.leaf!;
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) return false;
    const digits = (m[2] ?? '') + (m[3] ?? '');
    const shift = Number(m[4] ?? 0) - (m[3] ?? '').length + leaf.scale;
    if (Math.abs(shift) > 400) return false;
    let unscaled = BigInt(digits);
    if (shift >= 0) unscaled *= 10n ** BigInt(shift);
    else {
      const divisor = 10n ** BigInt(-shift);
      const remainder = unscaled % divisor;
      unscaled /= divisor;
      if (remainder * 2n >= divisor) unscaled += 1n;
    }
    if (m[1] === '-') unscaled = -unscaled;
    const limit = 10n ** BigInt(leaf.precision);
    if (unscaled >= limit || unscaled <= -limit) return false;
    const column = node.column!;
    column.valueAt(rep);
    if (leaf.physical === Physical.INT32) column.pushWord(Number(unscaled));
    else if (leaf.physical === Physical.INT64) {
      column.pushWords(Number(BigInt.asIntN(32, unscaled)), Number(BigInt.asIntN(32, unscaled >> 32n)));
    } else {
      const bytes = new Uint8Array(leaf.typeLength);
      let v = BigInt.asUintN(8 * leaf.typeLength, unscaled);
      for (let i = bytes.length - 1; i >= 0; i--) {
        bytes[i] = Number(v & 0xffn);
        v >>= 8n;
      }
      column.pushFixed(bytes);
    }
    return true;
  }

  private timestampOf(bytes: Uint8Array): boolean {
    return this.timestamp(bytes, 0, bytes.length);
  }

  private timestamp(bytes: Uint8Array, start: number, end: number): boolean {
    const out = this.instant;
    if (!this.hive) return parseOpenXTimestamp(bytes, start, end, out);
    for (const format of this.formats) if (parseWithFormat(format, bytes, start, end, out)) return true;
    // Hive tries its TimestampFormats first, then java.sql.Timestamp.valueOf (§7.2).
    return parseSqlTimestamp(bytes, start, end, out, false);
  }

  private pushInstant(column: ColumnData): void {
    const { seconds, micros } = this.instant;
    if (Math.abs(seconds) < 9e9) column.pushInt64(seconds * 1e6 + micros);
    else {
      const total = BigInt(seconds) * 1000000n + BigInt(micros);
      column.pushWords(Number(BigInt.asIntN(32, total)), Number(BigInt.asIntN(32, total >> 32n)));
    }
  }

  /** char(n)/varchar(n): the value just pushed is cut to n characters (Hive truncates; char is not padded). */
  private truncate(node: Node): void {
    const leaf = node.leaf!;
    if (leaf.length === 0) return;
    const column = node.column!;
    const end = column.byteLength;
    const start = column.valueCount > 1 ? column.ends[column.valueCount - 2]! : 0;
    if (end - start <= leaf.length) return;
    const bytes = column.bytes;
    let chars = 0;
    let i = start;
    while (i < end) {
      const c = bytes[i]!;
      if ((c & 0xc0) !== 0x80) {
        if (chars === leaf.length) break;
        chars++;
      }
      i++;
    }
    column.truncateLast(i);
  }

  /** The last scanned string's content as valid UTF-8 bytes (escapes decoded; bad UTF-8 replaced, as Java does). */
  private stringBytes(): Uint8Array {
    const start = this.strStart;
    const end = this.strEnd;
    const b = this.b;
    if (!this.strEscaped) {
      if (this.strNonAscii && !validUtf8(b, start, end))
        return utf8Encoder.encode(utf8Decoder.decode(b.subarray(start, end)));
      return b.subarray(start, end);
    }
    if (this.scratch.length < end - start) this.scratch = new Uint8Array(2 * (end - start));
    const out = this.scratch;
    let n = 0;
    let i = start;
    let plain = start;
    while (i < end) {
      if (b[i] !== 0x5c) {
        i++;
        continue;
      }
      out.set(b.subarray(plain, i), n);
      n += i - plain;
      const x = b[i + 1]!;
      i += 2;
      if (x !== 0x75) out[n++] = ESCAPES[x]!;
      else {
        let code = hex4(b, i);
        i += 4;
        if (code >= 0xd800 && code <= 0xdbff && b[i] === 0x5c && b[i + 1] === 0x75) {
          const low = hex4(b, i + 2);
          if (low >= 0xdc00 && low <= 0xdfff) {
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
            i += 6;
          }
        }
        if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
        n = writeUtf8(out, n, code);
      }
      plain = i;
    }
    out.set(b.subarray(plain, end), n);
    n += end - plain;
    const decoded = out.subarray(0, n);
    if (this.strNonAscii && !validUtf8(decoded, 0, n)) return utf8Encoder.encode(utf8Decoder.decode(decoded));
    return decoded;
  }

  /**
   * The common case of a string value, scanned and copied into the column in one pass: plain ASCII without
   * escapes. Returns false, having changed nothing, for any other string (the general path then handles it).
   * Four bytes at a time while none of them ends the string or needs the general path, then byte by byte; the
   * dictionary's hash (byteArrayHash) is computed on the way, words then bytes as it defines them.
   */
  private copyString(column: ColumnData, rep: number): boolean {
    const b = this.b;
    const e = this.e;
    const view = this.view;
    const start = this.p + 1;
    const at = column.reserveBytes(e - start);
    const out = column.bytes;
    const outView = column.view;
    let i = start;
    let n = at;
    let h = 0;
    while (i + 4 <= e) {
      const w = view.getInt32(i, true);
      if (needsCare(w) !== 0) break;
      outView.setInt32(n, w, true);
      h = hashWord(h, w);
      i += 4;
      n += 4;
    }
    for (;;) {
      if (i >= e) return false;
      const c = b[i]!;
      if (c === 0x22) break;
      if (c === 0x5c || c < 0x20 || c >= 0x80) return false;
      out[n++] = c;
      h = hashByte(h, c);
      i++;
    }
    column.valueAt(rep);
    column.endBytes(n, finishHash(h, n - at));
    this.p = i + 1;
    return true;
  }

  /** Scans the string at p (a quote), validating it; sets strStart/strEnd/strEscaped/strNonAscii. */
  private scanString(): void {
    const b = this.b;
    const e = this.e;
    let i = this.p + 1;
    let escaped = false;
    let nonAscii = false;
    for (;;) {
      if (i >= e) throw this.parseError('unterminated string');
      const c = b[i]!;
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        const x = b[i + 1];
        if (x === 0x75) {
          if (i + 6 > e || hex4(b, i + 2) < 0) throw this.parseError('invalid \\u escape');
          i += 6;
        } else if (x !== undefined && ESCAPES[x] !== 0 && i + 1 < e) i += 2;
        else throw this.parseError('invalid escape');
        continue;
      }
      if (c < 0x20) throw this.parseError('control character in a string');
      if (c >= 0x80) nonAscii = true;
      i++;
    }
    this.strStart = this.p + 1;
    this.strEnd = i;
    this.strEscaped = escaped;
    this.strNonAscii = nonAscii;
    this.p = i + 1;
  }

  /** Scans the number at p, validating RFC 8259's grammar; sets the num* fields. */
  private scanNumber(): void {
    const b = this.b;
    const e = this.e;
    let i = this.p;
    this.numStart = i;
    let negative = false;
    if (b[i] === 0x2d) {
      negative = true;
      i++;
    }
    let mantissa = 0;
    let digits = 0;
    const first = i < e ? b[i]! : 0;
    if (first === 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) {
      while (i < e) {
        const d = b[i]! - 0x30;
        if (d < 0 || d > 9) break;
        mantissa = mantissa * 10 + d;
        digits++;
        i++;
      }
    } else throw this.parseError('invalid number');
    let fraction = 0;
    if (i < e && b[i] === 0x2e) {
      i++;
      while (i < e) {
        const d = b[i]! - 0x30;
        if (d < 0 || d > 9) break;
        mantissa = mantissa * 10 + d;
        fraction++;
        i++;
      }
      if (fraction === 0) throw this.parseError('invalid number');
    }
    let exponent = 0;
    let hasExponent = false;
    if (i < e && (b[i] === 0x65 || b[i] === 0x45)) {
      hasExponent = true;
      i++;
      let sign = 1;
      if (b[i] === 0x2b || b[i] === 0x2d) sign = b[i++] === 0x2d ? -1 : 1;
      let n = 0;
      while (i < e) {
        const d = b[i]! - 0x30;
        if (d < 0 || d > 9) break;
        if (exponent < 1e6) exponent = exponent * 10 + d;
        n++;
        i++;
      }
      if (n === 0) throw this.parseError('invalid number');
      exponent *= sign;
    }
    this.numNegative = negative;
    this.numMantissa = mantissa;
    this.numDigits = digits + fraction;
    this.numFractionDigits = fraction;
    this.numExponent = exponent;
    this.numIsInteger = fraction === 0 && !hasExponent;
    this.p = i;
  }

  private literal(bytes: Uint8Array): void {
    const b = this.b;
    const p = this.p;
    if (p + bytes.length > this.e) throw this.parseError('invalid literal');
    for (let k = 0; k < bytes.length; k++)
      if (b[p + k] !== bytes[k]) throw this.parseError('invalid literal');
    this.p = p + bytes.length;
  }

  /** Validates and skips any JSON value (attributes outside the schema are dropped, §7.1). */
  private skipValue(depth: number): void {
    if (depth > MAX_DEPTH) throw this.parseError('the JSON is nested too deeply');
    const b = this.b;
    const c = this.p < this.e ? b[this.p]! : 0;
    if (c === 0x22) this.scanString();
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) this.scanNumber();
    else if (c === 0x74) this.literal(TRUE_BYTES);
    else if (c === 0x66) this.literal(FALSE_BYTES);
    else if (c === 0x6e) this.literal(NULL_BYTES);
    else if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      this.p++;
      this.ws();
      if (this.p < this.e && b[this.p] === close) {
        this.p++;
        return;
      }
      for (;;) {
        if (c === 0x7b) {
          if (b[this.p] !== 0x22) throw this.parseError('expected a quoted key');
          this.scanString();
          this.ws();
          if (this.p >= this.e || b[this.p] !== 0x3a) throw this.parseError("expected ':' after a key");
          this.p++;
          this.ws();
        }
        this.skipValue(depth + 1);
        this.ws();
        if (this.p < this.e && b[this.p] === 0x2c) {
          this.p++;
          this.ws();
        } else if (this.p < this.e && b[this.p] === close) {
          this.p++;
          return;
        } else
          throw this.parseError(
            c === 0x7b ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array",
          );
      }
    } else throw this.parseError(this.p >= this.e ? 'unexpected end of the record' : 'unexpected character');
  }

  private latin1(start: number, end: number): string {
    let text = '';
    for (let i = start; i < end; i++) text += String.fromCharCode(this.b[i]!);
    return text;
  }

  private parseError(why: string): RecordFailure {
    const at = Math.min(this.p, this.e);
    const excerpt = utf8Decoder.decode(
      this.b.subarray(Math.max(this.recordStart, at - 20), Math.min(this.e, at + 20)),
    );
    return new RecordFailure(
      PARSE_ERROR,
      `The record is not valid JSON: ${why} at byte ${at - this.recordStart}, near ${JSON.stringify(excerpt)}.`,
    );
  }

  private mismatch(node: Node, depth: number): RecordFailure {
    const start = this.p;
    this.skipValue(depth);
    return this.mismatchAt(node, start, this.p);
  }

  private mismatchAt(node: Node, start: number, end: number): RecordFailure {
    const text = utf8Decoder.decode(this.b.subarray(start, Math.min(end, start + 80)));
    return new RecordFailure(
      MALFORMED_DATA,
      `Data does not match the schema: column ${node.displayName} (${node.typeName}) cannot hold ${text}${end - start > 80 ? '…' : ''}.`,
    );
  }
}

const NULL_BYTES = new TextEncoder().encode('null');

/**
 * Non-zero when one of the four bytes of `w` is '"', '\\', a control character or not ASCII: the classic
 * "has a zero byte" and "has a byte less than n" word tricks, exact as a yes/no answer.
 */
function needsCare(w: number): number {
  const quote = w ^ 0x22222222;
  const backslash = w ^ 0x5c5c5c5c;
  return (
    (w |
      ((quote - 0x01010101) & ~quote) |
      ((backslash - 0x01010101) & ~backslash) |
      ((w - 0x20202020) & ~w)) &
    0x80808080
  );
}
const DUPLICATE_KEY = new Error('duplicate key');
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
