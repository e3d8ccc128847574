import { Buffer } from 'node:buffer';
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parsePutRecordBatch } from '../lib/core/ingest/put-records.ts';
import { scanPutRecordBatch } from '../lib/core/ingest/scan-put-record-batch.ts';
import { bodyPool, makeRecords, RECORD_BYTES } from './data.ts';

/**
 * This machine's single-core limits, measured in the benchmark's own process (one thread, synchronous calls)
 * on the same generated data the producers send. The ingest numbers are reported as ratios to these.
 */
export interface Baselines {
  /** zlib level 6, one thread, input MB/s (10^6 bytes) over 5 MiB objects. */
  gzipMBps: number;
  gzipRatio: number;
  /** JSON.parse + Buffer.from(base64) of whole PutRecordBatch bodies, MB/s of decoded record payload. */
  parseDecodeMBps: number;
  /** The same bodies read as the server reads them (scanPutRecordBatch, validation included), for comparison. */
  sluiceParseMBps: number;
  /**
   * Sequential write + fdatasync bandwidth of the disk the data dir is on (512 MiB in 8 MiB writes). Every
   * acknowledged byte is written twice (write-ahead log, then the delivered object), so ingest into the
   * embedded store cannot exceed half of this.
   */
  diskWriteMBps: number;
}

/** Repeats `work` (which returns the bytes it processed) for at least `minMs`; returns MB/s. */
function rate(minMs: number, work: () => number): number {
  work(); // warm-up: JIT and allocator
  let bytes = 0;
  const start = performance.now();
  let elapsed = 0;
  for (let i = 0; i < 100_000 && elapsed < minMs; i++) {
    bytes += work();
    elapsed = performance.now() - start;
  }
  return bytes / 1e6 / (elapsed / 1000);
}

export function measureBaselines(minMs = 3000): Baselines {
  // 5 MiB objects, as the 5 MiB buffering hint produces.
  const object = Buffer.concat(makeRecords(42, 99, (5 * 1024 * 1024) / RECORD_BYTES));
  const compressedBytes = gzipSync(object, { level: 6 }).byteLength;
  const gzipMBps = rate(minMs, () => {
    gzipSync(object, { level: 6 });
    return object.byteLength;
  });

  const bodies = bodyPool('bench', 43, 99, 8);
  let next = 0;
  const parseDecodeMBps = rate(minMs, () => {
    const body = bodies[next++ % bodies.length]!;
    const input = JSON.parse(body.toString('utf8')) as { Records: Array<{ Data: string }> };
    let decoded = 0;
    for (const record of input.Records) decoded += Buffer.from(record.Data, 'base64').byteLength;
    return decoded;
  });
  const sluiceParseMBps = rate(minMs, () => {
    const body = bodies[next++ % bodies.length]!;
    const request = scanPutRecordBatch(body) ?? parsePutRecordBatch(JSON.parse(body.toString('utf8')));
    return request.records.data.byteLength;
  });
  return {
    gzipMBps,
    gzipRatio: object.byteLength / compressedBytes,
    parseDecodeMBps,
    sluiceParseMBps,
    diskWriteMBps: diskWriteMBps(),
  };
}

function diskWriteMBps(): number {
  const path = join(tmpdir(), `sluice-bench-disk-${process.pid}`);
  const chunk = Buffer.alloc(8 * 1024 * 1024, 0x61);
  const fd = openSync(path, 'w');
  try {
    const start = performance.now();
    for (let i = 0; i < 64; i++) {
      writeSync(fd, chunk);
      fdatasyncSync(fd);
    }
    return (64 * chunk.byteLength) / 1e6 / ((performance.now() - start) / 1000);
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}
