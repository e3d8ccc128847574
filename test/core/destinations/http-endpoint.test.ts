import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpTransport } from '../../../lib/adapters/http-transport.ts';
import {
  checkHttpEndpointDestination,
  resolveHttpEndpointSettings,
} from '../../../lib/core/destinations/http-endpoint/config.ts';
import { buildHttpEndpointRequest } from '../../../lib/core/destinations/http-endpoint/request.ts';
import { interpretHttpEndpointExchange } from '../../../lib/core/destinations/http-endpoint/response.ts';
import { createHttpEndpointWriter } from '../../../lib/core/destinations/http-endpoint/writer.ts';
import { deliverBatch } from '../../../lib/core/destinations/retry-driver.ts';
import type { HttpExchange } from '../../../lib/core/ports.ts';
import { fakeRetryPorts, jsonRecords, SequentialIds } from '../../destinations/harnesses/harness.ts';
import { HttpEndpointServer } from '../../support/http-endpoint-server.ts';

const ACCESS_KEY = 'sk-live-very-secret-0123456789';
const ARN = 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks';
const settings = (url = 'https://collector.example.com/firehose', extra: object = {}) =>
  resolveHttpEndpointSettings({
    EndpointConfiguration: { Url: url, Name: 'collector', AccessKey: ACCESS_KEY },
    RequestConfiguration: { CommonAttributes: [{ AttributeName: 'env', AttributeValue: 'test' }] },
    S3Configuration: {},
    ...extra,
  });

const records = [
  { recordId: 'a', arrivalMs: 1, data: new TextEncoder().encode('hello') },
  { recordId: 'b', arrivalMs: 2, data: new Uint8Array() },
];

describe('HTTP endpoint request (§10.2)', () => {
  it('has exactly the headers and body Firehose sends', async () => {
    const request = await buildHttpEndpointRequest(settings(), records, {
      requestId: 'req-1',
      timestampMs: 1700,
      sourceArn: ARN,
    });
    expect(request).toMatchObject({
      url: 'https://collector.example.com/firehose',
      method: 'POST',
      timeoutMs: 180_000,
      maxResponseBytes: 1048576,
    });
    expect(request.headers).toEqual({
      'X-Amz-Firehose-Protocol-Version': '1.0',
      'X-Amz-Firehose-Request-Id': 'req-1',
      'X-Amz-Firehose-Source-Arn': ARN,
      'X-Amz-Firehose-Access-Key': ACCESS_KEY,
      'X-Amz-Firehose-Common-Attributes': '{"commonAttributes":{"env":"test"}}',
      'Content-Type': 'application/json',
    });
    expect(new TextDecoder().decode(request.body)).toBe(
      '{"requestId":"req-1","timestamp":1700,"records":[{"data":"aGVsbG8="},{"data":""}]}',
    );
  });

  it('gzips the body and says so when ContentEncoding is GZIP', async () => {
    const gz = settings(undefined, { RequestConfiguration: { ContentEncoding: 'GZIP' } });
    const request = await buildHttpEndpointRequest(gz, records, {
      requestId: 'r',
      timestampMs: 1,
      sourceArn: ARN,
    });
    expect(request.headers['Content-Encoding']).toBe('gzip');
    expect(request.headers['X-Amz-Firehose-Common-Attributes']).toBe('{"commonAttributes":{}}');
    expect(JSON.parse(gunzipSync(request.body).toString()).records).toEqual([
      { data: 'aGVsbG8=' },
      { data: '' },
    ]);
  });
});

describe('HTTP endpoint response (§10.3)', () => {
  const response = (
    status: number,
    body: string,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ): HttpExchange => ({
    kind: 'response',
    status,
    headers,
    body: new TextEncoder().encode(body),
  });
  const ok = '{"requestId":"req-1","timestamp":1}';
  const interpret = (e: HttpExchange) => interpretHttpEndpointExchange(e, 'req-1', [ACCESS_KEY]);

  it('only a 200 echoing the request ID is a delivery', () => {
    expect(interpret(response(200, ok))).toEqual({ kind: 'delivered' });
    expect(interpret(response(200, '{"requestId":"req-1","timestamp":"1"}'))).toEqual({ kind: 'delivered' });
    expect(interpret(response(200, ok, { 'content-type': 'application/json; charset=utf-8' }))).toEqual({
      kind: 'delivered',
    });
    const notOk = (e: HttpExchange) => {
      const outcome = interpret(e);
      return outcome.kind === 'retry' ? outcome.error.errorCode : outcome.kind;
    };
    expect(notOk(response(201, ok))).toBe('HttpEndpoint.DestinationException');
    expect(notOk(response(200, '{"requestId":"other","timestamp":1}'))).toBe(
      'HttpEndpoint.InvalidResponseFromDestination',
    );
    expect(notOk(response(200, '{"requestId":"req-1"}'))).toBe('HttpEndpoint.InvalidResponseFromDestination');
    expect(notOk(response(200, ok, { 'content-type': 'text/plain' }))).toBe(
      'HttpEndpoint.InvalidResponseFromDestination',
    );
    expect(notOk(response(200, ok, { 'content-type': 'application/json', 'content-encoding': 'gzip' }))).toBe(
      'HttpEndpoint.InvalidResponseFromDestination',
    );
    expect(notOk(response(302, '', { location: 'https://elsewhere' }))).toBe(
      'HttpEndpoint.InvalidResponseFromDestination',
    );
    expect(notOk(response(500, '{"requestId":"req-1","timestamp":1,"errorMessage":"down"}'))).toBe(
      'HttpEndpoint.DestinationException',
    );
    expect(notOk({ kind: 'failure', failure: 'ConnectionReset', message: 'reset' })).toBe(
      'HttpEndpoint.ConnectionReset',
    );
  });

  it('413 is permanent and produces no error document', () => {
    expect(interpret(response(413, '<html>too large</html>', { 'content-type': 'text/html' }))).toEqual({
      kind: 'give-up',
      error: {
        errorCode: 'HttpEndpoint.DestinationException',
        errorMessage: 'Received the following response from the endpoint destination. 413:',
        noErrorOutput: true,
      },
    });
  });

  it("copies the endpoint's answer into the message, without the access key", () => {
    const outcome = interpret(
      response(500, `{"requestId":"req-1","timestamp":1,"errorMessage":"bad key ${ACCESS_KEY}"}`),
    );
    expect(outcome).toEqual({
      kind: 'retry',
      error: {
        errorCode: 'HttpEndpoint.DestinationException',
        errorMessage:
          'Received the following response from the endpoint destination. 500: {"requestId":"req-1","timestamp":1,"errorMessage":"bad key ***"}',
      },
    });
  });
});

describe('HTTP endpoint configuration (§10.1)', () => {
  const base = {
    EndpointConfiguration: { Url: 'https://x.example.com', AccessKey: ACCESS_KEY },
    S3Configuration: {},
  };

  it('accepts https, and http only on loopback hosts', () => {
    for (const url of [
      'https://x.example.com/p',
      'http://127.0.0.1:8080/',
      'http://localhost:3000',
      'http://[::1]:9000/',
    ]) {
      expect(checkHttpEndpointDestination({ ...base, EndpointConfiguration: { Url: url } })).toEqual({
        violations: [],
        invalidArguments: [],
      });
    }
    expect(
      checkHttpEndpointDestination({ ...base, EndpointConfiguration: { Url: 'http://x.example.com' } })
        .invalidArguments,
    ).toEqual([
      'EndpointConfiguration.Url must use https (plain http is accepted only for 127.0.0.1, localhost and ::1).',
    ]);
    expect(
      checkHttpEndpointDestination({ ...base, EndpointConfiguration: { Url: 'https://x.example.com:8443' } })
        .invalidArguments,
    ).toEqual([
      'EndpointConfiguration.Url must use port 443 (other ports are accepted only on loopback hosts).',
    ]);
  });

  it('checks buffering (1–64 MiB), retry, enums and attributes, never echoing the URL or access key', () => {
    const problems = checkHttpEndpointDestination({
      EndpointConfiguration: {
        Url: `https://${'u'.repeat(1000)}.example.com/${ACCESS_KEY}`,
        AccessKey: 'k'.repeat(4097),
      },
      BufferingHints: { SizeInMBs: 65 },
      RetryOptions: { DurationInSeconds: 7201 },
      S3BackupMode: 'FailedOnly',
      RequestConfiguration: {
        ContentEncoding: 'BROTLI',
        CommonAttributes: [
          { AttributeName: 'a', AttributeValue: '1' },
          { AttributeName: 'a', AttributeValue: '2' },
        ],
      },
    });
    expect(problems.violations).toEqual([
      "Value at 'httpEndpointDestinationConfiguration.endpointConfiguration.url' failed to satisfy constraint: Member must have length less than or equal to 1000",
      "Value at 'httpEndpointDestinationConfiguration.endpointConfiguration.accessKey' failed to satisfy constraint: Member must have length less than or equal to 4096",
      "Value '65' at 'httpEndpointDestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 64",
      "Value '7201' at 'httpEndpointDestinationConfiguration.retryOptions.durationInSeconds' failed to satisfy constraint: Member must have value less than or equal to 7200",
      "Value 'FailedOnly' at 'httpEndpointDestinationConfiguration.s3BackupMode' failed to satisfy constraint: Member must satisfy enum value set: [FailedDataOnly, AllData]",
      "Value null at 'httpEndpointDestinationConfiguration.s3Configuration' failed to satisfy constraint: Member must not be null",
      "Value 'BROTLI' at 'httpEndpointDestinationConfiguration.requestConfiguration.contentEncoding' failed to satisfy constraint: Member must satisfy enum value set: [NONE, GZIP]",
    ]);
    expect(problems.invalidArguments).toEqual([
      'BufferingHints: SizeInMBs and IntervalInSeconds must be specified together (got only SizeInMBs).',
      "CommonAttributes: attribute name 'a' appears more than once.",
    ]);
    expect(JSON.stringify(problems)).not.toContain(ACCESS_KEY);
  });

  it('applies the defaults', () => {
    expect(resolveHttpEndpointSettings(base)).toEqual({
      url: 'https://x.example.com',
      name: undefined,
      accessKey: ACCESS_KEY,
      contentEncoding: 'NONE',
      commonAttributes: [],
      retryDurationSeconds: 300,
      s3BackupMode: 'FailedDataOnly',
      bufferingHints: { sizeBytes: 5 * 1024 * 1024, intervalSeconds: 300 },
    });
  });
});

describe('HTTP endpoint writer and node:http transport against a receiver on 127.0.0.1', () => {
  const server = new HttpEndpointServer();
  let url = '';
  beforeAll(async () => {
    url = await server.start();
  });
  afterAll(() => server.stop());

  it('keeps the request ID and body across retries, and no message carries the access key', async () => {
    const echo = (status: number) => ({
      status,
      body: JSON.stringify({ requestId: 'x', timestamp: 1, errorMessage: `key was ${ACCESS_KEY}` }),
    });
    server.respond(echo(500), echo(401));
    const ports = fakeRetryPorts();
    const writer = createHttpEndpointWriter(settings(url), {
      transport: new NodeHttpTransport(),
      ids: new SequentialIds(),
      clock: ports.clock,
      sourceArn: ARN,
    });
    const result = await deliverBatch(writer, jsonRecords(2), ports);
    expect(result.failed).toEqual([]);
    const sent = server.requests.slice(-3);
    expect(new Set(sent.map((r) => r.requestId)).size).toBe(1);
    expect(new Set(sent.map((r) => r.headers['x-amz-firehose-request-id'])).size).toBe(1);
    expect(new Set(sent.map((r) => r.timestamp)).size).toBe(1);
    expect(sent[0]!.headers['x-amz-firehose-access-key']).toBe(ACCESS_KEY);

    server.respond(...Array(50).fill(echo(500)));
    const failed = await deliverBatch(
      createHttpEndpointWriter(settings(url, { RetryOptions: { DurationInSeconds: 3 } }), {
        transport: new NodeHttpTransport(),
        ids: new SequentialIds(),
        clock: ports.clock,
        sourceArn: ARN,
      }),
      jsonRecords(1),
      fakeRetryPorts(),
    );
    expect(failed.failed).toHaveLength(1);
    expect(failed.failed[0]!.errorMessage).toContain('key was ***');
    expect(JSON.stringify(failed)).not.toContain(ACCESS_KEY);
    server.clearResponses();
  });

  it('reports timeouts, refused connections and oversized responses as transport failures', async () => {
    const transport = new NodeHttpTransport();
    const request = {
      url,
      method: 'POST' as const,
      headers: { 'Content-Type': 'application/json' },
      body: new TextEncoder().encode('{"requestId":"t","timestamp":1,"records":[]}'),
      timeoutMs: 100,
      maxResponseBytes: 1024,
    };
    server.respond({ status: 200, delayMs: 400 });
    expect(await transport.send(request)).toMatchObject({ kind: 'failure', failure: 'RequestTimeout' });
    server.respond({ status: 500, body: 'x'.repeat(5000) });
    expect(await transport.send({ ...request, timeoutMs: 5000 })).toMatchObject({
      kind: 'failure',
      failure: 'ResponseTooLarge',
    });
    const refused = await transport.send({ ...request, url: 'http://127.0.0.1:1/' });
    expect(refused).toEqual({
      kind: 'failure',
      failure: 'ConnectionFailed',
      message: 'Could not connect to the endpoint (ECONNREFUSED).',
    });
  });
});
