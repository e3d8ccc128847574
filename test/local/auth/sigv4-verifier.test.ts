import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FirehoseApiError } from '../../../lib/core/errors.ts';
import { type IncomingSignedRequest, SigV4Verifier } from '../../../lib/local/auth/sigv4-verifier.ts';
import { KEY, OTHER_KEY, SIGNED_AT_MS, smithySigned, withAuthParam } from './smithy-signing.ts';

const verifier = new SigV4Verifier([OTHER_KEY, KEY]);

function rejection(run: () => unknown): { type: string; message: string; httpStatus: number } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof FirehoseApiError)) throw error;
    // Whatever went wrong, no message may ever carry a configured secret.
    for (const secret of [KEY.secretAccessKey, OTHER_KEY.secretAccessKey]) {
      expect(error.message).not.toContain(secret);
    }
    return { type: error.type, message: error.message, httpStatus: error.httpStatus };
  }
  throw new Error('expected the request to be rejected');
}

const MISMATCH_START =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

describe('SigV4Verifier accepts what independent signers produce', () => {
  it('accepts a request signed by @smithy/signature-v4 and names the key', async () => {
    const request = await smithySigned();
    expect(request.headers['x-amz-content-sha256']).toBeUndefined();
    expect(verifier.verify(request, SIGNED_AT_MS)).toEqual({ accessKeyId: KEY.accessKeyId });
  });

  it('accepts any region and the second configured key', async () => {
    const request = await smithySigned({ key: OTHER_KEY, region: 'ap-southeast-2' });
    expect(verifier.verify(request, SIGNED_AT_MS)).toEqual({ accessKeyId: OTHER_KEY.accessKeyId });
  });

  it('matches the AWS SigV4 test-suite "get-vanilla" vector', () => {
    const vanilla = new SigV4Verifier(
      [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }],
      { service: 'service' },
    );
    const request: IncomingSignedRequest = {
      method: 'GET',
      path: '/',
      query: '',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
          'SignedHeaders=host;x-amz-date, ' +
          'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: new Uint8Array(),
    };
    expect(vanilla.verify(request, Date.UTC(2015, 7, 30, 12, 36))).toEqual({ accessKeyId: 'AKIDEXAMPLE' });
  });

  it('canonicalises the query string: order, repeated keys, reserved characters, non-ASCII', async () => {
    const request = await smithySigned({
      query: { b: 'x y', a: ['2', '1'], 'c*': "it's (ok)!", 'ü~': 'é/&=' },
    });
    expect(request.query).toBe("%C3%BC~=%C3%A9%2F%26%3D&c*=it's%20(ok)!&a=1&a=2&b=x%20y");
    expect(verifier.verify(request, SIGNED_AT_MS)).toEqual({ accessKeyId: KEY.accessKeyId });
    const tampered = { ...request, query: request.query.replace('a=1', 'a=3') };
    expect(rejection(() => verifier.verify(tampered, SIGNED_AT_MS)).type).toBe('InvalidSignatureException');
  });

  it('double-encodes a non-root path as non-S3 services do', async () => {
    const request = await smithySigned({ path: '/some%20path/x%2Fy/' });
    expect(verifier.verify(request, SIGNED_AT_MS)).toEqual({ accessKeyId: KEY.accessKeyId });
    const decoded = { ...request, path: '/some path/x/y/' };
    expect(rejection(() => verifier.verify(decoded, SIGNED_AT_MS)).type).toBe('InvalidSignatureException');
  });

  it('uses and checks x-amz-content-sha256 when the client sends it', async () => {
    const body = '{"DeliveryStreamName": "clicks", "Records": []}';
    const wrongHash = '6d4a1bf8f5c4ffd6f4e5a8ec9b7bfea1c5cb38edbde39e7a73b8a4e2be9a6b2d';
    const real = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
    const good = await smithySigned({ body, headers: { 'x-amz-content-sha256': real } });
    expect(good.headers.authorization).toContain('x-amz-content-sha256');
    expect(verifier.verify(good, SIGNED_AT_MS)).toEqual({ accessKeyId: KEY.accessKeyId });

    const lying = await smithySigned({ body, headers: { 'x-amz-content-sha256': wrongHash } });
    expect(rejection(() => verifier.verify(lying, SIGNED_AT_MS))).toEqual({
      type: 'InvalidSignatureException',
      httpStatus: 403,
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
  });

  it('accepts exactly at the 15-minute skew limit, either side', async () => {
    const request = await smithySigned();
    const fifteen = 15 * 60 * 1000;
    expect(verifier.verify(request, SIGNED_AT_MS + fifteen).accessKeyId).toBe(KEY.accessKeyId);
    expect(verifier.verify(request, SIGNED_AT_MS - fifteen).accessKeyId).toBe(KEY.accessKeyId);
  });

  it('property: any body and query signed by smithy verifies; flipping one body byte does not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 12 }), {
          maxKeys: 4,
        }),
        fc.nat(),
        async (body, query, flipAt) => {
          const request = await smithySigned({ body, query });
          expect(verifier.verify(request, SIGNED_AT_MS)).toEqual({ accessKeyId: KEY.accessKeyId });
          const flipped = Uint8Array.from(body);
          flipped[flipAt % flipped.length]! ^= 0x01;
          const tampered = { ...request, body: flipped };
          expect(rejection(() => verifier.verify(tampered, SIGNED_AT_MS)).type).toBe(
            'InvalidSignatureException',
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('SigV4Verifier rejects with AWS exception types', () => {
  it('tampered body → InvalidSignatureException with the AWS message and the expected canonical request', async () => {
    const request = await smithySigned({ body: '{"DeliveryStreamName": "clicks", "Records": []}' });
    const tampered = {
      ...request,
      body: new TextEncoder().encode('{"DeliveryStreamName":"clicks","Records":[]}'),
    };
    const error = rejection(() => verifier.verify(tampered, SIGNED_AT_MS));
    expect(error.type).toBe('InvalidSignatureException');
    expect(error.httpStatus).toBe(403);
    expect(error.message.startsWith(MISMATCH_START)).toBe(true);
    expect(error.message).toContain(
      "\n\nThe Canonical String for this request should have been\n'POST\n/\n\ncontent-length:",
    );
    expect(error.message).toContain(
      "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261122T102030Z\n",
    );
  });

  it('tampered signed header → InvalidSignatureException', async () => {
    const request = await smithySigned();
    const tampered = {
      ...request,
      headers: { ...request.headers, 'x-amz-target': 'Firehose_20150804.DeleteDeliveryStream' },
    };
    expect(rejection(() => verifier.verify(tampered, SIGNED_AT_MS)).message.startsWith(MISMATCH_START)).toBe(
      true,
    );
  });

  it('a changed unsigned header is not part of the signature', async () => {
    const request = await smithySigned();
    const withExtra = { ...request, headers: { ...request.headers, 'user-agent': 'curl/8' } };
    expect(verifier.verify(withExtra, SIGNED_AT_MS)).toEqual({ accessKeyId: KEY.accessKeyId });
  });

  it('Host not among the signed headers → IncompleteSignatureException', async () => {
    const request = await smithySigned({ unsignedHost: true });
    expect(request.headers.authorization).not.toMatch(/SignedHeaders=[^,]*host/);
    expect(rejection(() => verifier.verify(request, SIGNED_AT_MS))).toEqual({
      type: 'IncompleteSignatureException',
      httpStatus: 403,
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    });
  });

  it('request time too old or too new → InvalidSignatureException "Signature expired" / "not yet current"', async () => {
    const request = await smithySigned();
    const fifteen = 15 * 60 * 1000;
    expect(rejection(() => verifier.verify(request, SIGNED_AT_MS + fifteen + 1000))).toEqual({
      type: 'InvalidSignatureException',
      httpStatus: 403,
      message:
        'Signature expired: 20261122T102030Z is now earlier than 20261122T102031Z (20261122T103531Z - 15 min.)',
    });
    expect(rejection(() => verifier.verify(request, SIGNED_AT_MS - fifteen - 1000))).toEqual({
      type: 'InvalidSignatureException',
      httpStatus: 403,
      message:
        'Signature not yet current: 20261122T102030Z is still later than 20261122T102029Z (20261122T100529Z + 15 min.)',
    });
  });

  it('honours a custom maxSkewMs', async () => {
    const strict = new SigV4Verifier([KEY], { maxSkewMs: 5000 });
    const request = await smithySigned();
    expect(strict.verify(request, SIGNED_AT_MS + 5000).accessKeyId).toBe(KEY.accessKeyId);
    expect(rejection(() => strict.verify(request, SIGNED_AT_MS + 6000)).message).toBe(
      'Signature expired: 20261122T102030Z is now earlier than 20261122T102031Z (20261122T102036Z - 5000 ms.)',
    );
  });

  it('unknown access key → UnrecognizedClientException', async () => {
    const stranger = { accessKeyId: 'AKIASTRANGER00000000', secretAccessKey: 'whatever' };
    const request = await smithySigned({ key: stranger });
    expect(rejection(() => verifier.verify(request, SIGNED_AT_MS))).toEqual({
      type: 'UnrecognizedClientException',
      httpStatus: 403,
      message: 'The security token included in the request is invalid.',
    });
  });

  it('known key with the wrong secret → InvalidSignatureException', async () => {
    const request = await smithySigned({ key: { accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong' } });
    expect(rejection(() => verifier.verify(request, SIGNED_AT_MS)).message.startsWith(MISMATCH_START)).toBe(
      true,
    );
  });

  it('no Authorization header → MissingAuthenticationTokenException', async () => {
    const request = await smithySigned();
    const { authorization: _dropped, ...headers } = request.headers;
    expect(rejection(() => verifier.verify({ ...request, headers }, SIGNED_AT_MS))).toEqual({
      type: 'MissingAuthenticationTokenException',
      httpStatus: 403,
      message: 'Missing Authentication Token',
    });
  });

  it('no X-Amz-Date → IncompleteSignatureException', async () => {
    const request = await smithySigned();
    const { 'x-amz-date': _dropped, ...headers } = request.headers;
    const error = rejection(() => verifier.verify({ ...request, headers }, SIGNED_AT_MS));
    expect(error.type).toBe('IncompleteSignatureException');
    expect(
      error.message.startsWith("Authorization header requires existence of an 'X-Amz-Date' header."),
    ).toBe(true);
  });

  it('X-Amz-Date not in ISO-8601 basic format → IncompleteSignatureException', async () => {
    const request = await smithySigned();
    for (const date of ['2026-11-22T10:20:30Z', '20261340T102030Z', 'Sun, 22 Nov 2026 10:20:30 GMT']) {
      const bad = { ...request, headers: { ...request.headers, 'x-amz-date': date } };
      expect(rejection(() => verifier.verify(bad, SIGNED_AT_MS))).toEqual({
        type: 'IncompleteSignatureException',
        httpStatus: 403,
        message: `Date must be in ISO-8601 'basic format'. Got '${date}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      });
    }
  });

  it('Authorization missing parameters → IncompleteSignatureException listing each', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=AKIASLUICETEST000001/20261122/eu-west-1/firehose/aws4_request';
    const request: IncomingSignedRequest = {
      method: 'POST',
      path: '/',
      query: '',
      headers: { host: 'h', 'x-amz-date': '20261122T102030Z', authorization: header },
      body: new Uint8Array(),
    };
    expect(rejection(() => verifier.verify(request, SIGNED_AT_MS))).toEqual({
      type: 'IncompleteSignatureException',
      httpStatus: 403,
      message:
        "Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires 'Signature' parameter. " +
        `Authorization=${header}`,
    });
  });

  it('an algorithm other than AWS4-HMAC-SHA256 → IncompleteSignatureException', async () => {
    const request = await smithySigned();
    const v2 = {
      ...request,
      headers: { ...request.headers, authorization: 'AWS AKIASLUICETEST000001:c2ln' },
    };
    const error = rejection(() => verifier.verify(v2, SIGNED_AT_MS));
    expect(error.type).toBe('IncompleteSignatureException');
    expect(error.message.startsWith("Unsupported Authorization algorithm 'AWS'")).toBe(true);
  });

  it('malformed credential scope → IncompleteSignatureException', async () => {
    const request = await smithySigned();
    const short = withAuthParam(request, 'Credential', 'AKIASLUICETEST000001/20261122/eu-west-1/firehose');
    expect(rejection(() => verifier.verify(short, SIGNED_AT_MS))).toEqual({
      type: 'IncompleteSignatureException',
      httpStatus: 403,
      message:
        'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, ' +
        "got 'AKIASLUICETEST000001/20261122/eu-west-1/firehose'",
    });
    const emptyRegion = withAuthParam(
      request,
      'Credential',
      'AKIASLUICETEST000001/20261122//firehose/aws4_request',
    );
    expect(rejection(() => verifier.verify(emptyRegion, SIGNED_AT_MS)).type).toBe(
      'IncompleteSignatureException',
    );
  });

  it('wrong service in the scope → InvalidSignatureException naming the right one', async () => {
    const request = await smithySigned({ service: 'kinesis' });
    expect(rejection(() => verifier.verify(request, SIGNED_AT_MS))).toEqual({
      type: 'InvalidSignatureException',
      httpStatus: 403,
      message: "Credential should be scoped to correct service: 'firehose'. ",
    });
  });

  it('wrong terminator, invalid region, or scope date ≠ X-Amz-Date → InvalidSignatureException', async () => {
    const request = await smithySigned();
    const cases: Array<[string, string]> = [
      [
        'AKIASLUICETEST000001/20261122/eu-west-1/firehose/aws4_requesx',
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requesx'. ",
      ],
      [
        'AKIASLUICETEST000001/20261122/EU_WEST/firehose/aws4_request',
        "Credential should be scoped to a valid region, not 'EU_WEST'. ",
      ],
      [
        'AKIASLUICETEST000001/20261121/eu-west-1/firehose/aws4_request',
        'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
          "'20261121' != '20261122', from '20261122T102030Z'.",
      ],
    ];
    for (const [credential, message] of cases) {
      const bad = withAuthParam(request, 'Credential', credential);
      expect(rejection(() => verifier.verify(bad, SIGNED_AT_MS))).toEqual({
        type: 'InvalidSignatureException',
        httpStatus: 403,
        message,
      });
    }
  });

  it('a signature that is not 64 lower-case hex digits → InvalidSignatureException', async () => {
    const request = await smithySigned();
    for (const signature of ['abc', request.headers.authorization!.slice(-64).toUpperCase()]) {
      const bad = withAuthParam(request, 'Signature', signature);
      expect(rejection(() => verifier.verify(bad, SIGNED_AT_MS)).message.startsWith(MISMATCH_START)).toBe(
        true,
      );
    }
  });

  it('redacts x-amz-security-token in the echoed canonical request', async () => {
    const token = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';
    const request = await smithySigned({
      key: { ...KEY, secretAccessKey: 'wrong' },
      headers: { 'x-amz-security-token': token },
    });
    const error = rejection(() => verifier.verify(request, SIGNED_AT_MS));
    expect(error.message).toContain('\nx-amz-security-token:<redacted>\n');
    expect(error.message).not.toContain(token);
  });
});

describe('SigV4Verifier configuration', () => {
  it('rejects an empty secret and a key id configured twice with different secrets', () => {
    expect(() => new SigV4Verifier([{ accessKeyId: 'AKIA1', secretAccessKey: '' }])).toThrow(
      expect.objectContaining({ code: 'InvalidAccessKey' }),
    );
    const duplicated = [KEY, { ...KEY, secretAccessKey: 'different' }];
    expect(() => new SigV4Verifier(duplicated)).toThrow(
      expect.objectContaining({ code: 'InvalidAccessKey' }),
    );
  });
});
