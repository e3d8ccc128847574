import { SluiceError } from '../../errors.ts';
import type { Clock, HttpTransport, IdSource } from '../../ports.ts';
import type { BackoffPolicy } from '../../retry.ts';
import type { BatchAttempts, DeliveryRecord, DestinationWriter, RetryPolicy } from '../contract.ts';
import type { HttpEndpointSettings } from './config.ts';
import { buildHttpEndpointRequest, HTTP_ENDPOINT_MAX_RECORDS } from './request.ts';
import { interpretHttpEndpointExchange } from './response.ts';

/** §10.4: 1 s, doubling, ±15 % jitter, at most 2 minutes between attempts. */
export const HTTP_ENDPOINT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 120_000, jitterFraction: 0.15 };

/** §10.4: the window starts at the first failure and excludes the time spent waiting for responses. */
export const HTTP_ENDPOINT_RETRY_POLICY: RetryPolicy = {
  backoff: HTTP_ENDPOINT_BACKOFF,
  windowFrom: 'first-failure',
};

/** §4.1 */
export const HTTP_ENDPOINT_ERROR_OUTPUT_TYPE = 'http-endpoint-failed';

export interface HttpEndpointWriterDeps {
  transport: HttpTransport;
  ids: IdSource;
  clock: Clock;
  /** The delivery stream's ARN (X-Amz-Firehose-Source-Arn). */
  sourceArn: string;
}

/**
 * The HTTP endpoint destination (§10). A batch is one request of at most 10,000 records (§10.2); its request ID
 * and body are fixed at `begin`, so every retry sends the same bytes with the same X-Amz-Firehose-Request-Id
 * and a receiver can drop a duplicate. The body's `timestamp` is therefore the first attempt's time.
 */
export function createHttpEndpointWriter(
  settings: HttpEndpointSettings,
  deps: HttpEndpointWriterDeps,
): DestinationWriter {
  const secrets = [settings.accessKey, settings.url];
  return {
    errorOutputType: HTTP_ENDPOINT_ERROR_OUTPUT_TYPE,
    retryPolicy: HTTP_ENDPOINT_RETRY_POLICY,
    retryDurationSeconds: settings.retryDurationSeconds,
    async begin(batch: readonly DeliveryRecord[]): Promise<BatchAttempts> {
      if (batch.length > HTTP_ENDPOINT_MAX_RECORDS) {
        throw new SluiceError(
          'BatchTooLarge',
          `An HTTP endpoint request carries at most ${HTTP_ENDPOINT_MAX_RECORDS} records (spec §10.2); got ${batch.length}. Split the batch first.`,
        );
      }
      const requestId = deps.ids.uuid();
      const request = await buildHttpEndpointRequest(settings, batch, {
        requestId,
        timestampMs: deps.clock.nowMs(),
        sourceArn: deps.sourceArn,
      });
      return {
        async attempt(records) {
          if (records.length !== batch.length) {
            throw new SluiceError('WriterBug', 'An HTTP endpoint batch is always retried whole.');
          }
          return interpretHttpEndpointExchange(await deps.transport.send(request), requestId, secrets);
        },
        // §4.2's example carries `dataId` and `subsequenceNumber`; Sluice's record ID plays the part of the data ID.
        failureFields: (record) => ({ dataId: record.recordId, subsequenceNumber: 0 }),
      };
    },
  };
}
