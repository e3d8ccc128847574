import { bounded, SluiceError } from '../errors.ts';

/** A Hive column type as AWS Glue stores it in `StorageDescriptor.Columns[].Type` (spec §7.1). */
export type HiveType =
  | { readonly kind: 'boolean' | 'tinyint' | 'smallint' | 'int' | 'bigint' | 'float' | 'double' }
  | { readonly kind: 'string' | 'binary' | 'date' | 'timestamp' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'char' | 'varchar'; readonly length: number }
  | { readonly kind: 'array'; readonly element: HiveType }
  | { readonly kind: 'map'; readonly key: HiveType; readonly value: HiveType }
  | { readonly kind: 'struct'; readonly fields: readonly HiveField[] };

export interface HiveField {
  readonly name: string;
  readonly type: HiveType;
}

const SIMPLE = new Set(['boolean', 'tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'string']);
const SIMPLE_MORE = new Set(['binary', 'date', 'timestamp']);
/** Hive's own limits (floci probed the same on Firehose, spec §7.1). */
const MAX_DECIMAL_PRECISION = 38;
const MAX_CHAR_LENGTH = 255;
const MAX_VARCHAR_LENGTH = 65535;

/**
 * Parses a Hive type string (`int`, `decimal(10,2)`, `array<struct<a:int,b:map<string,double>>>`). Type names
 * are case-insensitive as in Hive; `integer` and `dec` are Hive's aliases. Throws a SluiceError naming the
 * column and the offending text.
 */
export function parseHiveType(text: string, column: string): HiveType {
  const parser = new TypeParser(text, column);
  const type = parser.type();
  parser.expectEnd();
  return type;
}

class TypeParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly column: string,
  ) {}

  type(): HiveType {
    const start = this.pos;
    const word = this.word().toLowerCase();
    if (SIMPLE.has(word) || SIMPLE_MORE.has(word)) return { kind: word } as HiveType;
    switch (word) {
      case 'integer':
        return { kind: 'int' };
      case 'decimal':
      case 'dec':
      case 'numeric': {
        // Hive's default for a bare `decimal` is decimal(10,0).
        if (!this.peek('(')) return { kind: 'decimal', precision: 10, scale: 0 };
        this.expect('(');
        const precision = this.number();
        let scale = 0;
        if (this.peek(',')) {
          this.expect(',');
          scale = this.number();
        }
        this.expect(')');
        if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale > precision) {
          this.fail(`decimal(${precision},${scale}) needs 1 ≤ precision ≤ 38 and scale ≤ precision`);
        }
        return { kind: 'decimal', precision, scale };
      }
      case 'char':
      case 'varchar': {
        this.expect('(');
        const length = this.number();
        this.expect(')');
        const max = word === 'char' ? MAX_CHAR_LENGTH : MAX_VARCHAR_LENGTH;
        if (length < 1 || length > max) this.fail(`${word}(${length}) needs a length from 1 to ${max}`);
        return { kind: word, length };
      }
      case 'array': {
        this.expect('<');
        const element = this.type();
        this.expect('>');
        return { kind: 'array', element };
      }
      case 'map': {
        this.expect('<');
        const key = this.type();
        if (key.kind === 'array' || key.kind === 'map' || key.kind === 'struct') {
          this.fail('map keys must be of a primitive type');
        }
        this.expect(',');
        const value = this.type();
        this.expect('>');
        return { kind: 'map', key, value };
      }
      case 'struct': {
        this.expect('<');
        const fields: HiveField[] = [];
        const names = new Set<string>();
        while (!this.peek('>')) {
          if (fields.length > 0) this.expect(',');
          const name = this.fieldName();
          if (names.has(name.toLowerCase())) this.fail(`struct field ${name} appears twice`);
          names.add(name.toLowerCase());
          this.expect(':');
          fields.push({ name, type: this.type() });
        }
        this.expect('>');
        if (fields.length === 0) this.fail('a struct needs at least one field');
        return { kind: 'struct', fields };
      }
      case 'uniontype':
        return this.fail('uniontype is not supported by Firehose format conversion (spec §7.2)');
      case '':
        return this.fail(`expected a type at position ${start}`);
      default:
        return this.fail(`unknown type ${word}`);
    }
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail(`unexpected ${this.text.slice(this.pos, this.pos + 10)}`);
  }

  private word(): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && /[A-Za-z0-9_]/.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** Struct field names: an identifier, or anything but a backquote between backquotes (Hive's quoting). */
  private fieldName(): string {
    this.skipSpace();
    if (this.text[this.pos] === '`') {
      const end = this.text.indexOf('`', this.pos + 1);
      if (end < 0) this.fail('unterminated `quoted` field name');
      const name = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      if (name === '') this.fail('empty field name');
      return name;
    }
    const start = this.pos;
    while (this.pos < this.text.length && /[^\s:<>,()`]/.test(this.text[this.pos]!)) this.pos++;
    if (this.pos === start) this.fail(`expected a field name at position ${start}`);
    return this.text.slice(start, this.pos);
  }

  private number(): number {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && /[0-9]/.test(this.text[this.pos]!)) this.pos++;
    if (start === this.pos) this.fail(`expected a number at position ${start}`);
    return Number(this.text.slice(start, this.pos));
  }

  private peek(token: string): boolean {
    this.skipSpace();
    return this.text[this.pos] === token;
  }

  private expect(token: string): void {
    if (!this.peek(token)) {
      const found = this.pos < this.text.length ? `'${this.text[this.pos]}'` : 'the end';
      this.fail(`expected '${token}' at position ${this.pos}, found ${found}`);
    }
    this.pos++;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private fail(why: string): never {
    throw new SluiceError(
      'InvalidSchema',
      `Column ${bounded(this.column)} has the type ${bounded(this.text, 200)}, which is not a valid Hive type: ${why}. ` +
        'Use the Hive types Glue accepts (boolean, tinyint, smallint, int, bigint, float, double, decimal(p,s), ' +
        'string, char(n), varchar(n), binary, date, timestamp, array<T>, map<K,V>, struct<name:T,...>).',
    );
  }
}

/** The type as Hive prints it, for messages. */
export function hiveTypeName(type: HiveType): string {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'char':
    case 'varchar':
      return `${type.kind}(${type.length})`;
    case 'array':
      return `array<${hiveTypeName(type.element)}>`;
    case 'map':
      return `map<${hiveTypeName(type.key)},${hiveTypeName(type.value)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${hiveTypeName(f.type)}`).join(',')}>`;
    default:
      return type.kind;
  }
}
