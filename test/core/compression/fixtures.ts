import { Buffer } from 'node:buffer';

/** xorshift32: deterministic bytes, so a failing case reproduces exactly. */
export function seededBytes(sizeBytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(sizeBytes);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < sizeBytes; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** Newline-delimited JSON like a clickstream: highly repetitive, so the codecs' back-references get exercised. */
export function repetitiveBytes(sizeBytes: number): Uint8Array {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < sizeBytes; i++) {
    const line = `{"ticker_symbol":"AMZN","sector":"TECHNOLOGY","change":${i % 97},"price":${(i * 7) % 1000}.5}\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, sizeBytes);
}

/** Cuts `data` into chunks of pseudo-random sizes 1…maxChunkBytes, so boundaries never line up with blocks. */
export function splitIrregularly(data: Uint8Array, maxChunkBytes: number, seed: number): Uint8Array[] {
  const sizes = seededBytes(Math.ceil(data.byteLength) + 4, seed);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; offset < data.byteLength; i += 3) {
    const draw = ((sizes[i % sizes.length]! << 16) | (sizes[(i + 1) % sizes.length]! << 8)) >>> 0;
    const size = 1 + (draw % maxChunkBytes);
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

export function concat(chunks: readonly Uint8Array[]): Buffer {
  return Buffer.concat(chunks);
}

export interface InputCase {
  name: string;
  chunks: Uint8Array[];
}

/** The cases every codec must survive, decoded by independent tools. */
export function inputCases(): InputCase[] {
  const mixed = concat([seededBytes(1_500_000, 7), repetitiveBytes(1_500_000)]);
  const medium = concat([repetitiveBytes(300_000), seededBytes(300_000, 11)]);
  return [
    { name: 'no chunks', chunks: [] },
    { name: 'one empty chunk', chunks: [new Uint8Array(0)] },
    { name: 'one byte', chunks: [Uint8Array.of(0x2a)] },
    { name: 'many chunks not aligned to blocks', chunks: splitIrregularly(medium, 50_000, 3) },
    { name: '3 MB of random then repetitive data in one chunk', chunks: [mixed] },
    { name: '3 MB split into irregular chunks', chunks: splitIrregularly(mixed, 100_000, 5) },
  ];
}
