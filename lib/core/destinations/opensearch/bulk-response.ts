import type { BulkExchange } from '../../ports.ts';
import type { AttemptOutcome, DeliveryError, ItemFailure } from '../contract.ts';

const MAX_ERROR_MESSAGE_CHARS = 8192;

interface BulkItemResult {
  status?: unknown;
  _id?: unknown;
  error?: unknown;
}

/** 429 (the cluster's queues are full) and 5xx are worth retrying; other item errors (mapping, 400) are not. */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function errorMessageOf(error: unknown, fallback: string): string {
  if (error === undefined || error === null) return fallback;
  const text = typeof error === 'string' ? error : JSON.stringify(error);
  return text.length > MAX_ERROR_MESSAGE_CHARS ? `${text.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` : text;
}

function requestError(status: number, body: unknown): DeliveryError {
  const error = (body as { error?: unknown } | undefined)?.error;
  // §4.2: errorCode is the HTTP status OpenSearch answered with.
  return {
    errorCode: String(status),
    errorMessage: errorMessageOf(error ?? body, `OpenSearch answered ${status}.`),
  };
}

/**
 * What one `_bulk` exchange came to for the `sentCount` documents it carried (§9). A whole-request failure is
 * retried as a whole (413 excepted: the same body can never fit); a response with item errors delivers every
 * item without one and fails the others, retriably for 429/5xx. A 200 whose items do not line up with the
 * request is not trusted and retried whole: under FIREHOSE_DEFAULT IDs that cannot duplicate a document.
 */
export function interpretBulkExchange(exchange: BulkExchange, sentCount: number): AttemptOutcome {
  if (exchange.kind === 'failure') {
    // Not in the spec's code list (§9 logs no transport codes); named like the HTTP endpoint's (§10.4).
    return { kind: 'retry', error: { errorCode: `OS.${exchange.failure}`, errorMessage: exchange.message } };
  }
  const { status, body } = exchange;
  if (status === 413) return { kind: 'give-up', error: requestError(status, body) };
  if (status < 200 || status >= 300) return { kind: 'retry', error: requestError(status, body) };

  const items = (body as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items) || items.length !== sentCount) {
    return {
      kind: 'retry',
      error: {
        errorCode: String(status),
        errorMessage: `The bulk response lists ${Array.isArray(items) ? items.length : 'no'} items for ${sentCount} documents sent.`,
      },
    };
  }
  const failures: ItemFailure[] = [];
  items.forEach((entry: unknown, index) => {
    const result = firstValue(entry);
    const itemStatus = typeof result?.status === 'number' ? result.status : 500;
    if (itemStatus >= 200 && itemStatus < 300 && result?.error === undefined) return;
    const id = typeof result?._id === 'string' ? result._id : undefined;
    failures.push({
      index,
      retriable: isRetriableStatus(itemStatus),
      error: {
        errorCode: String(itemStatus),
        errorMessage: errorMessageOf(result?.error, `Item failed with ${itemStatus}.`),
      },
      ...(id === undefined ? {} : { fields: { assignedId: id } }),
    });
  });
  return failures.length === 0 ? { kind: 'delivered' } : { kind: 'retry-partial', failures };
}

/** A bulk item is `{"<action>": {...}}`; the action is whichever was sent (index here). */
function firstValue(entry: unknown): BulkItemResult | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const values = Object.values(entry);
  const value = values[0];
  return typeof value === 'object' && value !== null ? (value as BulkItemResult) : undefined;
}
