import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../lib/adapters/local/fs-object-store.ts';
import {
  gunzip,
  pythonHadoopDecompress,
  pythonXerialDecompress,
  unzipOnlyEntry,
} from '../core/compression/external-decoders.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { type InProcessSluice, s3StreamInput, startSluice } from '../support/sluice.ts';

/** 2026-01-15 20:30:45 UTC is 2026-01-16 05:30:45 in Tokyo (UTC+9): the zone moves the date as well as the hour. */
const INSTANT_MS = Date.UTC(2026, 0, 15, 20, 30, 45);
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const ERROR_PREFIX = 'errors/!{firehose:error-output-type}/';

/** ~90 KB of text, so the snappy framings hold more than one block of real data. */
const RECORDS = Array.from(
  { length: 1500 },
  (_, i) => `${JSON.stringify({ i, text: 'lorem ipsum '.repeat(i % 7) })}\n`,
);
const EXPECTED = Buffer.from(RECORDS.join(''));

type Decoder = (body: Buffer) => Buffer;
const FORMATS: Array<{
  format: string;
  stream: string;
  extension: string;
  contentEncoding: string | undefined;
  decode: Decoder;
}> = [
  { format: 'UNCOMPRESSED', stream: 'kl-plain', extension: '', contentEncoding: undefined, decode: (b) => b },
  { format: 'GZIP', stream: 'kl-gzip', extension: '.gz', contentEncoding: 'gzip', decode: gunzip },
  {
    format: 'ZIP',
    stream: 'kl-zip',
    extension: '.zip',
    contentEncoding: 'zip',
    decode: (b) => unzipOnlyEntry(b).data,
  },
  {
    format: 'Snappy',
    stream: 'kl-snappy',
    extension: '.snappy',
    contentEncoding: 'snappy-java',
    decode: pythonXerialDecompress,
  },
  // Spec §3.4 ⚠: the docs say `.hsnappy`; AWS is observed writing `.snappy`.
  {
    format: 'HADOOP_SNAPPY',
    stream: 'kl-hadoop',
    extension: '.snappy',
    contentEncoding: 'hadoop-snappy',
    decode: pythonHadoopDecompress,
  },
];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('object keys and compression end to end through the API', () => {
  let sluice: InProcessSluice;
  let store: FsObjectStore;

  beforeAll(async () => {
    sluice = await startSluice({}, { clock: new FakeClock(INSTANT_MS) });
    store = new FsObjectStore(join(sluice.dataDir, 's3'));
  });
  afterAll(async () => sluice.close());

  /** Creates the stream, puts RECORDS, flushes, and returns the one object it delivered. */
  async function deliver(stream: string, destination: Record<string, unknown>) {
    await sluice.runtime.execute(
      'CreateDeliveryStream',
      s3StreamInput(stream, { BucketARN: `arn:aws:s3:::${stream}-bucket`, ...destination }),
    );
    for (let i = 0; i < RECORDS.length; i += 500) {
      await sluice.runtime.execute('PutRecordBatch', {
        DeliveryStreamName: stream,
        Records: RECORDS.slice(i, i + 500).map((r) => ({ Data: Buffer.from(r).toString('base64') })),
      });
    }
    await sluice.runtime.flush(stream);
    const keys = await store.listObjects(`${stream}-bucket`);
    expect(keys).toHaveLength(1);
    const object = await store.getObject(`${stream}-bucket`, keys[0]!);
    return { key: keys[0]!, ...object! };
  }

  it.each(FORMATS)(
    '$format: extension "$extension", Content-Encoding, and bytes read back by an independent decoder',
    async ({ format, stream, extension, contentEncoding, decode }) => {
      const object = await deliver(stream, { CompressionFormat: format });
      // Default prefix (UTC date path), then <stream>-<version>-<UTC time>-<uuid><extension> (spec §3.1).
      expect(object.key).toMatch(
        new RegExp(`^2026/01/15/20/${stream}-1-2026-01-15-20-30-45-${UUID}${escapeRegExp(extension)}$`),
      );
      expect(object.contentType).toBe('application/octet-stream');
      expect(object.contentEncoding).toBe(contentEncoding);
      if (format !== 'UNCOMPRESSED') expect(object.body.length).toBeLessThan(EXPECTED.length);
      expect(decode(object.body).equals(EXPECTED)).toBe(true);
    },
  );

  it('ZIP holds a single entry named by a UUID that unzip -t verifies', async () => {
    const object = await deliver('kl-zip-entry', { CompressionFormat: 'ZIP' });
    const { testOutput } = unzipOnlyEntry(object.body);
    expect(testOutput).toMatch(new RegExp(`testing: ${UUID} +OK`));
    expect(testOutput).toContain('No errors detected');
  });

  it('FileExtension replaces the compression extension instead of being appended (spec §3.4)', async () => {
    const gz = await deliver('kl-ext-gz', { CompressionFormat: 'GZIP', FileExtension: '.json.gz' });
    expect(gz.key).toMatch(new RegExp(`/kl-ext-gz-1-2026-01-15-20-30-45-${UUID}\\.json\\.gz$`));
    expect(gunzip(gz.body).equals(EXPECTED)).toBe(true);
    const plain = await deliver('kl-ext-plain', { FileExtension: '.ndjson' });
    expect(plain.key).toMatch(new RegExp(`/kl-ext-plain-1-2026-01-15-20-30-45-${UUID}\\.ndjson$`));
    expect(plain.body.equals(EXPECTED)).toBe(true);
  });

  it('CustomTimeZone Asia/Tokyo applies to the prefix and to the key time suffix (spec §3.1)', async () => {
    const object = await deliver('kl-tokyo', {
      CustomTimeZone: 'Asia/Tokyo',
      Prefix: "!{timestamp:yyyy-MM-dd'T'HH}/",
      ErrorOutputPrefix: ERROR_PREFIX,
      CompressionFormat: 'GZIP',
    });
    // A prefix with an expression gets no date path appended.
    expect(object.key).toMatch(new RegExp(`^2026-01-16T05/kl-tokyo-1-2026-01-16-05-30-45-${UUID}\\.gz$`));
    expect(gunzip(object.body).equals(EXPECTED)).toBe(true);
  });

  it('!{firehose:random-string} renders 11 random characters, new for each occurrence', async () => {
    const object = await deliver('kl-random', {
      Prefix: 'rnd/!{firehose:random-string}/!{firehose:random-string}/',
      ErrorOutputPrefix: ERROR_PREFIX,
    });
    const match = new RegExp(
      `^rnd/([0-9a-z]{11})/([0-9a-z]{11})/kl-random-1-2026-01-15-20-30-45-${UUID}$`,
    ).exec(object.key);
    expect(match).not.toBeNull();
    expect(match![1]).not.toBe(match![2]);
    expect(object.body.equals(EXPECTED)).toBe(true);
  });
});
