import type { Telemetry } from './ports.ts';

/** The destinations whose `<prefix>.Success` ratio is derived from recorded attempts (spec §11). */
export type AttemptPrefix =
  | 'DeliveryToS3'
  | 'BackupToS3'
  | 'DeliveryToHttpEndpoint'
  | 'DeliveryToAmazonOpenSearchService'
  | 'DeliveryToRedshift';

/** Per stream, per metric name: counters as totals, gauges as the last value, `*.Success` as a ratio. */
export type MetricsSnapshot = Record<string, Record<string, number>>;

interface StreamMetrics {
  counters: Map<string, number>;
  gauges: Map<string, number>;
  attempts: Map<AttemptPrefix, { attempts: number; successes: number }>;
}

/**
 * In-process metrics with Firehose's metric names (spec §11: `IncomingBytes`, `DeliveryToS3.Records`,
 * …) plus Sluice's own under `Sluice.*`, so dashboards and alarms written for CloudWatch map one to one.
 * Every update is O(1): it is called per request and per delivered object, never per record.
 */
export class MetricsRegistry implements Telemetry {
  private readonly streams = new Map<string, StreamMetrics>();

  /** Adds `value` to a counter (a Sum statistic in CloudWatch terms). */
  count(stream: string, metric: string, value: number): void {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`Counter ${metric} can only grow by a finite value >= 0, got ${value}`);
    }
    const { counters, gauges } = this.forStream(stream);
    if (gauges.has(metric)) throw new TypeError(`Metric ${metric} is a gauge; it cannot also be counted`);
    counters.set(metric, (counters.get(metric) ?? 0) + value);
  }

  /** Sets a gauge to its current value (e.g. `DeliveryToS3.DataFreshness` in seconds, `Sluice.DeliveryStalled` 0/1). */
  gauge(stream: string, metric: string, value: number): void {
    if (Number.isNaN(value)) throw new RangeError(`Gauge ${metric} cannot be set to NaN`);
    const { counters, gauges } = this.forStream(stream);
    if (counters.has(metric)) throw new TypeError(`Metric ${metric} is a counter; it cannot also be a gauge`);
    gauges.set(metric, value);
  }

  /**
   * Records one attempt to write an object. Firehose's `*.Success` metrics are ratios of successful
   * to attempted deliveries (spec §11), so both are kept and the ratio is derived when read.
   */
  recordAttempt(stream: string, prefix: AttemptPrefix, ok: boolean): void {
    const { attempts } = this.forStream(stream);
    const entry = attempts.get(prefix);
    if (entry) {
      entry.attempts++;
      if (ok) entry.successes++;
    } else {
      attempts.set(prefix, { attempts: 1, successes: ok ? 1 : 0 });
    }
  }

  /** Forgets a deleted stream so its series stop being exported. */
  removeStream(stream: string): void {
    this.streams.delete(stream);
  }

  snapshot(): MetricsSnapshot {
    const out: MetricsSnapshot = {};
    for (const [stream, metrics] of this.streams) {
      const values: Record<string, number> = {};
      for (const [metric, value] of metrics.counters) values[metric] = value;
      for (const [metric, value] of metrics.gauges) values[metric] = value;
      for (const [prefix, { attempts, successes }] of metrics.attempts) {
        values[`${prefix}.Success`] = successes / attempts;
      }
      out[stream] = values;
    }
    return out;
  }

  /**
   * Prometheus text exposition format 0.0.4. Names are `firehose_<snake_case>` (`sluice_<…>` for
   * Sluice's own metrics), one `delivery_stream` label; counters end in `_total`. `*.Success` is exported
   * both as the lifetime ratio (a gauge, like CloudWatch's) and as attempt/success counters, because a
   * ratio over a scrape window — `rate(successes) / rate(attempts)` — is what an alert should use.
   */
  toPrometheus(): string {
    const families = new Map<string, Family>();
    const add = (name: string, type: Family['type'], help: string, stream: string, value: number): void => {
      let family = families.get(name);
      if (!family) {
        family = { type, help, samples: [] };
        families.set(name, family);
      }
      family.samples.push([stream, value]);
    };
    for (const [stream, metrics] of this.streams) {
      for (const [metric, value] of metrics.counters) {
        add(`${prometheusName(metric)}_total`, 'counter', metric, stream, value);
      }
      for (const [metric, value] of metrics.gauges)
        add(prometheusName(metric), 'gauge', metric, stream, value);
      for (const [prefix, { attempts, successes }] of metrics.attempts) {
        const base = prometheusName(prefix);
        add(
          `${base}_success`,
          'gauge',
          `${prefix}.Success (successful / attempted)`,
          stream,
          successes / attempts,
        );
        add(`${base}_attempts_total`, 'counter', `${prefix} object writes attempted`, stream, attempts);
        add(
          `${base}_successes_total`,
          'counter',
          `${prefix} object writes that succeeded`,
          stream,
          successes,
        );
      }
    }
    const lines: string[] = [];
    for (const name of [...families.keys()].sort()) {
      const family = families.get(name)!;
      lines.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`);
      family.samples.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [stream, value] of family.samples) {
        lines.push(`${name}{delivery_stream="${escapeLabelValue(stream)}"} ${formatValue(value)}`);
      }
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  private forStream(stream: string): StreamMetrics {
    let metrics = this.streams.get(stream);
    if (!metrics) {
      metrics = { counters: new Map(), gauges: new Map(), attempts: new Map() };
      this.streams.set(stream, metrics);
    }
    return metrics;
  }
}

interface Family {
  type: 'counter' | 'gauge';
  help: string;
  samples: Array<[stream: string, value: number]>;
}

const nameCache = new Map<string, string>();

/**
 * `DeliveryToS3.DataFreshness` → `firehose_delivery_to_s3_data_freshness`,
 * `KMSKeyAccessDenied` → `firehose_kms_key_access_denied`, `Sluice.BufferedBytes` → `sluice_buffered_bytes`.
 */
export function prometheusName(metric: string): string {
  const cached = nameCache.get(metric);
  if (cached !== undefined) return cached;
  const own = metric.startsWith('Sluice.');
  const snake = (own ? metric.slice('Sluice.'.length) : metric)
    // A word starts at an upper-case letter after a lower-case letter or digit (`toS3`, `S3Delivery`),
    // and at the last capital of an acronym followed by lower case (`KMSKey` → `KMS`, `Key`).
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  const name = `${own ? 'sluice' : 'firehose'}_${snake}`;
  nameCache.set(metric, name);
  return name;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
