import { createHash } from 'node:crypto';

/**
 * De-aggregation of Kinesis Producer Library records (spec §12: Firehose de-aggregates KPL records read from
 * a Kinesis stream before transform and delivery). An aggregated record is
 *
 *   magic F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes (16 bytes)
 *
 *   message AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
 *                              repeated Record records = 3; }
 *   message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *                    required bytes data = 3; repeated Tag tags = 4; }
 *
 * A record that starts with the magic but fails the checksum or does not parse is delivered as one plain
 * record, as the KCL does: a producer may legitimately send bytes that happen to start with the magic.
 */
export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const DIGEST_BYTES = 16;

export interface KplSubRecord {
  readonly partitionKey: string;
  /** A view into the aggregated record's bytes, not a copy. */
  readonly data: Uint8Array;
}

/** The sub-records of a KPL-aggregated record, or undefined when `record` is not one (deliver it as is). */
export function deaggregate(record: Uint8Array): KplSubRecord[] | undefined {
  if (record.byteLength < KPL_MAGIC.byteLength + DIGEST_BYTES) return undefined;
  for (let i = 0; i < KPL_MAGIC.byteLength; i++) if (record[i] !== KPL_MAGIC[i]) return undefined;
  const body = record.subarray(KPL_MAGIC.byteLength, record.byteLength - DIGEST_BYTES);
  const digest = createHash('md5').update(body).digest();
  if (!digest.equals(record.subarray(record.byteLength - DIGEST_BYTES))) return undefined;
  try {
    return parseAggregatedRecord(body);
  } catch {
    return undefined;
  }
}

class Reader {
  at = 0;
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.buf.byteLength;
  }

  /** Varints up to 2^53 are enough for table indexes and lengths; larger ones are refused. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.at >= this.buf.byteLength) throw new Error('truncated varint');
      const byte = this.buf[this.at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) throw new Error('varint too large');
        return value;
      }
      scale *= 128;
    }
    throw new Error('varint too long');
  }

  bytes(): Uint8Array {
    const length = this.varint();
    const end = this.at + length;
    if (end > this.buf.byteLength) throw new Error('truncated field');
    const out = this.buf.subarray(this.at, end);
    this.at = end;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.advance(4);
    else throw new Error(`unsupported wire type ${wireType}`);
  }

  private advance(bytes: number): void {
    if (this.at + bytes > this.buf.byteLength) throw new Error('truncated field');
    this.at += bytes;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseAggregatedRecord(body: Uint8Array): KplSubRecord[] {
  const partitionKeys: string[] = [];
  const entries: Array<{ keyIndex: number; data: Uint8Array }> = [];
  const reader = new Reader(body);
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    if (field === 1 && tag % 8 === 2) partitionKeys.push(utf8.decode(reader.bytes()));
    else if (field === 3 && tag % 8 === 2) entries.push(parseRecord(reader.bytes()));
    else reader.skip(tag % 8);
  }
  if (entries.length === 0) throw new Error('no records');
  return entries.map((entry) => {
    const partitionKey = partitionKeys[entry.keyIndex];
    if (partitionKey === undefined) throw new Error('partition key index out of range');
    return { partitionKey, data: entry.data };
  });
}

function parseRecord(bytes: Uint8Array): { keyIndex: number; data: Uint8Array } {
  const reader = new Reader(bytes);
  let keyIndex: number | undefined;
  let data: Uint8Array | undefined;
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    if (field === 1 && tag % 8 === 0) keyIndex = reader.varint();
    else if (field === 3 && tag % 8 === 2) data = reader.bytes();
    else reader.skip(tag % 8);
  }
  if (keyIndex === undefined || data === undefined) throw new Error('record without key index or data');
  return { keyIndex, data };
}
