/**
 * The HTTP endpoint destination's configuration (§10.1): Firehose's input shape, the checker, and the settings
 * a writer runs with once defaults are applied.
 */
import {
  type BufferingHintsShape,
  type ConfigProblems,
  checkBufferingHints,
  checkRetryOptions,
  ProblemCollector,
  pathOf,
  type RetryOptionsShape,
} from '../config-problems.ts';

export interface HttpEndpointDestinationShape {
  EndpointConfiguration?: { Url?: string; Name?: string; AccessKey?: string };
  BufferingHints?: BufferingHintsShape;
  RequestConfiguration?: {
    ContentEncoding?: string;
    CommonAttributes?: Array<{ AttributeName?: string; AttributeValue?: string }>;
  };
  RetryOptions?: RetryOptionsShape;
  S3BackupMode?: string;
  S3Configuration?: unknown;
  RoleARN?: string;
  SecretsManagerConfiguration?: { Enabled?: boolean; SecretARN?: string; RoleARN?: string };
}

export interface HttpEndpointSettings {
  url: string;
  name: string | undefined;
  /** Sent verbatim in X-Amz-Firehose-Access-Key; never logged or echoed. */
  accessKey: string | undefined;
  contentEncoding: 'NONE' | 'GZIP';
  /** CommonAttributes in the configured order. */
  commonAttributes: ReadonlyArray<{ name: string; value: string }>;
  retryDurationSeconds: number;
  s3BackupMode: 'FailedDataOnly' | 'AllData';
  bufferingHints: { sizeBytes: number; intervalSeconds: number };
}

const MIB = 1024 * 1024;
/** §10.1: the model gives no default retry duration; 300 s is the CDK's and the console's. */
export const HTTP_ENDPOINT_DEFAULT_RETRY_SECONDS = 300;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True for hosts a local pipeline may reach over plain http (DESIGN.md: loopback only). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/**
 * Checks an HttpEndpointDestinationConfiguration (§10.1, §2.1). `path` is the Coral path of the configuration,
 * e.g. `httpEndpointDestinationConfiguration`. The Url and AccessKey are sensitive in the model: no message
 * repeats them.
 */
export function checkHttpEndpointDestination(
  config: HttpEndpointDestinationShape,
  path = 'httpEndpointDestinationConfiguration',
): ConfigProblems {
  const c = new ProblemCollector();
  const endpointPath = pathOf(path, 'EndpointConfiguration');
  if (c.required(config.EndpointConfiguration, endpointPath)) {
    const endpoint = config.EndpointConfiguration!;
    const urlPath = pathOf(endpointPath, 'Url');
    if (c.required(endpoint.Url, urlPath)) {
      c.length(endpoint.Url, urlPath, 1, 1000, true);
      if (typeof endpoint.Url === 'string') checkUrl(c, endpoint.Url);
    }
    c.length(endpoint.Name, pathOf(endpointPath, 'Name'), 1, 256);
    c.length(endpoint.AccessKey, pathOf(endpointPath, 'AccessKey'), 0, 4096, true);
  }
  checkBufferingHints(c, config.BufferingHints, pathOf(path, 'BufferingHints'), 64);
  checkRetryOptions(c, config.RetryOptions, path);
  c.oneOf(config.S3BackupMode, pathOf(path, 'S3BackupMode'), ['FailedDataOnly', 'AllData']);
  c.required(config.S3Configuration, pathOf(path, 'S3Configuration'));

  const requestPath = pathOf(path, 'RequestConfiguration');
  const request = config.RequestConfiguration;
  c.oneOf(request?.ContentEncoding, pathOf(requestPath, 'ContentEncoding'), ['NONE', 'GZIP']);
  const attributesPath = pathOf(requestPath, 'CommonAttributes');
  c.listSize(request?.CommonAttributes, attributesPath, 0, 50);
  if (Array.isArray(request?.CommonAttributes)) {
    const seen = new Set<string>();
    request.CommonAttributes.forEach((attribute, i) => {
      const at = `${attributesPath}.${i + 1}.member`;
      if (c.required(attribute?.AttributeName, pathOf(at, 'AttributeName'))) {
        c.length(attribute.AttributeName, pathOf(at, 'AttributeName'), 1, 256);
      }
      if (c.required(attribute?.AttributeValue, pathOf(at, 'AttributeValue'))) {
        c.length(attribute.AttributeValue, pathOf(at, 'AttributeValue'), 0, 1024);
      }
      // The header is one JSON object, so a repeated name would silently drop a value.
      const name = attribute?.AttributeName;
      if (typeof name === 'string') {
        if (seen.has(name)) c.invalid(`CommonAttributes: attribute name '${name}' appears more than once.`);
        seen.add(name);
      }
    });
  }
  if (config.SecretsManagerConfiguration?.Enabled === true && config.EndpointConfiguration?.AccessKey) {
    c.invalid('EndpointConfiguration.AccessKey must not be set when SecretsManagerConfiguration is enabled.');
  }
  return c.problems;
}

function checkUrl(c: ProblemCollector, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    c.invalid('EndpointConfiguration.Url is not a valid URL.');
    return;
  }
  const loopback = isLoopbackHost(parsed.hostname);
  // §10.1: https only, port 443 only. Sluice relaxes both for loopback hosts so a local receiver needs no TLS.
  if (parsed.protocol !== 'https:' && !(loopback && parsed.protocol === 'http:')) {
    c.invalid(
      'EndpointConfiguration.Url must use https (plain http is accepted only for 127.0.0.1, localhost and ::1).',
    );
  } else if (!loopback && parsed.port !== '' && parsed.port !== '443') {
    c.invalid(
      'EndpointConfiguration.Url must use port 443 (other ports are accepted only on loopback hosts).',
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    c.invalid('EndpointConfiguration.Url must not contain credentials; use AccessKey instead.');
  }
}

/** Settings after defaults (§10.1, §2.1). Call only on a configuration `checkHttpEndpointDestination` passed. */
export function resolveHttpEndpointSettings(config: HttpEndpointDestinationShape): HttpEndpointSettings {
  const endpoint = config.EndpointConfiguration ?? {};
  return {
    url: endpoint.Url ?? '',
    name: endpoint.Name,
    accessKey: endpoint.AccessKey,
    contentEncoding: config.RequestConfiguration?.ContentEncoding === 'GZIP' ? 'GZIP' : 'NONE',
    commonAttributes: (config.RequestConfiguration?.CommonAttributes ?? []).map((a) => ({
      name: a.AttributeName ?? '',
      value: a.AttributeValue ?? '',
    })),
    retryDurationSeconds: config.RetryOptions?.DurationInSeconds ?? HTTP_ENDPOINT_DEFAULT_RETRY_SECONDS,
    s3BackupMode: config.S3BackupMode === 'AllData' ? 'AllData' : 'FailedDataOnly',
    bufferingHints: {
      sizeBytes: (config.BufferingHints?.SizeInMBs ?? 5) * MIB,
      intervalSeconds: config.BufferingHints?.IntervalInSeconds ?? 300,
    },
  };
}
