import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../../lib/core/errors.ts';
import { silentLogger } from '../../lib/local/logger.ts';
import { FirehoseServer } from '../../lib/local/server.ts';
import { awsCli, boto3Script } from '../support/real-clients.ts';
import { firehoseClient, type InProcessSluice, s3StreamInput, startSluice } from '../support/sluice.ts';

const KEY = { accessKeyId: 'AKIDSLUICEAUTH', secretAccessKey: 'sluice-auth-secret' };
const KEY_ENV = { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey };

const BOTO3_PUT = `
import json, sys, boto3
from botocore.config import Config
client = boto3.client("firehose", endpoint_url=sys.argv[1], config=Config(retries={"max_attempts": 1}))
out = client.put_record(DeliveryStreamName="auth-stream", Record={"Data": b"from-boto3"})
print(json.dumps({"recordId": out["RecordId"], "encrypted": out["Encrypted"]}))
`;

describe('SigV4 authentication with configured access keys', () => {
  let sluice: InProcessSluice;
  beforeAll(async () => {
    sluice = await startSluice({ accessKeys: [KEY] });
  });
  afterAll(async () => sluice.close());

  it('serves the SDK signed with a configured key', async () => {
    const client = firehoseClient(sluice.endpoint, KEY);
    try {
      await client.send(new CreateDeliveryStreamCommand(s3StreamInput('auth-stream') as never));
      const put = await client.send(
        new PutRecordCommand({
          DeliveryStreamName: 'auth-stream',
          Record: { Data: Buffer.from('from-sdk') },
        }),
      );
      expect(put.RecordId).toMatch(/^[0-9a-f]+$/);
      const described = await client.send(
        new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'auth-stream' }),
      );
      expect(described.DeliveryStreamDescription?.DeliveryStreamStatus).toBe('ACTIVE');
    } finally {
      client.destroy();
    }
  });

  it('rejects a wrong secret with InvalidSignatureException (403)', async () => {
    const client = firehoseClient(sluice.endpoint, { ...KEY, secretAccessKey: 'not-the-secret' });
    try {
      await expect(client.send(new ListDeliveryStreamsCommand({}))).rejects.toMatchObject({
        name: 'InvalidSignatureException',
        message: expect.stringMatching(/^The request signature we calculated does not match/),
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      client.destroy();
    }
  });

  it('rejects an unknown access key with UnrecognizedClientException (403)', async () => {
    const client = firehoseClient(sluice.endpoint, { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' });
    try {
      await expect(
        client.send(
          new PutRecordCommand({ DeliveryStreamName: 'auth-stream', Record: { Data: Buffer.from('no') } }),
        ),
      ).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      client.destroy();
    }
  });

  it('rejects an unsigned request with MissingAuthenticationTokenException (403)', async () => {
    const response = await fetch(`${sluice.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Firehose_20150804.PutRecord',
      },
      body: JSON.stringify({
        DeliveryStreamName: 'auth-stream',
        Record: { Data: Buffer.from('unsigned').toString('base64') },
      }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it('serves AWS CLI v2 and boto3 signed with the configured key', { timeout: 60_000 }, async () => {
    const described = (await awsCli(
      sluice.endpoint,
      ['describe-delivery-stream', '--delivery-stream-name', 'auth-stream'],
      KEY_ENV,
    )) as { DeliveryStreamDescription: { DeliveryStreamName: string } };
    expect(described.DeliveryStreamDescription.DeliveryStreamName).toBe('auth-stream');
    // The CLI's default key (test/support/real-clients.ts) is not configured on this server.
    await expect(
      awsCli(sluice.endpoint, ['describe-delivery-stream', '--delivery-stream-name', 'auth-stream']),
    ).rejects.toThrow(/UnrecognizedClientException/);

    const boto = (await boto3Script(BOTO3_PUT, sluice.endpoint, KEY_ENV)) as {
      recordId: string;
      encrypted: boolean;
    };
    expect(boto.recordId).toMatch(/^[0-9a-f]+$/);
    expect(boto.encrypted).toBe(false);

    const {
      complete,
      streams: [flushed],
    } = await sluice.runtime.flush('auth-stream');
    expect(complete).toBe(true);
    // One record from the SDK, one from boto3; none from the rejected requests.
    expect(flushed?.deliveredRecords).toBe(2);
  });

  it('refuses to construct a server on 0.0.0.0 without access keys (InsecureBind)', () => {
    let thrown: unknown;
    try {
      new FirehoseServer(sluice.runtime, { host: '0.0.0.0', port: 0, accessKeys: [], logger: silentLogger });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SluiceError);
    expect(thrown).toMatchObject({
      code: 'InsecureBind',
      message: expect.stringContaining('Refusing to listen on 0.0.0.0 without access keys'),
    });
    // With keys the same host is accepted (constructed only; nothing listens on 0.0.0.0).
    expect(
      () =>
        new FirehoseServer(sluice.runtime, {
          host: '0.0.0.0',
          port: 0,
          accessKeys: [KEY],
          logger: silentLogger,
        }),
    ).not.toThrow();
  });
});
