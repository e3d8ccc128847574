import { Buffer } from 'node:buffer';
import { promisify } from 'node:util';
import { crc32, deflateRaw } from 'node:zlib';
import { SluiceError } from '../errors.ts';
import { concatChunks } from './chunks.ts';
import type { Codec, CompressContext } from './codec.ts';
import { toDosDateTime } from './dos-date-time.ts';
import { ZLIB_CHUNK_BYTES } from './gzip.ts';

const deflateRawAsync = promisify(deflateRaw);

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY_SIGNATURE = 0x06054b50;
const LOCAL_HEADER_BYTES = 30;
const CENTRAL_HEADER_BYTES = 46;
const END_RECORD_BYTES = 22;
/** 2.0: the lowest version that knows deflate; made-by host 0 (MS-DOS), so no Unix permissions are implied. */
const ZIP_VERSION = 20;
const METHOD_DEFLATE = 8;
/** Without ZIP64 extensions every size and offset must fit in 32 bits. */
const ZIP32_MAX_BYTES = 0xffffffff;

/** A ZIP archive with one deflated entry named by a UUID (spec §3.4: `.zip`, Content-Encoding `zip`). */
export const zipCodec: Codec = {
  format: 'ZIP',
  extension: '.zip',
  contentEncoding: 'zip',
  compress: async (chunks, ctx) => {
    let checksum = 0;
    for (const chunk of chunks) checksum = crc32(chunk, checksum);
    const input = concatChunks(chunks);
    const deflated = await deflateRawAsync(input, { level: 6, chunkSize: ZLIB_CHUNK_BYTES });
    return [buildZipArchive({ ctx, checksum, uncompressedBytes: input.byteLength, deflated })];
  },
};

interface ZipEntry {
  ctx: CompressContext;
  checksum: number;
  uncompressedBytes: number;
  deflated: Uint8Array;
}

function buildZipArchive({ ctx, checksum, uncompressedBytes, deflated }: ZipEntry): Uint8Array {
  const name = Buffer.from(ctx.uuid, 'utf8');
  const centralOffset = LOCAL_HEADER_BYTES + name.byteLength + deflated.byteLength;
  const centralBytes = CENTRAL_HEADER_BYTES + name.byteLength;
  if (uncompressedBytes > ZIP32_MAX_BYTES || centralOffset + centralBytes > ZIP32_MAX_BYTES) {
    throw new SluiceError(
      'Compression.ZipTooLarge',
      `A ZIP object of ${uncompressedBytes} uncompressed bytes needs ZIP64, which Sluice does not write; ` +
        'lower the buffering size hint.',
    );
  }
  const { date, time } = toDosDateTime(ctx.nowMs);
  const out = Buffer.allocUnsafe(centralOffset + centralBytes + END_RECORD_BYTES);

  // Fields shared by the local and the central header, from "version needed" to "file name length".
  const writeCommon = (at: number): number => {
    let o = out.writeUInt16LE(ZIP_VERSION, at); // version needed to extract
    o = out.writeUInt16LE(0, o); // flags: sizes and CRC are known up front, so no data descriptor
    o = out.writeUInt16LE(METHOD_DEFLATE, o);
    o = out.writeUInt16LE(time, o);
    o = out.writeUInt16LE(date, o);
    o = out.writeUInt32LE(checksum >>> 0, o);
    o = out.writeUInt32LE(deflated.byteLength, o);
    o = out.writeUInt32LE(uncompressedBytes, o);
    return out.writeUInt16LE(name.byteLength, o);
  };

  let o = out.writeUInt32LE(LOCAL_HEADER_SIGNATURE, 0);
  o = writeCommon(o);
  o = out.writeUInt16LE(0, o); // extra field length
  o += name.copy(out, o);
  out.set(deflated, o);
  o += deflated.byteLength;

  o = out.writeUInt32LE(CENTRAL_HEADER_SIGNATURE, o);
  o = out.writeUInt16LE(ZIP_VERSION, o); // version made by
  o = writeCommon(o);
  o = out.writeUInt16LE(0, o); // extra field length
  o = out.writeUInt16LE(0, o); // comment length
  o = out.writeUInt16LE(0, o); // disk number start
  o = out.writeUInt16LE(0, o); // internal attributes
  o = out.writeUInt32LE(0, o); // external attributes
  o = out.writeUInt32LE(0, o); // offset of the local header
  o += name.copy(out, o);

  o = out.writeUInt32LE(END_OF_CENTRAL_DIRECTORY_SIGNATURE, o);
  o = out.writeUInt16LE(0, o); // this disk
  o = out.writeUInt16LE(0, o); // disk with the central directory
  o = out.writeUInt16LE(1, o); // entries on this disk
  o = out.writeUInt16LE(1, o); // entries in total
  o = out.writeUInt32LE(centralBytes, o);
  o = out.writeUInt32LE(centralOffset, o);
  out.writeUInt16LE(0, o); // comment length
  return out;
}
