import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

function run(command: string, args: string[], input?: Uint8Array): Buffer {
  const result = spawnSync(command, args, { input, maxBuffer: MAX_OUTPUT_BYTES, timeout: 60_000 });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  }
  return result.stdout;
}

function withTempFile<T>(data: Uint8Array, name: string, use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-compression-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, data);
    return use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function gunzip(compressed: Uint8Array): Buffer {
  return run('gzip', ['-dc'], compressed);
}

export const hasUnzip = existsSync('/usr/bin/unzip');

/** `unzip -p` extracts to stdout; `unzip -t` verifies the CRC-32 of every entry. */
export function unzipOnlyEntry(compressed: Uint8Array): { data: Buffer; testOutput: string } {
  return withTempFile(compressed, 'object.zip', (path) => ({
    data: run('/usr/bin/unzip', ['-p', path]),
    testOutput: run('/usr/bin/unzip', ['-t', path]).toString(),
  }));
}

export interface PythonZipEntry {
  name: string;
  date_time: number[];
  compress_type: number;
  file_size: number;
  compress_size: number;
  CRC: number;
  bad_file: string | null;
}

/** Python's zipfile: entry metadata, `testzip()` (CRC check) and the extracted bytes as hex. */
export function pythonZipInfo(compressed: Uint8Array): { entries: PythonZipEntry[]; data: Buffer } {
  const script = [
    'import sys, zipfile, json',
    'z = zipfile.ZipFile(sys.argv[1])',
    'entries = [dict(name=i.filename, date_time=list(i.date_time), compress_type=i.compress_type,',
    '  file_size=i.file_size, compress_size=i.compress_size, CRC=i.CRC, bad_file=z.testzip()) for i in z.infolist()]',
    'print(json.dumps(entries))',
    'sys.stdout.flush()',
    'sys.stdout.buffer.write(z.read(z.infolist()[0].filename))',
  ].join('\n');
  return withTempFile(compressed, 'object.zip', (path) => {
    const out = run(PYTHON, ['-c', script, path]);
    const newline = out.indexOf(0x0a);
    return { entries: JSON.parse(out.subarray(0, newline).toString()), data: out.subarray(newline + 1) };
  });
}

/**
 * Parses the xerial frame in Python and decodes every block with python-snappy's C `uncompress`, checking the header
 * fields on the way. Prints nothing else, so stdout is exactly the decoded stream.
 */
export function pythonXerialDecompress(compressed: Uint8Array): Buffer {
  const script = [
    'import sys, struct, snappy',
    'data = sys.stdin.buffer.read()',
    'out = sys.stdout.buffer',
    'assert data[:8] == b"\\x82SNAPPY\\x00", data[:8]',
    'assert struct.unpack(">ii", data[8:16]) == (1, 1), data[8:16]',
    'pos = 16',
    'while pos < len(data):',
    '    (n,) = struct.unpack(">i", data[pos:pos + 4])',
    '    block = data[pos + 4:pos + 4 + n]',
    '    assert len(block) == n, "truncated block"',
    '    out.write(snappy.uncompress(block))',
    '    pos += 4 + n',
  ].join('\n');
  return run(PYTHON, ['-c', script], compressed);
}

/** python-snappy's own Hadoop-snappy stream decoder (C snappy underneath), plus a check that no block is cut short. */
export function pythonHadoopDecompress(compressed: Uint8Array): Buffer {
  const script = [
    'import sys',
    'from snappy import hadoop_snappy',
    'd = hadoop_snappy.StreamDecompressor()',
    'sys.stdout.buffer.write(d.decompress(sys.stdin.buffer.read()))',
    'd.flush()',
    '# flush() accepts a stream that ends inside a block; a complete stream leaves no block half-decoded.',
    'assert d._block_length == 0 and d._uncompressed_length == 0, "stream ends inside a block"',
  ].join('\n');
  return run(PYTHON, ['-c', script], compressed);
}

/** Python's gzip module (what boto3-based consumers use), reading every member of the stream. */
export function pythonGunzip(compressed: Uint8Array): Buffer {
  const script = 'import sys, gzip; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))';
  return run(PYTHON, ['-c', script], compressed);
}

/** How many gzip members the stream holds, counted by Python's zlib (each member ends where `unused_data` starts). */
export function pythonGzipMemberCount(compressed: Uint8Array): number {
  const script = [
    'import sys, zlib',
    'data, members = sys.stdin.buffer.read(), 0',
    'while data:',
    '    d = zlib.decompressobj(31); d.decompress(data); members += 1; data = d.unused_data',
    'print(members)',
  ].join('\n');
  return Number(run(PYTHON, ['-c', script], compressed).toString());
}
