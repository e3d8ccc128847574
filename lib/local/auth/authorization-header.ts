import { bounded, FirehoseApiError } from '../../core/errors.ts';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** The parts of `Credential=AKID/yyyymmdd/region/service/aws4_request`. */
export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

export interface ParsedAuthorization {
  credential: CredentialScope;
  /** Lower-case names in the order the client listed them (the order it signed them in). */
  signedHeaders: string[];
  /** As sent; checked for shape by the verifier, not here. */
  signature: string;
}

const REQUIRED = ['Credential', 'SignedHeaders', 'Signature'] as const;

/**
 * Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=a;b, Signature=hex`. Signers differ in the
 * separator (`, ` from smithy and botocore, `,` from some hand-rolled clients), so whitespace
 * around commas is optional. Problems are reported the way AWS's JSON services word them: one
 * sentence per missing parameter, then the header itself (it holds no secret: the key id and a
 * signature, which is useless once the request time has passed).
 */
export function parseAuthorization(header: string): ParsedAuthorization {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space === -1 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    throw incomplete(
      `Unsupported Authorization algorithm '${bounded(algorithm, 40)}'; only ${SIGV4_ALGORITHM} is accepted. ` +
        `Authorization=${bounded(header, 200)}`,
    );
  }

  const params = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const item = part.trim();
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const name = item.slice(0, eq);
    if (!params.has(name)) params.set(name, item.slice(eq + 1));
  }
  const missing = REQUIRED.filter((name) => !params.get(name));
  if (missing.length > 0) {
    const sentences = missing.map((name) => `Authorization header requires '${name}' parameter.`);
    throw incomplete(`${sentences.join(' ')} Authorization=${bounded(header, 200)}`);
  }

  const credentialText = params.get('Credential')!;
  const elements = credentialText.split('/');
  if (elements.length !== 5 || elements.some((element) => element === '')) {
    throw incomplete(
      'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, ' +
        `got '${bounded(credentialText, 120)}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = elements as [
    string,
    string,
    string,
    string,
    string,
  ];

  const signedHeaders = params.get('SignedHeaders')!.split(';');
  if (signedHeaders.some((name) => name === '' || name !== name.toLowerCase())) {
    throw incomplete(
      `SignedHeaders must be lower-case header names separated by ';', got '${bounded(params.get('SignedHeaders'), 120)}'`,
    );
  }

  return {
    credential: { accessKeyId, date, region, service, terminator },
    signedHeaders,
    signature: params.get('Signature')!,
  };
}

function incomplete(message: string): FirehoseApiError {
  return new FirehoseApiError('IncompleteSignatureException', message);
}
