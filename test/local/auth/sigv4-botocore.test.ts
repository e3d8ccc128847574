import { describe, expect, it } from 'vitest';
import { FirehoseApiError } from '../../../lib/core/errors.ts';
import { type IncomingSignedRequest, SigV4Verifier } from '../../../lib/local/auth/sigv4-verifier.ts';
import { hasBotocore, runPython } from './python.ts';
import { KEY } from './smithy-signing.ts';

// botocore signs with the wall clock, so the verifier is given the time botocore wrote into X-Amz-Date.
const SIGN = `
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
args = json.load(sys.stdin)
request = AWSRequest(method='POST', url=args['url'], data=args['body'].encode('utf-8'), headers={
    'Content-Type': 'application/x-amz-json-1.1',
    'X-Amz-Target': 'Firehose_20150804.PutRecordBatch',
})
SigV4Auth(Credentials(args['accessKeyId'], args['secretAccessKey']), 'firehose', args['region']).add_auth(request)
json.dump({k.lower(): v for k, v in request.headers.items()}, sys.stdout)
`;

// json.dumps' default separators put a space after ':' and ',', which JSON.stringify never does.
const PYTHON_STYLE_BODY =
  '{"DeliveryStreamName": "clicks", "Records": [{"Data": "eyJhIjogMX0K"}, {"Data": "w6k="}]}';

interface SignArgs {
  url: string;
  body: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

async function botocoreSigned(args: Partial<SignArgs> = {}): Promise<IncomingSignedRequest> {
  const full: SignArgs = {
    url: 'http://127.0.0.1:4573/',
    body: PYTHON_STYLE_BODY,
    region: 'us-west-2',
    ...KEY,
    ...args,
  };
  const headers = await runPython<Record<string, string>>(SIGN, full);
  const url = new URL(full.url);
  // botocore signs the Host its HTTP library will send; add it as the request would arrive.
  return {
    method: 'POST',
    path: url.pathname,
    query: url.search.slice(1),
    headers: { host: url.host, ...headers },
    body: new TextEncoder().encode(full.body),
  };
}

function signedAt(request: IncomingSignedRequest): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(request.headers['x-amz-date']!)!;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

describe.skipIf(!hasBotocore)('SigV4Verifier against botocore SigV4Auth', () => {
  const verifier = new SigV4Verifier([KEY]);

  it('accepts a botocore-signed request whose JSON body has spaces (raw bytes, never re-serialised)', async () => {
    const request = await botocoreSigned();
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIASLUICETEST000001\/\d{8}\/us-west-2\/firehose\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(verifier.verify(request, signedAt(request))).toEqual({ accessKeyId: KEY.accessKeyId });

    const reserialised = JSON.stringify(JSON.parse(PYTHON_STYLE_BODY));
    const compacted = { ...request, body: new TextEncoder().encode(reserialised) };
    expect(() => verifier.verify(compacted, signedAt(request))).toThrow(
      expect.objectContaining({ type: 'InvalidSignatureException' }),
    );
  });

  it('accepts a botocore-signed query string with reserved characters and repeated keys', async () => {
    const request = await botocoreSigned({
      url: 'http://127.0.0.1:4573/?b=x%20y&a=2&a=1&c=%21%27%28%29%2A&d',
    });
    expect(verifier.verify(request, signedAt(request))).toEqual({ accessKeyId: KEY.accessKeyId });
  });

  it('rejects a botocore-signed request made with the wrong secret as InvalidSignatureException', async () => {
    const request = await botocoreSigned({ secretAccessKey: 'not-the-configured-secret' });
    try {
      verifier.verify(request, signedAt(request));
      expect.unreachable('a wrong secret must not verify');
    } catch (error) {
      expect(error).toBeInstanceOf(FirehoseApiError);
      expect((error as FirehoseApiError).type).toBe('InvalidSignatureException');
      expect((error as FirehoseApiError).message).not.toContain('not-the-configured-secret');
    }
  });
});
