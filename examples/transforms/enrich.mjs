// A Firehose data-transformation Lambda in the style of AWS's blueprints (spec §5). It runs unchanged on AWS
// Lambda (Node.js 20+, handler "enrich.handler") and under Sluice's local runtime
// ("lambdaFunctions": { "enrich": "./transforms/enrich.mjs#handler" }).
//
// Each record is base64 JSON. The function adds `processedAt` and returns the customer and event year as
// partition keys for dynamic partitioning (prefix "customer=!{partitionKeyFromLambda:customer}/year=…").
// Records that are not JSON are reported as ProcessingFailed, so they land under the error prefix instead of
// failing the whole batch; heartbeat records ({"type":"heartbeat"}) are Dropped.

export const handler = async (event) => {
  const processedAt = new Date().toISOString();
  const records = event.records.map((record) => {
    let payload;
    try {
      payload = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
    } catch {
      return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    }
    if (payload.type === 'heartbeat') return { recordId: record.recordId, result: 'Dropped' };

    const enriched = { ...payload, processedAt };
    const arrival = new Date(record.approximateArrivalTimestamp);
    return {
      recordId: record.recordId,
      result: 'Ok',
      // A trailing newline keeps the delivered objects line-delimited JSON.
      data: Buffer.from(`${JSON.stringify(enriched)}\n`).toString('base64'),
      metadata: {
        partitionKeys: {
          customer: String(payload.customer_id ?? 'unknown'),
          year: String(arrival.getUTCFullYear()),
        },
      },
    };
  });
  return { records };
};
