import { describe, expect, it } from 'vitest';
import { MetricsRegistry, prometheusName } from '../../lib/core/metrics.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A small, strict parser for the Prometheus text format: it fails the test on any line it does not
 * understand, on a family whose samples are not contiguous, or on a sample without a TYPE line.
 */
function parsePrometheus(text: string): {
  types: Record<string, string>;
  help: Record<string, string>;
  samples: Sample[];
} {
  expect(text.endsWith('\n')).toBe(true);
  const types: Record<string, string> = {};
  const help: Record<string, string> = {};
  const samples: Sample[] = [];
  const finished = new Set<string>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (kind === 'TYPE') {
        expect(types[name]).toBeUndefined();
        expect(['counter', 'gauge']).toContain(rest);
        types[name] = rest;
      } else {
        help[name] = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      }
      if (current !== name) {
        if (current) finished.add(current);
        expect(finished.has(name)).toBe(false);
        current = name;
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!sample) throw new Error(`unparseable line: ${JSON.stringify(line)}`);
    const [, name, labelText, valueText] = sample as unknown as [string, string, string, string];
    expect(name).toBe(current);
    expect(types[name]).toBeDefined();
    const labels: Record<string, string> = {};
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
    let consumed = 0;
    while (consumed < labelText.length) {
      labelRe.lastIndex = consumed;
      const m = labelRe.exec(labelText);
      if (!m) throw new Error(`bad labels: ${labelText}`);
      labels[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed = labelRe.lastIndex;
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    expect(Number.isNaN(value)).toBe(false);
    samples.push({ name, labels, value });
  }
  return { types, help, samples };
}

describe('MetricsRegistry', () => {
  it('sums counters, keeps the last gauge value and derives Success ratios per stream', () => {
    const m = new MetricsRegistry();
    m.count('clicks', 'IncomingBytes', 100);
    m.count('clicks', 'IncomingBytes', 23);
    m.count('clicks', 'IncomingRecords', 4);
    m.count('views', 'IncomingRecords', 1);
    m.gauge('clicks', 'DeliveryToS3.DataFreshness', 12);
    m.gauge('clicks', 'DeliveryToS3.DataFreshness', 3);
    m.recordAttempt('clicks', 'DeliveryToS3', false);
    m.recordAttempt('clicks', 'DeliveryToS3', true);
    m.recordAttempt('clicks', 'DeliveryToS3', true);
    m.recordAttempt('clicks', 'DeliveryToS3', true);
    m.recordAttempt('clicks', 'BackupToS3', false);

    expect(m.snapshot()).toEqual({
      clicks: {
        IncomingBytes: 123,
        IncomingRecords: 4,
        'DeliveryToS3.DataFreshness': 3,
        'DeliveryToS3.Success': 0.75,
        'BackupToS3.Success': 0,
      },
      views: { IncomingRecords: 1 },
    });
  });

  it('rejects a counter that would shrink and a name used as both counter and gauge', () => {
    const m = new MetricsRegistry();
    expect(() => m.count('s', 'IncomingBytes', -1)).toThrow(RangeError);
    expect(() => m.count('s', 'IncomingBytes', Number.NaN)).toThrow(RangeError);
    expect(() => m.gauge('s', 'Sluice.BufferedBytes', Number.NaN)).toThrow(RangeError);
    m.gauge('s', 'Sluice.BufferedBytes', 5);
    expect(() => m.count('s', 'Sluice.BufferedBytes', 1)).toThrow(TypeError);
    m.count('s', 'IncomingBytes', 1);
    expect(() => m.gauge('s', 'IncomingBytes', 1)).toThrow(TypeError);
    expect(m.snapshot()).toEqual({ s: { IncomingBytes: 1, 'Sluice.BufferedBytes': 5 } });
  });

  it('forgets a removed stream', () => {
    const m = new MetricsRegistry();
    m.count('gone', 'IncomingRecords', 1);
    m.count('kept', 'IncomingRecords', 2);
    m.removeStream('gone');
    expect(m.snapshot()).toEqual({ kept: { IncomingRecords: 2 } });
  });
});

describe('prometheusName', () => {
  it.each([
    ['IncomingBytes', 'firehose_incoming_bytes'],
    ['IncomingPutRequests', 'firehose_incoming_put_requests'],
    ['PutRecordBatch.Records', 'firehose_put_record_batch_records'],
    ['DeliveryToS3.DataFreshness', 'firehose_delivery_to_s3_data_freshness'],
    ['DeliveryToS3.ObjectCount', 'firehose_delivery_to_s3_object_count'],
    ['BackupToS3.Bytes', 'firehose_backup_to_s3_bytes'],
    ['KMSKeyAccessDenied', 'firehose_kms_key_access_denied'],
    ['JQProcessing.Duration', 'firehose_jq_processing_duration'],
    ['DeliveryToAmazonOpenSearchService.Success', 'firehose_delivery_to_amazon_open_search_service_success'],
    ['Sluice.BufferedBytes', 'sluice_buffered_bytes'],
    ['Sluice.DeliveryStalled', 'sluice_delivery_stalled'],
    ['Odd-Name With Spaces', 'firehose_odd_name_with_spaces'],
  ])('%s → %s', (metric, expected) => {
    expect(prometheusName(metric)).toBe(expected);
  });
});

describe('MetricsRegistry.toPrometheus', () => {
  it('is empty when nothing was recorded', () => {
    expect(new MetricsRegistry().toPrometheus()).toBe('');
  });

  it('exports one family per metric with a TYPE line, _total counters and escaped stream labels', () => {
    const m = new MetricsRegistry();
    const odd = 'we"ird\\name\nx';
    m.count('b-stream', 'IncomingBytes', 10);
    m.count('a-stream', 'IncomingBytes', 7);
    m.count(odd, 'IncomingBytes', 1);
    m.count('a-stream', 'PutRecordBatch.Records', 500);
    m.gauge('a-stream', 'Sluice.DeliveryStalled', 1);
    m.gauge('a-stream', 'DeliveryToS3.DataFreshness', 61);
    m.recordAttempt('a-stream', 'DeliveryToS3', true);
    m.recordAttempt('a-stream', 'DeliveryToS3', false);

    const text = m.toPrometheus();
    const { types, help, samples } = parsePrometheus(text);

    expect(types).toEqual({
      firehose_delivery_to_s3_attempts_total: 'counter',
      firehose_delivery_to_s3_data_freshness: 'gauge',
      firehose_delivery_to_s3_success: 'gauge',
      firehose_delivery_to_s3_successes_total: 'counter',
      firehose_incoming_bytes_total: 'counter',
      firehose_put_record_batch_records_total: 'counter',
      sluice_delivery_stalled: 'gauge',
    });
    expect(help.firehose_incoming_bytes_total).toBe('IncomingBytes');
    expect(help.firehose_delivery_to_s3_data_freshness).toBe('DeliveryToS3.DataFreshness');
    const a = { delivery_stream: 'a-stream' };
    expect(samples).toEqual([
      { name: 'firehose_delivery_to_s3_attempts_total', labels: a, value: 2 },
      { name: 'firehose_delivery_to_s3_data_freshness', labels: a, value: 61 },
      { name: 'firehose_delivery_to_s3_success', labels: a, value: 0.5 },
      { name: 'firehose_delivery_to_s3_successes_total', labels: a, value: 1 },
      { name: 'firehose_incoming_bytes_total', labels: a, value: 7 },
      { name: 'firehose_incoming_bytes_total', labels: { delivery_stream: 'b-stream' }, value: 10 },
      { name: 'firehose_incoming_bytes_total', labels: { delivery_stream: odd }, value: 1 },
      { name: 'firehose_put_record_batch_records_total', labels: a, value: 500 },
      { name: 'sluice_delivery_stalled', labels: a, value: 1 },
    ]);
    // The raw escaping, checked once byte for byte.
    expect(text).toContain('firehose_incoming_bytes_total{delivery_stream="we\\"ird\\\\name\\nx"} 1\n');
  });

  it('writes infinities the way Prometheus spells them', () => {
    const m = new MetricsRegistry();
    m.gauge('s', 'Sluice.Headroom', Number.POSITIVE_INFINITY);
    m.gauge('t', 'Sluice.Headroom', Number.NEGATIVE_INFINITY);
    expect(m.toPrometheus()).toBe(
      [
        '# HELP sluice_headroom Sluice.Headroom',
        '# TYPE sluice_headroom gauge',
        'sluice_headroom{delivery_stream="s"} +Inf',
        'sluice_headroom{delivery_stream="t"} -Inf',
        '',
      ].join('\n'),
    );
  });
});
