import type { BulkIndexClient } from '../../ports.ts';
import type { BackoffPolicy } from '../../retry.ts';
import type {
  AttemptOutcome,
  BatchAttempts,
  DeliveryError,
  DeliveryRecord,
  DestinationWriter,
  ItemFailure,
  RetryPolicy,
} from '../contract.ts';
import { buildBulkRequest, bulkTargetOf, openSearchFailureFields } from './bulk-request.ts';
import { interpretBulkExchange } from './bulk-response.ts';
import type { OpenSearchSettings } from './config.ts';

/**
 * §9 gives the window (RetryOptions, first attempt included) but not the spacing. Sluice uses the HTTP endpoint's
 * doubling backoff (§10.4) with a 1-minute cap, so a 300 s window still sees about ten attempts.
 */
export const OPENSEARCH_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 60_000, jitterFraction: 0.15 };
export const OPENSEARCH_RETRY_POLICY: RetryPolicy = {
  backoff: OPENSEARCH_BACKOFF,
  windowFrom: 'first-attempt',
};

/** §4.1 (the API doc's spelling; ⚠ one DG23 page shows `AmazonOpenSearchService_failed/`). */
export const OPENSEARCH_ERROR_OUTPUT_TYPE = 'AmazonOpenSearchService-failed';

/**
 * The OpenSearch/Elasticsearch destination (§9). Each attempt sends the batch's pending records as one `_bulk`
 * request; only items that failed retriably are sent again. With S3BackupMode AllDocuments the runtime also
 * backs up every source record (settings.s3BackupMode); failed documents go under the error output type either way.
 */
export function createOpenSearchWriter(
  settings: OpenSearchSettings,
  client: BulkIndexClient,
): DestinationWriter {
  return {
    errorOutputType: OPENSEARCH_ERROR_OUTPUT_TYPE,
    retryPolicy: OPENSEARCH_RETRY_POLICY,
    retryDurationSeconds: settings.retryDurationSeconds,
    async begin(): Promise<BatchAttempts> {
      return {
        attempt: (records) => attemptBulk(settings, client, records),
        failureFields: (record) => openSearchFailureFields(settings, bulkTargetOf(record, settings)),
      };
    },
  };
}

async function attemptBulk(
  settings: OpenSearchSettings,
  client: BulkIndexClient,
  records: readonly DeliveryRecord[],
): Promise<AttemptOutcome> {
  const request = buildBulkRequest(records, settings);
  const { sent, rejected } = request;
  if (sent.length === 0)
    return rejected.length === 0 ? { kind: 'delivered' } : { kind: 'retry-partial', failures: rejected };

  const outcome = interpretBulkExchange(await client.bulk(request.ndjson), sent.length);
  const allSent = (error: DeliveryError, retriable: boolean): ItemFailure[] =>
    sent.map((index) => ({ index, error, retriable }));
  let failures: ItemFailure[];
  switch (outcome.kind) {
    case 'delivered':
      if (rejected.length === 0) return outcome;
      failures = [];
      break;
    case 'retry':
      if (rejected.length === 0) return outcome;
      failures = allSent(outcome.error, true);
      break;
    case 'give-up':
      if (rejected.length === 0) return outcome;
      failures = allSent(outcome.error, false);
      break;
    case 'retry-partial':
      // Item positions in the response are positions in `sent`; failure documents want the ID the cluster
      // assigned when Firehose sent none (NO_DOCUMENT_ID).
      failures = outcome.failures.map((failure) => {
        const index = sent[failure.index]!;
        const assigned = failure.fields?.assignedId;
        const target = bulkTargetOf(records[index]!, settings);
        return {
          index,
          error: failure.error,
          retriable: failure.retriable,
          fields: openSearchFailureFields(
            settings,
            target,
            typeof assigned === 'string' ? assigned : undefined,
          ),
        };
      });
      break;
  }
  return { kind: 'retry-partial', failures: [...failures, ...rejected] };
}
