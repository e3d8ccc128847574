export {
  buildInvocations,
  type InvocationEventSettings,
  LAMBDA_PAYLOAD_LIMIT_BYTES,
  type TransformInvocation,
} from './invocation-events.ts';
export {
  INVOCATION_CONCURRENCY,
  LAMBDA_RETRY_BACKOFF,
  type LambdaTransformPorts,
  type LambdaTransformSettings,
  MAX_FUNCTION_TIMEOUT_MS,
  runLambdaTransform,
} from './lambda-transform.ts';
export {
  type ResponseVerdict,
  readTransformAnswer,
  readTransformResponse,
  TRANSFORM_ERRORS,
} from './transform-response.ts';
