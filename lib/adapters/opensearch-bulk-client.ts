import { Sha256 } from '@aws-crypto/sha256-js';
import { Client, errors } from '@opensearch-project/opensearch';
import { SignatureV4 } from '@smithy/signature-v4';
import type { BulkExchange, BulkIndexClient } from '../core/ports.ts';

/** AWS credentials as the SDK's credential providers return them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type OpenSearchAuth =
  /** Self-managed clusters (and the local stand-in). */
  | { kind: 'basic'; username: string; password: string }
  /** AWS domains (`es`) and Serverless collections (`aoss`). */
  | { kind: 'sigv4'; region: string; service: 'es' | 'aoss'; credentials: () => Promise<AwsCredentials> }
  | { kind: 'none' };

export interface OpenSearchBulkClientOptions {
  /** Base URL of the cluster, e.g. `https://search-x.eu-west-1.es.amazonaws.com` or `http://127.0.0.1:9200`. */
  endpoint: string;
  auth: OpenSearchAuth;
  /** Per request; Firehose does not document one for OpenSearch, so the HTTP endpoint's 3 minutes (§10.3) is used. */
  requestTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 3 * 60 * 1000;

/**
 * BulkIndexClient over the official OpenSearch client. The client's own retries are off: the core's retry driver
 * decides what is retried (only failed items, §9). SigV4 is computed here with @smithy/signature-v4 over the exact
 * NDJSON bytes sent, and passed as request headers; the body is a string, which the client sends unchanged.
 */
export class OpenSearchBulkClient implements BulkIndexClient {
  private readonly client: Client;
  private readonly url: URL;
  private readonly signer: SignatureV4 | undefined;

  constructor(options: OpenSearchBulkClientOptions) {
    this.url = new URL(options.endpoint);
    const auth = options.auth;
    this.client = new Client({
      node: options.endpoint,
      maxRetries: 0,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(auth.kind === 'basic' ? { auth: { username: auth.username, password: auth.password } } : {}),
    });
    this.signer =
      auth.kind === 'sigv4'
        ? new SignatureV4({
            service: auth.service,
            region: auth.region,
            credentials: auth.credentials,
            sha256: Sha256,
          })
        : undefined;
  }

  async bulk(ndjson: string): Promise<BulkExchange> {
    try {
      const headers = this.signer ? await this.signedHeaders(ndjson) : {};
      // The typings want operation objects; a string body is sent as is (Transport: bulkBody strings are not re-serialised).
      const response = await this.client.bulk({ body: ndjson as unknown as never }, { headers });
      return { kind: 'response', status: response.statusCode ?? 200, body: response.body };
    } catch (error) {
      if (error instanceof errors.ResponseError) {
        return { kind: 'response', status: error.meta.statusCode ?? 500, body: error.meta.body };
      }
      if (error instanceof errors.TimeoutError) {
        return {
          kind: 'failure',
          failure: 'RequestTimeout',
          message: 'The cluster did not answer the bulk request in time.',
        };
      }
      if (error instanceof errors.ConnectionError || error instanceof errors.NoLivingConnectionsError) {
        return {
          kind: 'failure',
          failure: 'ConnectionFailed',
          message: `Could not reach the cluster (${error.name}).`,
        };
      }
      if (error instanceof errors.DeserializationError) {
        return { kind: 'response', status: 200, body: undefined };
      }
      throw error;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async signedHeaders(body: string): Promise<Record<string, string>> {
    const base = this.url.pathname.replace(/\/+$/, '');
    const payloadHash = new Sha256();
    payloadHash.update(body);
    const hash = Buffer.from(await payloadHash.digest()).toString('hex');
    const signed = await this.signer!.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: `${base}/_bulk`,
      query: {},
      // Serverless (`aoss`) requires the payload hash header; domains accept it.
      headers: { host: this.url.host, 'x-amz-content-sha256': hash },
      body,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers))
      if (name !== 'host') headers[name] = String(value);
    return headers;
  }
}
