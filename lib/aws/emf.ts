import type { Telemetry } from '../core/ports.ts';

/** Namespace of Sluice's metrics. `AWS/` namespaces are reserved for AWS services, so Firehose's own cannot be used. */
export const DEFAULT_METRICS_NAMESPACE = 'Sluice';
/** Firehose's dimension (spec §11), so existing alarms only need the namespace changed. */
export const STREAM_DIMENSION = 'DeliveryStreamName';

type Unit = 'Bytes' | 'Count' | 'Milliseconds' | 'Seconds' | 'None';

/** CloudWatch unit of a Firehose metric name, from its suffix (spec §11). */
export function unitOf(metric: string): Unit {
  if (metric.endsWith('Bytes')) return 'Bytes';
  if (/(Latency|Duration|MillisBehindLatest)$/.test(metric)) return 'Milliseconds';
  if (/(DataFreshness|DataAckLatency)$/.test(metric)) return 'Seconds';
  if (/\.Success$/.test(metric)) return 'None';
  return 'Count';
}

/**
 * Telemetry written as CloudWatch Embedded Metric Format: one JSON log line per stream per invocation, which
 * CloudWatch Logs turns into metrics with no PutMetricData call (and no extra latency) in the Lambda.
 */
export class EmfMetrics implements Telemetry {
  private readonly values = new Map<string, Map<string, number>>();

  constructor(
    private readonly namespace = DEFAULT_METRICS_NAMESPACE,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  count(stream: string, metric: string, value: number): void {
    const metrics = this.forStream(stream);
    metrics.set(metric, (metrics.get(metric) ?? 0) + value);
  }

  gauge(stream: string, metric: string, value: number): void {
    this.forStream(stream).set(metric, value);
  }

  /** Writes what was recorded since the last flush, then forgets it. */
  flush(nowMs: number): void {
    for (const [stream, metrics] of this.values) {
      if (metrics.size === 0) continue;
      const line: Record<string, unknown> = {
        _aws: {
          Timestamp: nowMs,
          CloudWatchMetrics: [
            {
              Namespace: this.namespace,
              Dimensions: [[STREAM_DIMENSION]],
              Metrics: [...metrics.keys()].map((name) => ({ Name: name, Unit: unitOf(name) })),
            },
          ],
        },
        [STREAM_DIMENSION]: stream,
      };
      for (const [name, value] of metrics) line[name] = value;
      this.write(JSON.stringify(line));
    }
    this.values.clear();
  }

  private forStream(stream: string): Map<string, number> {
    let metrics = this.values.get(stream);
    if (!metrics) {
      metrics = new Map();
      this.values.set(stream, metrics);
    }
    return metrics;
  }
}
