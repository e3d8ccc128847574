import {
  awsDeliveryAdapters,
  type DeliveryAdapters,
  httpEndpointSecretArn,
} from '../lib/aws/delivery-adapters.ts';
import { ENV, required } from '../lib/aws/environment.ts';
import { context, stream } from './runtime.ts';

/**
 * The delivering Lambdas' (flush, and buffer in direct mode) own module, so the sweeper's bundle carries no
 * Glue, Lambda or destination clients.
 */
let built: DeliveryAdapters | undefined;
/**
 * Glue, Lambda and destination clients for the stream's stages, made on first use (a Glue schema and the HTTP
 * endpoint's access key are cached with them).
 */
export function adapters(): DeliveryAdapters {
  built ??= awsDeliveryAdapters(stream(), {
    ...context,
    httpSecretArn: httpEndpointSecretArn(JSON.parse(required(process.env, ENV.streamConfig))),
  });
  return built;
}
