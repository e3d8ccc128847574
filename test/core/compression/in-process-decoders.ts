import { Buffer } from 'node:buffer';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import SnappyJS from 'snappyjs';

/** Test-only readers, strict about framing so that a malformed frame throws instead of decoding partially. */

export function readXerialBlocks(stream: Uint8Array): Buffer[] {
  const data = Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength);
  if (!data.subarray(0, 8).equals(Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]))) {
    throw new Error('bad xerial magic');
  }
  if (data.readInt32BE(8) !== 1 || data.readInt32BE(12) !== 1) throw new Error('bad xerial version');
  const blocks: Buffer[] = [];
  let pos = 16;
  while (pos < data.byteLength) {
    const length = data.readInt32BE(pos);
    if (pos + 4 + length > data.byteLength) throw new Error('truncated xerial block');
    blocks.push(Buffer.from(SnappyJS.uncompress(data.subarray(pos + 4, pos + 4 + length))));
    pos += 4 + length;
  }
  return blocks;
}

export interface HadoopBlock {
  uncompressedBytes: number;
  chunks: Buffer[];
}

export function readHadoopBlocks(stream: Uint8Array): HadoopBlock[] {
  const data = Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength);
  const blocks: HadoopBlock[] = [];
  let pos = 0;
  while (pos < data.byteLength) {
    const uncompressedBytes = data.readInt32BE(pos);
    pos += 4;
    const chunks: Buffer[] = [];
    let decoded = 0;
    while (decoded < uncompressedBytes) {
      const length = data.readInt32BE(pos);
      if (pos + 4 + length > data.byteLength) throw new Error('truncated hadoop chunk');
      const chunk = Buffer.from(SnappyJS.uncompress(data.subarray(pos + 4, pos + 4 + length)));
      chunks.push(chunk);
      decoded += chunk.byteLength;
      pos += 4 + length;
    }
    if (decoded !== uncompressedBytes) throw new Error('hadoop block length mismatch');
    blocks.push({ uncompressedBytes, chunks });
  }
  return blocks;
}

/** Reads the one entry through the central directory, as unzip does, and checks it against the local header. */
export function readOnlyZipEntry(archive: Uint8Array): { name: string; data: Buffer; crc32: number } {
  const zip = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const end = zip.byteLength - 22;
  if (zip.readUInt32LE(end) !== 0x06054b50) throw new Error('no end of central directory record');
  if (zip.readUInt16LE(end + 10) !== 1) throw new Error('expected exactly one entry');
  const central = zip.readUInt32LE(end + 16);
  if (zip.readUInt32LE(central) !== 0x02014b50) throw new Error('bad central directory header');
  const compressedBytes = zip.readUInt32LE(central + 20);
  const uncompressedBytes = zip.readUInt32LE(central + 24);
  const nameBytes = zip.readUInt16LE(central + 28);
  const local = zip.readUInt32LE(central + 42);
  if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error('bad local header');
  if (!zip.subarray(local + 4, local + 30 - 4).equals(zip.subarray(central + 6, central + 32 - 4))) {
    throw new Error('local and central headers disagree');
  }
  const dataStart = local + 30 + nameBytes + zip.readUInt16LE(local + 28);
  const data = inflateRawSync(zip.subarray(dataStart, dataStart + compressedBytes));
  if (data.byteLength !== uncompressedBytes) throw new Error('size mismatch');
  return {
    name: zip.subarray(central + 46, central + 46 + nameBytes).toString('utf8'),
    data,
    crc32: zip.readUInt32LE(central + 16),
  };
}

export function decodeGzip(stream: Uint8Array): Buffer {
  return gunzipSync(stream);
}
