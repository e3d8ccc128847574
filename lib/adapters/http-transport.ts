import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpExchange, HttpRequest, HttpTransport, HttpTransportFailure } from '../core/ports.ts';

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

/**
 * HttpTransport over node:http and node:https. Redirects are returned as responses, never followed (§10.3).
 * Failure messages name the error class only: the URL and headers are secrets (§10.1) and never appear in them.
 */
export class NodeHttpTransport implements HttpTransport {
  send(request: HttpRequest): Promise<HttpExchange> {
    return new Promise<HttpExchange>((resolve) => {
      let settled = false;
      const settle = (exchange: HttpExchange) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(exchange);
      };
      const fail = (failure: HttpTransportFailure, message: string) =>
        settle({ kind: 'failure', failure, message });

      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        fail('ConnectionFailed', 'The endpoint URL is not a valid URL.');
        return;
      }
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, {
        method: request.method,
        headers: { ...request.headers, 'Content-Length': String(request.body.byteLength) },
      });
      // One deadline for the whole exchange (§10.3: 3 minutes to answer), not an idle timeout per socket read.
      const timer = setTimeout(() => {
        fail('RequestTimeout', `The endpoint did not answer within ${request.timeoutMs} ms.`);
        req.destroy();
      }, request.timeoutMs);

      req.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? 'UNKNOWN';
        if (CONNECT_ERRORS.has(code))
          fail('ConnectionFailed', `Could not connect to the endpoint (${code}).`);
        else fail('ConnectionReset', `The connection to the endpoint broke (${code}).`);
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > request.maxResponseBytes) {
            fail(
              'ResponseTooLarge',
              `The endpoint's response body exceeded ${request.maxResponseBytes} bytes.`,
            );
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error: NodeJS.ErrnoException) =>
          fail('ConnectionReset', `The endpoint's response broke off (${error.code ?? 'UNKNOWN'}).`),
        );
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          settle({
            kind: 'response',
            status: res.statusCode ?? 0,
            headers,
            body: new Uint8Array(Buffer.concat(chunks)),
          });
        });
      });
      req.end(request.body);
    });
  }
}
