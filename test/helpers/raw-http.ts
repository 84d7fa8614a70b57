/**
 * Raw HTTP/1.1 over `node:net`: bytes no well-behaved client would send (bad request
 * lines, oversized headers, broken framing), and the answers read back as they come.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Every response in the stream (pipelined requests get several). */
  all: Array<{ status: number; headers: Record<string, string>; body: string }>;
}

/** Splits a byte stream into HTTP responses (Content-Length framed). */
function parseResponses(data: Buffer): RawResponse['all'] {
  const responses: RawResponse['all'] = [];
  let rest = data.toString('latin1');
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? rest.length - end - 4);
    const body = Buffer.from(rest.slice(end + 4, end + 4 + length), 'latin1').toString('utf8');
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

/**
 * Sends `request` as is and reads until the server closes the connection (send
 * `Connection: close` in well-formed requests) or `timeoutMs` passes.
 */
export function rawRequest(port: number, request: string | Buffer, { timeoutMs = 10_000 } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 200))}`));
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      const all = parseResponses(Buffer.concat(chunks));
      const first = all[0];
      if (!first) reject(new Error(`no HTTP response; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 200))}`));
      else resolve({ ...first, all });
    };
    socket.on('data', (chunk) => chunks.push(chunk));
    // A server that refuses the rest of a long request may reset once it has answered.
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(request);
  });
}
