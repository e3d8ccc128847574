import { describe, expect, it } from 'vitest';
import { codecFor, compressToBuffer } from '../../../lib/core/compression/index.ts';
import {
  gunzip,
  hasUnzip,
  pythonHadoopDecompress,
  pythonXerialDecompress,
  pythonZipInfo,
  unzipOnlyEntry,
} from './external-decoders.ts';
import { concat, inputCases } from './fixtures.ts';

const ctx = { uuid: '5c2ff0a4-7b7e-4d8e-9a61-0f1c3e2d9b47', nowMs: Date.UTC(2024, 2, 15, 13, 45, 31) };
const cases = inputCases();

// Every codec's output is read back by a decoder Sluice did not write, byte for byte.
describe('GZIP read by gzip -dc', () => {
  it.each(cases)('$name', async ({ chunks }) => {
    const compressed = await compressToBuffer(codecFor('GZIP'), chunks, ctx);
    expect(gunzip(compressed).equals(concat(chunks))).toBe(true);
  });
});

describe.runIf(hasUnzip)('ZIP read by unzip', () => {
  it.each(cases)('$name', async ({ chunks }) => {
    const compressed = await compressToBuffer(codecFor('ZIP'), chunks, ctx);
    const { data, testOutput } = unzipOnlyEntry(compressed);
    expect(data.equals(concat(chunks))).toBe(true);
    expect(testOutput).toContain(`testing: ${ctx.uuid}`);
    expect(testOutput).toContain('No errors detected');
  });
});

describe('ZIP read by python zipfile', () => {
  it.each(cases)('$name', async ({ chunks }) => {
    const compressed = await compressToBuffer(codecFor('ZIP'), chunks, ctx);
    const input = concat(chunks);
    const { entries, data } = pythonZipInfo(compressed);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      name: ctx.uuid,
      date_time: [2024, 3, 15, 13, 45, 30],
      compress_type: 8,
      file_size: input.byteLength,
      bad_file: null,
    });
    expect(data.equals(input)).toBe(true);
  });
});

describe('Snappy (xerial) blocks read by python-snappy', () => {
  it.each(cases)('$name', async ({ chunks }) => {
    const compressed = await compressToBuffer(codecFor('Snappy'), chunks, ctx);
    expect(pythonXerialDecompress(compressed).equals(concat(chunks))).toBe(true);
  });
});

describe('HADOOP_SNAPPY read by python-snappy hadoop_snappy', () => {
  it.each(cases)('$name', async ({ chunks }) => {
    const compressed = await compressToBuffer(codecFor('HADOOP_SNAPPY'), chunks, ctx);
    expect(pythonHadoopDecompress(compressed).equals(concat(chunks))).toBe(true);
  });
});
