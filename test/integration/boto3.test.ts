import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boto3Script } from '../support/real-clients.ts';
import { type InProcessSluice, listEmbeddedObjects, startSluice } from '../support/sluice.ts';

// boto3 sends JSON with spaces after separators; the server must parse (and, with keys, verify) raw bytes.
const SCRIPT = `
import json, sys, boto3
from botocore.config import Config
client = boto3.client("firehose", endpoint_url=sys.argv[1], config=Config(retries={"max_attempts": 1}))
client.create_delivery_stream(
    DeliveryStreamName="boto-stream",
    ExtendedS3DestinationConfiguration={
        "RoleARN": "arn:aws:iam::000000000000:role/firehose",
        "BucketARN": "arn:aws:s3:::boto-bucket",
        "Prefix": "boto/",
        "CompressionFormat": "GZIP",
    },
)
records = [{"Data": json.dumps({"n": i}).encode() + b"\\n"} for i in range(300)]
records.append({"Data": b"x" * 3000})
out = client.put_record_batch(DeliveryStreamName="boto-stream", Records=records)
desc = client.describe_delivery_stream(DeliveryStreamName="boto-stream")["DeliveryStreamDescription"]
print(json.dumps({
    "failed": out["FailedPutCount"],
    "codes": [r.get("ErrorCode", "ok") for r in out["RequestResponses"]],
    "status": desc["DeliveryStreamStatus"],
    "compression": desc["Destinations"][0]["ExtendedS3DestinationDescription"]["CompressionFormat"],
}))
`;

describe('boto3 (Debian python3-boto3)', () => {
  let sluice: InProcessSluice;
  beforeAll(async () => {
    sluice = await startSluice({ maxBufferedBytesPerStream: 5000 });
  });
  afterAll(async () => sluice.close());

  it('creates a stream, puts a batch with a throttled entry and reads the GZIP object back', async () => {
    const out = (await boto3Script(SCRIPT, sluice.endpoint)) as {
      failed: number;
      codes: string[];
      status: string;
      compression: string;
    };
    expect(out.status).toBe('ACTIVE');
    expect(out.compression).toBe('GZIP');
    expect(out.failed).toBe(1);
    expect(out.codes.slice(-2)).toEqual(['ok', 'ServiceUnavailableException']);

    await sluice.runtime.flush('boto-stream');
    const objects = await listEmbeddedObjects(sluice.dataDir, 'boto-bucket');
    expect(objects.size).toBe(1);
    const [key, body] = [...objects][0]!;
    expect(key).toMatch(/^boto\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/boto-stream-1-.*\.gz$/);
    const lines = gunzipSync(body).toString().trimEnd().split('\n');
    expect(lines).toEqual(Array.from({ length: 300 }, (_, n) => JSON.stringify({ n }).replace(':', ': ')));
  });
});
