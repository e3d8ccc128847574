import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SdkKinesisRecordWriter } from '../lib/adapters/aws/kinesis-record-writer.ts';
import { EmfMetrics } from '../lib/aws/emf.ts';
import { ENV, required } from '../lib/aws/environment.ts';
import { handleIngest, parseRoutes } from '../lib/aws/ingest.ts';

// Cold start: configuration and clients once per execution environment.
const routes = parseRoutes(required(process.env, ENV.routes));
const kinesis = new SdkKinesisRecordWriter();
const accountId = required(process.env, ENV.accountId);
const metrics = new EmfMetrics(process.env[ENV.metricsNamespace]);

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    return await handleIngest(event, {
      routes,
      kinesis,
      metrics,
      accountId,
      nowMs: () => Date.now(),
      partitionKey: () => randomBytes(12).toString('base64url'),
    });
  } finally {
    metrics.flush(Date.now());
  }
}
