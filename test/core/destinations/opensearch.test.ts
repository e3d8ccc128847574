import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenSearchBulkClient } from '../../../lib/adapters/opensearch-bulk-client.ts';
import {
  buildBulkRequest,
  firehoseDocumentId,
} from '../../../lib/core/destinations/opensearch/bulk-request.ts';
import { interpretBulkExchange } from '../../../lib/core/destinations/opensearch/bulk-response.ts';
import {
  checkOpenSearchDestination,
  resolveOpenSearchSettings,
} from '../../../lib/core/destinations/opensearch/config.ts';
import { isoWeekOf, rotatedIndexName } from '../../../lib/core/destinations/opensearch/index-name.ts';
import { createOpenSearchWriter } from '../../../lib/core/destinations/opensearch/writer.ts';
import { deliverBatch } from '../../../lib/core/destinations/retry-driver.ts';
import { fakeRetryPorts, jsonRecords } from '../../destinations/harnesses/harness.ts';
import { OpenSearchStandin } from '../../support/opensearch-standin.ts';

const at = (iso: string) => Date.parse(iso);

describe('index rotation (§9)', () => {
  it("names indexes as §9's example", () => {
    const ms = at('2016-02-25T13:00:00Z');
    expect(
      ['NoRotation', 'OneHour', 'OneDay', 'OneWeek', 'OneMonth'].map((p) =>
        rotatedIndexName('myindex', p as never, ms),
      ),
    ).toEqual([
      'myindex',
      'myindex-2016-02-25-13',
      'myindex-2016-02-25',
      'myindex-2016-w08',
      'myindex-2016-02',
    ]);
  });

  it('uses ISO-8601 weeks and week-years at week and year boundaries', () => {
    const week = (iso: string) => rotatedIndexName('i', 'OneWeek', at(iso));
    expect(week('2016-02-21T23:59:59Z')).toBe('i-2016-w07'); // Sunday ends ISO week 7
    expect(week('2016-02-22T00:00:00Z')).toBe('i-2016-w08'); // Monday starts week 8
    expect(week('2021-01-01T00:00:00Z')).toBe('i-2020-w53'); // Friday: belongs to 2020's last week
    expect(week('2021-01-04T00:00:00Z')).toBe('i-2021-w01');
    expect(week('2024-12-30T00:00:00Z')).toBe('i-2025-w01'); // Monday of 2025's first week
    expect(week('2020-12-31T23:59:59Z')).toBe('i-2020-w53');
    expect(isoWeekOf(at('2026-01-01T00:00:00Z'))).toEqual({ year: 2026, week: 1 });
  });

  it('takes the hour, day and month in UTC, whatever the year end', () => {
    expect(rotatedIndexName('i', 'OneHour', at('2019-12-31T23:59:59.999Z'))).toBe('i-2019-12-31-23');
    expect(rotatedIndexName('i', 'OneDay', at('2020-01-01T00:00:00Z'))).toBe('i-2020-01-01');
    expect(rotatedIndexName('i', 'OneMonth', at('2019-12-31T23:59:59Z'))).toBe('i-2019-12');
  });
});

describe('bulk request (§9)', () => {
  const record = (recordId: string, text: string) => ({
    recordId,
    arrivalMs: at('2016-02-25T13:00:00Z'),
    data: new TextEncoder().encode(text),
  });
  const settings = (extra: object = {}) =>
    resolveOpenSearchSettings({
      ClusterEndpoint: 'https://c',
      IndexName: 'logs',
      S3Configuration: {},
      ...extra,
    });

  it('names the index, type and a stable document ID per record', () => {
    const request = buildBulkRequest(
      [record('r1', '{"a":1}\n'), record('r2', '{"b":"x"}')],
      settings({ TypeName: 'doc' }),
    );
    expect(request.ndjson).toBe(
      '{"index":{"_index":"logs-2016-02-25","_type":"doc","_id":"r1"}}\n{"a":1}\n{"index":{"_index":"logs-2016-02-25","_type":"doc","_id":"r2"}}\n{"b":"x"}\n',
    );
    expect(request.sent).toEqual([0, 1]);
  });

  it('sends no _id with NO_DOCUMENT_ID, and refuses records that are not one line of UTF-8', () => {
    const request = buildBulkRequest(
      [
        record('r1', '{"a":\n1}'),
        record('r2', '{"a":1}'),
        { ...record('r3', ''), data: new Uint8Array([0xff, 0xfe]) },
      ],
      settings({
        DocumentIdOptions: { DefaultDocumentIdFormat: 'NO_DOCUMENT_ID' },
        IndexRotationPeriod: 'NoRotation',
      }),
    );
    expect(request.ndjson).toBe('{"index":{"_index":"logs"}}\n{"a":1}\n');
    expect(request.rejected.map((r) => [r.index, r.error.errorCode, r.retriable])).toEqual([
      [0, '400', false],
      [2, '400', false],
    ]);
  });

  it('keeps document IDs under 512 bytes and deterministic', () => {
    const long = record('x'.repeat(600), '{}');
    expect(firehoseDocumentId(long)).toBe(firehoseDocumentId({ ...long }));
    expect(firehoseDocumentId(long)).toMatch(/^h-[0-9a-f]{16}$/);
  });
});

describe('bulk response (§9)', () => {
  const item = (status: number, error?: object) => ({
    index: { _index: 'i', _id: `id${status}`, status, ...(error ? { error } : {}) },
  });

  it('retries 429 and 5xx items, fails mapping errors for good, and delivers the rest', () => {
    const mapping = { type: 'mapper_parsing_exception', reason: 'failed to parse' };
    const outcome = interpretBulkExchange(
      {
        kind: 'response',
        status: 200,
        body: {
          errors: true,
          items: [
            item(201),
            item(429, { type: 'es_rejected_execution_exception' }),
            item(400, mapping),
            item(503, { type: 'unavailable' }),
          ],
        },
      },
      4,
    );
    expect(outcome).toEqual({
      kind: 'retry-partial',
      failures: [
        {
          index: 1,
          retriable: true,
          error: { errorCode: '429', errorMessage: '{"type":"es_rejected_execution_exception"}' },
          fields: { assignedId: 'id429' },
        },
        {
          index: 2,
          retriable: false,
          error: { errorCode: '400', errorMessage: JSON.stringify(mapping) },
          fields: { assignedId: 'id400' },
        },
        {
          index: 3,
          retriable: true,
          error: { errorCode: '503', errorMessage: '{"type":"unavailable"}' },
          fields: { assignedId: 'id503' },
        },
      ],
    });
  });

  it('retries whole-request failures, except 413, and distrusts a response whose items do not line up', () => {
    expect(
      interpretBulkExchange(
        { kind: 'response', status: 200, body: { errors: false, items: [item(201)] } },
        1,
      ),
    ).toEqual({ kind: 'delivered' });
    expect(
      interpretBulkExchange(
        { kind: 'response', status: 503, body: { error: { type: 'x' }, status: 503 } },
        1,
      ),
    ).toEqual({
      kind: 'retry',
      error: { errorCode: '503', errorMessage: '{"type":"x"}' },
    });
    expect(interpretBulkExchange({ kind: 'response', status: 413, body: undefined }, 1).kind).toBe('give-up');
    expect(interpretBulkExchange({ kind: 'response', status: 200, body: { items: [] } }, 2).kind).toBe(
      'retry',
    );
    expect(
      interpretBulkExchange({ kind: 'failure', failure: 'ConnectionFailed', message: 'down' }, 2),
    ).toEqual({
      kind: 'retry',
      error: { errorCode: 'OS.ConnectionFailed', errorMessage: 'down' },
    });
  });
});

describe('OpenSearch configuration (§9)', () => {
  it('checks required fields, ranges, enums and the endpoint', () => {
    const problems = checkOpenSearchDestination({
      ClusterEndpoint: 'http://search.example.com',
      DomainARN: 'arn:aws:es:us-east-1:123456789012:domain/x',
      BufferingHints: { SizeInMBs: 101, IntervalInSeconds: 60 },
      IndexRotationPeriod: 'OneYear',
      RetryOptions: { DurationInSeconds: -1 },
      S3BackupMode: 'Everything',
      DocumentIdOptions: { DefaultDocumentIdFormat: 'RANDOM' },
      S3Configuration: {},
    });
    expect(problems.violations).toEqual([
      "Value null at 'amazonopensearchserviceDestinationConfiguration.indexName' failed to satisfy constraint: Member must not be null",
      "Value 'OneYear' at 'amazonopensearchserviceDestinationConfiguration.indexRotationPeriod' failed to satisfy constraint: Member must satisfy enum value set: [NoRotation, OneHour, OneDay, OneWeek, OneMonth]",
      "Value '101' at 'amazonopensearchserviceDestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 100",
      "Value '-1' at 'amazonopensearchserviceDestinationConfiguration.retryOptions.durationInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 0",
      "Value 'Everything' at 'amazonopensearchserviceDestinationConfiguration.s3BackupMode' failed to satisfy constraint: Member must satisfy enum value set: [FailedDocumentsOnly, AllDocuments]",
      "Value 'RANDOM' at 'amazonopensearchserviceDestinationConfiguration.documentIdOptions.defaultDocumentIdFormat' failed to satisfy constraint: Member must satisfy enum value set: [FIREHOSE_DEFAULT, NO_DOCUMENT_ID]",
    ]);
    expect(problems.invalidArguments).toEqual([
      'Specify either DomainARN or ClusterEndpoint, but not both.',
      'The cluster endpoint must use https (plain http is accepted only for 127.0.0.1, localhost and ::1).',
    ]);
    expect(
      checkOpenSearchDestination({
        ClusterEndpoint: 'http://127.0.0.1:9200',
        IndexName: 'i',
        S3Configuration: {},
      }),
    ).toEqual({
      violations: [],
      invalidArguments: [],
    });
  });

  it('defaults to daily rotation, Firehose IDs, 300 s retries and failed-documents backup', () => {
    expect(resolveOpenSearchSettings({ DomainARN: 'arn', IndexName: 'i' })).toMatchObject({
      indexRotationPeriod: 'OneDay',
      documentIdFormat: 'FIREHOSE_DEFAULT',
      retryDurationSeconds: 300,
      s3BackupMode: 'FailedDocumentsOnly',
      typeName: undefined,
    });
  });
});

describe('OpenSearch client against the stand-in', () => {
  const keys = [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret/example/key' }];
  const standin = new OpenSearchStandin({ sigv4: { service: 'aoss', keys }, acceptTypes: true });
  let endpoint = '';
  beforeAll(async () => {
    endpoint = await standin.start();
  });
  afterAll(() => standin.stop());

  it('signs bulk requests with SigV4 for Serverless (aoss) and reports osDocumentId/osIndexName', async () => {
    const client = new OpenSearchBulkClient({
      endpoint,
      auth: { kind: 'sigv4', region: 'eu-west-1', service: 'aoss', credentials: async () => keys[0]! },
    });
    const settings = resolveOpenSearchSettings(
      {
        CollectionEndpoint: endpoint,
        IndexName: 'events',
        IndexRotationPeriod: 'OneMonth',
        S3Configuration: {},
      },
      'serverless',
    );
    const records = jsonRecords(3);
    const bad = { ...records[2]!, data: new TextEncoder().encode('{"id":"three"}') };
    const result = await deliverBatch(
      createOpenSearchWriter(settings, client),
      [records[0]!, records[1]!, bad],
      fakeRetryPorts(),
    );
    expect(result.delivered).toHaveLength(2);
    expect(result.failed.map((f) => [f.errorCode, f.fields])).toEqual([
      ['400', { osDocumentId: bad.recordId, osIndexName: 'events-2016-02' }],
    ]);
    expect(standin.calls[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aoss\/aws4_request/,
    );
    expect([...standin.documents('events-2016-02').keys()]).toEqual([
      records[0]!.recordId,
      records[1]!.recordId,
    ]);
    await client.close();
  });

  it('a wrong secret is refused by the cluster (403) and retried as a whole', async () => {
    const client = new OpenSearchBulkClient({
      endpoint,
      auth: {
        kind: 'sigv4',
        region: 'eu-west-1',
        service: 'aoss',
        credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wrong' }),
      },
    });
    expect(await client.bulk('{"index":{"_index":"x"}}\n{}\n')).toMatchObject({
      kind: 'response',
      status: 403,
    });
    await client.close();
  });

  it('reports an unreachable cluster as a connection failure', async () => {
    const client = new OpenSearchBulkClient({
      endpoint: 'http://127.0.0.1:1',
      auth: { kind: 'none' },
      requestTimeoutMs: 2000,
    });
    expect(await client.bulk('{"index":{"_index":"x"}}\n{}\n')).toMatchObject({
      kind: 'failure',
      failure: 'ConnectionFailed',
    });
    await client.close();
  });
});
