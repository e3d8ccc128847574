/**
 * Shapes Sluice validates from constraints extracted out of botocore's Firehose service model
 * (`firehose-model.json`, written by scripts/extract-firehose-model.py): the destinations beyond S3 and the
 * data format conversion blocks. The S3 shapes in shape-model.ts are written by hand because their error
 * output was compared with recorded AWS answers; these follow the model as it is.
 */
import model from './firehose-model.json' with { type: 'json' };
import type { ShapeSpec } from './validate-shape.ts';

interface BotocoreShape {
  type: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  required?: string[];
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
}

const shapes = model.shapes as Record<string, BotocoreShape>;

/**
 * Where the local runtime deliberately accepts more than the model. ClusterJDBCURL: the model only admits
 * Redshift host names, but locally a `jdbc:postgresql://host:port/db` URL loads into PostgreSQL (DESIGN.md).
 * HttpEndpointUrl, ElasticsearchClusterEndpoint, …: https only in the model; plain http is accepted here for
 * loopback receivers and clusters (DESIGN.md), and the destination checkers refuse it for any other host.
 */
const LOCAL_PATTERNS: Record<string, string> = {
  HttpEndpointUrl: `${shapes.HttpEndpointUrl?.pattern}|http://.*`,
  AmazonopensearchserviceClusterEndpoint: `${shapes.AmazonopensearchserviceClusterEndpoint?.pattern}|http:.*`,
  ElasticsearchClusterEndpoint: `${shapes.ElasticsearchClusterEndpoint?.pattern}|http:.*`,
  AmazonOpenSearchServerlessCollectionEndpoint: `${shapes.AmazonOpenSearchServerlessCollectionEndpoint?.pattern}|http:.*`,
  ClusterJDBCURL: `${shapes.ClusterJDBCURL?.pattern}|jdbc:postgresql://[A-Za-z0-9.\\-]+:\\d{1,5}/[a-zA-Z0-9_$-]+`,
};
/**
 * Shapes botocore marks `sensitive` (the extracted model does not keep the flag): a violation never prints their
 * value, as AWS's own messages do not.
 */
const SENSITIVE = new Set(['Password', 'Username', 'HttpEndpointAccessKey', 'HttpEndpointUrl']);
const converted = new Map<string, ShapeSpec>();

export type ModelledShape = keyof typeof model.shapes;

/** The ShapeSpec of a shape of the extracted model. */
export function botocoreShape(name: ModelledShape): ShapeSpec {
  return convert(name);
}

function convert(name: string): ShapeSpec {
  const cached = converted.get(name);
  if (cached) return cached;
  const shape = shapes[name];
  if (!shape)
    throw new Error(`firehose-model.json has no shape ${name}; re-run scripts/extract-firehose-model.py`);
  let spec: ShapeSpec;
  switch (shape.type) {
    case 'string':
      spec = {
        kind: 'string',
        min: shape.min,
        max: shape.max,
        pattern: LOCAL_PATTERNS[name] ?? shape.pattern,
        enum: shape.enum,
        ...(SENSITIVE.has(name) ? { sensitive: true } : {}),
      };
      break;
    case 'integer':
    case 'long':
      spec = { kind: 'integer', min: shape.min, max: shape.max };
      break;
    case 'double':
    case 'float':
      spec = { kind: 'number', min: shape.min, max: shape.max };
      break;
    case 'boolean':
      spec = { kind: 'boolean' };
      break;
    case 'list': {
      // Registered before the member is converted, so a recursive shape terminates.
      const list = { kind: 'list', min: shape.min, max: shape.max } as Extract<
        ShapeSpec,
        { kind: 'list' }
      > & {
        member: ShapeSpec;
      };
      converted.set(name, list);
      list.member = convert(shape.member!.shape);
      return list;
    }
    case 'map':
      spec = {
        kind: 'map',
        min: shape.min,
        max: shape.max,
        key: convert(shape.key!.shape),
        value: convert(shape.value!.shape),
      };
      break;
    case 'structure': {
      const members: Record<string, ShapeSpec> = {};
      const structure: ShapeSpec = { kind: 'structure', name, members, required: shape.required };
      converted.set(name, structure);
      for (const [member, ref] of Object.entries(shape.members ?? {})) members[member] = convert(ref.shape);
      return structure;
    }
    default:
      spec = { kind: 'opaque' };
  }
  converted.set(name, spec);
  return spec;
}
