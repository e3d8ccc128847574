import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirehoseApiError } from '../../../lib/core/errors.ts';
import { type IncomingSignedRequest, SigV4Verifier } from '../../../lib/local/auth/sigv4-verifier.ts';
import { hasBotocore, runPython } from './python.ts';
import { KEY } from './smithy-signing.ts';

/**
 * Real clients (the AWS SDK for JavaScript v3 and boto3) send PutRecordBatch to a tiny Firehose-shaped
 * server on 127.0.0.1 that does nothing but verify the signature and answer like Firehose.
 */

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const verifier = new SigV4Verifier([KEY]);
const seen: Array<{ accessKeyId?: string; error?: string; bodyText: string }> = [];
let server: Server;
let endpoint: string;

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large for this test server');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const rawQuery = (req.url ?? '').includes('?')
      ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1)
      : '';
    const request: IncomingSignedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: rawQuery,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
      ),
      body,
    };
    const bodyText = Buffer.from(body).toString('utf8');
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    try {
      const { accessKeyId } = verifier.verify(request, Date.now());
      seen.push({ accessKeyId, bodyText });
      const records = (JSON.parse(bodyText) as { Records: unknown[] }).Records;
      res.writeHead(200);
      res.end(
        JSON.stringify({
          FailedPutCount: 0,
          Encrypted: false,
          RequestResponses: records.map((_, i) => ({ RecordId: `record-${i}` })),
        }),
      );
    } catch (error) {
      if (!(error instanceof FirehoseApiError)) throw error;
      seen.push({ error: error.type, bodyText });
      res.writeHead(error.httpStatus);
      res.end(JSON.stringify({ __type: error.type, message: error.message }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function sdkClient(secretAccessKey: string, accessKeyId = KEY.accessKeyId): FirehoseClient {
  return new FirehoseClient({
    endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

const batch = new PutRecordBatchCommand({
  DeliveryStreamName: 'clicks',
  Records: [{ Data: new TextEncoder().encode('{"a": 1}\n') }, { Data: new TextEncoder().encode('é') }],
});

describe('@aws-sdk/client-firehose against the verifier', () => {
  it('accepts PutRecordBatch signed with a configured key', async () => {
    const result = await sdkClient(KEY.secretAccessKey).send(batch);
    expect(result.FailedPutCount).toBe(0);
    expect(result.RequestResponses).toEqual([{ RecordId: 'record-0' }, { RecordId: 'record-1' }]);
    expect(seen.at(-1)?.accessKeyId).toBe(KEY.accessKeyId);
  });

  it('rejects a wrong secret with InvalidSignatureException', async () => {
    const error = await sdkClient('wrong-secret')
      .send(batch)
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('InvalidSignatureException');
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(403);
    expect((error as Error).message).toMatch(/^The request signature we calculated does not match/);
  });

  it('rejects an unknown key with UnrecognizedClientException', async () => {
    const error = await sdkClient('whatever', 'AKIAUNKNOWN000000000')
      .send(batch)
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('UnrecognizedClientException');
    expect((error as Error).message).toBe('The security token included in the request is invalid.');
  });
});

const BOTO3_PUT = `
import json, sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
args = json.load(sys.stdin)
client = boto3.client('firehose', endpoint_url=args['endpoint'], region_name='sa-east-1',
    aws_access_key_id=args['accessKeyId'], aws_secret_access_key=args['secretAccessKey'],
    config=Config(retries={'total_max_attempts': 1}))
try:
    out = client.put_record_batch(DeliveryStreamName='clicks', Records=[{'Data': b'{"a": 1}\\n'}])
    json.dump({'FailedPutCount': out['FailedPutCount'], 'RequestResponses': out['RequestResponses']}, sys.stdout)
except ClientError as e:
    json.dump({'error': e.response['Error']['Code']}, sys.stdout)
`;

describe.skipIf(!hasBotocore)('boto3 firehose client against the verifier', () => {
  it('accepts put_record_batch (spaces in the JSON body) and rejects a wrong secret', async () => {
    const ok = await runPython<unknown>(BOTO3_PUT, { endpoint, ...KEY });
    expect(ok).toEqual({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'record-0' }] });
    expect(seen.at(-1)?.bodyText).toContain('"DeliveryStreamName": "clicks"');

    const bad = await runPython<unknown>(BOTO3_PUT, { endpoint, ...KEY, secretAccessKey: 'wrong' });
    expect(bad).toEqual({ error: 'InvalidSignatureException' });
  });
});
