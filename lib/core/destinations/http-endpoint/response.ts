import { Buffer } from 'node:buffer';
import type { HttpExchange } from '../../ports.ts';
import type { AttemptOutcome, DeliveryError } from '../contract.ts';

/** §4.2: Firehose copies the endpoint's answer into `errorMessage`; §10.3 bounds the endpoint's own at 8192. */
const MAX_ECHOED_BODY_CHARS = 8192;
const RESPONSE_PREFIX = 'Received the following response from the endpoint destination.';

/** Replaces every occurrence of a secret (the access key, the URL) so it can be logged or stored. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

function failure(
  errorCode: string,
  errorMessage: string,
  secrets: readonly (string | undefined)[],
): DeliveryError {
  return { errorCode: `HttpEndpoint.${errorCode}`, errorMessage: redact(errorMessage, secrets) };
}

interface ConformingBody {
  requestId: string;
  text: string;
}

/**
 * §10.3: `Content-Type: application/json`, no Content-Encoding, and a JSON body with `requestId` and `timestamp`.
 * ⚠ The doc's failure example shows `timestamp` as a string while its schema says integer: both are accepted,
 * since rejecting either would turn an endpoint that follows the doc's own example into a failing one.
 */
function conformingBody(exchange: Extract<HttpExchange, { kind: 'response' }>): ConformingBody | undefined {
  const contentType = exchange.headers['content-type'] ?? '';
  if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/json') return undefined;
  if (exchange.headers['content-encoding'] !== undefined) return undefined;
  const text = Buffer.from(exchange.body.buffer, exchange.body.byteOffset, exchange.body.byteLength).toString(
    'utf8',
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { requestId, timestamp } = parsed as { requestId?: unknown; timestamp?: unknown };
  if (typeof requestId !== 'string') return undefined;
  const timestampOk =
    (typeof timestamp === 'number' && Number.isFinite(timestamp)) ||
    (typeof timestamp === 'string' && /^\d+$/.test(timestamp));
  return timestampOk ? { requestId, text } : undefined;
}

/**
 * What one exchange with the endpoint came to (§10.3, §10.4). Only a 200 whose body echoes our request ID is a
 * delivery; 413 is permanent; everything else is retried. `secrets` are removed from every message.
 */
export function interpretHttpEndpointExchange(
  exchange: HttpExchange,
  requestId: string,
  secrets: readonly (string | undefined)[],
): AttemptOutcome {
  if (exchange.kind === 'failure') {
    return { kind: 'retry', error: failure(exchange.failure, exchange.message, secrets) };
  }
  const body = conformingBody(exchange);
  if (exchange.status === 200 && body?.requestId === requestId) return { kind: 'delivered' };
  if (exchange.status === 413) {
    // §10.3: permanent, and the batch is not written to the error bucket. Console guidance is to lower the buffer size; retrying the same body cannot succeed.
    return {
      kind: 'give-up',
      error: {
        ...failure(
          'DestinationException',
          `${RESPONSE_PREFIX} 413: ${body ? body.text.slice(0, MAX_ECHOED_BODY_CHARS) : ''}`.trimEnd(),
          secrets,
        ),
        noErrorOutput: true,
      },
    };
  }
  if (body === undefined) {
    // §10.3: a non-conforming response counts as a 500 without a body (3xx included: redirects are not followed).
    return {
      kind: 'retry',
      error: failure(
        'InvalidResponseFromDestination',
        `The endpoint answered ${exchange.status} with a response that is not Firehose's JSON (requestId, timestamp, Content-Type application/json); treated as 500.`,
        secrets,
      ),
    };
  }
  if (exchange.status === 200) {
    return {
      kind: 'retry',
      error: failure(
        'InvalidResponseFromDestination',
        `The endpoint answered 200 for request '${body.requestId.slice(0, 100)}' instead of '${requestId}'; treated as 500.`,
        secrets,
      ),
    };
  }
  return {
    kind: 'retry',
    error: failure(
      'DestinationException',
      `${RESPONSE_PREFIX} ${exchange.status}: ${body.text.slice(0, MAX_ECHOED_BODY_CHARS)}`,
      secrets,
    ),
  };
}
