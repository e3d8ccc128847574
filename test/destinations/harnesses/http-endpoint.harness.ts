import { expect } from 'vitest';
import { NodeHttpTransport } from '../../../lib/adapters/http-transport.ts';
import { errorOutputInputOf } from '../../../lib/core/delivery/writer-objects.ts';
import type { DeliveryRecord, FailedRecord } from '../../../lib/core/destinations/contract.ts';
import { resolveHttpEndpointSettings } from '../../../lib/core/destinations/http-endpoint/config.ts';
import { createHttpEndpointWriter } from '../../../lib/core/destinations/http-endpoint/writer.ts';
import { deliverBatch } from '../../../lib/core/destinations/retry-driver.ts';
import { errorDocument } from '../../../lib/core/error-output/index.ts';
import { HttpEndpointServer } from '../../support/http-endpoint-server.ts';
import { type DestinationHarness, fakeRetryPorts, SequentialIds, START_MS } from './harness.ts';

export const STREAM_ARN = 'arn:aws:firehose:us-east-1:123456789012:deliverystream/contract';

export class HttpEndpointHarness implements DestinationHarness {
  readonly name = 'HTTP endpoint';
  readonly notApplicable = {
    partial: 'an endpoint acknowledges a whole request or none of it: only a 200 succeeds (§10.3)',
  };
  readonly transientErrorCode = 'HttpEndpoint.DestinationException';
  server = new HttpEndpointServer();
  private url = '';

  async start() {
    this.url = await this.server.start();
  }
  async stop() {
    await this.server.stop();
  }
  async reset() {
    await this.server.stop();
    this.server = new HttpEndpointServer();
    this.url = await this.server.start();
  }

  async deliver(records: readonly DeliveryRecord[], retryDurationSeconds = 300) {
    const settings = resolveHttpEndpointSettings({
      EndpointConfiguration: { Url: this.url, Name: 'contract', AccessKey: 'contract-secret-key' },
      RequestConfiguration: { ContentEncoding: 'GZIP' },
      RetryOptions: { DurationInSeconds: retryDurationSeconds },
      S3Configuration: {},
    });
    const ports = fakeRetryPorts();
    const writer = createHttpEndpointWriter(settings, {
      transport: new NodeHttpTransport(),
      ids: new SequentialIds(),
      clock: ports.clock,
      sourceArn: STREAM_ARN,
    });
    return { result: await deliverBatch(writer, records, ports), sleeps: ports.sleeps };
  }

  async readDelivered() {
    return this.server.storedRecords().map((r) => JSON.parse(r.toString('utf8')) as Record<string, unknown>);
  }

  failTransiently(attempts: number) {
    for (let i = 0; i < attempts; i++) this.server.respond({ status: 503 });
  }

  async failPermanently(records: readonly DeliveryRecord[]) {
    this.server.respond({ status: 413 });
    return {
      records,
      errorCode: 'HttpEndpoint.DestinationException',
      fields: (record: DeliveryRecord) => ({ dataId: record.recordId, subsequenceNumber: 0 }),
      attemptsMade: 1,
      retryDurationSeconds: 300,
      // §4.2's HTTP endpoint example, key for key.
      errorOutput: (record: DeliveryRecord) => ({
        attemptsMade: 1,
        arrivalTimestamp: START_MS,
        errorCode: 'HttpEndpoint.DestinationException',
        errorMessage: expect.any(String),
        attemptEndingTimestamp: START_MS,
        rawData: Buffer.from(record.data).toString('base64'),
        subsequenceNumber: 0,
        dataId: record.recordId,
      }),
    };
  }

  async errorOutputOf(failed: FailedRecord) {
    return errorDocument(errorOutputInputOf(failed, 'HttpEndpoint'));
  }

  loseNextAcknowledgement() {
    this.server.respond({ status: 500, storeAnyway: true });
  }

  itemsPerAttempt() {
    return this.server.requests.map((r) => r.records.length);
  }
}
