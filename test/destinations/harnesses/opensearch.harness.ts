import { expect } from 'vitest';
import { OpenSearchBulkClient } from '../../../lib/adapters/opensearch-bulk-client.ts';
import { errorOutputInputOf } from '../../../lib/core/delivery/writer-objects.ts';
import type { DeliveryRecord, FailedRecord } from '../../../lib/core/destinations/contract.ts';
import { resolveOpenSearchSettings } from '../../../lib/core/destinations/opensearch/config.ts';
import { createOpenSearchWriter } from '../../../lib/core/destinations/opensearch/writer.ts';
import { deliverBatch } from '../../../lib/core/destinations/retry-driver.ts';
import { errorDocument } from '../../../lib/core/error-output/index.ts';
import { OpenSearchStandin } from '../../support/opensearch-standin.ts';
import { type DestinationHarness, fakeRetryPorts, START_MS } from './harness.ts';

const AUTH = { username: 'firehose', password: 'stand-in-password' };

export class OpenSearchHarness implements DestinationHarness {
  readonly name = 'OpenSearch';
  readonly notApplicable = {};
  readonly transientErrorCode = '503';
  standin = new OpenSearchStandin({ basicAuth: AUTH });
  private endpoint = '';
  private client: OpenSearchBulkClient | undefined;

  async start() {
    this.endpoint = await this.standin.start();
    this.client = new OpenSearchBulkClient({ endpoint: this.endpoint, auth: { kind: 'basic', ...AUTH } });
  }
  async stop() {
    await this.client?.close();
    await this.standin.stop();
  }
  async reset() {
    await this.stop();
    this.standin = new OpenSearchStandin({ basicAuth: AUTH });
    await this.start();
  }

  async deliver(records: readonly DeliveryRecord[], retryDurationSeconds = 300) {
    const settings = resolveOpenSearchSettings({
      ClusterEndpoint: this.endpoint,
      IndexName: 'events',
      RetryOptions: { DurationInSeconds: retryDurationSeconds },
      S3Configuration: {},
    });
    const ports = fakeRetryPorts();
    const writer = createOpenSearchWriter(settings, this.client!);
    return { result: await deliverBatch(writer, records, ports), sleeps: ports.sleeps };
  }

  async readDelivered() {
    return this.standin
      .indexNames()
      .flatMap((index) => [...this.standin.documents(index).values()].map((d) => d.source));
  }

  failTransiently(attempts: number) {
    this.standin.failNextRequests(attempts, 503);
  }

  async failPermanently(records: readonly DeliveryRecord[]) {
    // A mapping conflict: `id` is mapped as a number first, the records then send it as a string (a per-item 400).
    await this.deliver([
      {
        recordId: 'seed',
        arrivalMs: records[0]!.arrivalMs,
        data: new TextEncoder().encode('{"id":0,"name":"seed"}'),
      },
    ]);
    const conflicting = records.map((r) => {
      const doc = JSON.parse(new TextDecoder().decode(r.data));
      return { ...r, data: new TextEncoder().encode(JSON.stringify({ ...doc, id: `text-${doc.id}` })) };
    });
    return {
      records: conflicting,
      errorCode: '400',
      fields: (record: DeliveryRecord) => ({
        esDocumentId: record.recordId,
        esIndexName: 'events-2016-02-25',
        esTypeName: null,
      }),
      attemptsMade: 1,
      retryDurationSeconds: 300,
      // §4.2's OpenSearch Service document, key for key.
      errorOutput: (record: DeliveryRecord) => ({
        attemptsMade: 1,
        arrivalTimestamp: START_MS,
        errorCode: '400',
        errorMessage: expect.any(String),
        attemptEndingTimestamp: START_MS,
        esDocumentId: record.recordId,
        esIndexName: 'events-2016-02-25',
        esTypeName: null,
        rawData: Buffer.from(record.data).toString('base64'),
      }),
    };
  }

  async errorOutputOf(failed: FailedRecord) {
    return errorDocument(errorOutputInputOf(failed, 'OpenSearch'));
  }

  loseNextAcknowledgement() {
    this.standin.failNextRequests(1, 503, true);
  }

  failItems(items: number) {
    this.standin.throttleNextItems(items);
  }

  itemsPerAttempt() {
    return this.standin.calls.map((call) => call.body.split('\n').filter((l) => l !== '').length / 2);
  }
}
