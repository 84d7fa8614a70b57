/**
 * One JSON POST through the guarded agents, with Node's own http client:
 * redirects are never followed (the client does not), the whole exchange is
 * bounded by a deadline, and at most `maxResponseBytes` of the answer is kept.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { GuardedAgents } from './guarded-agent.js';

export interface PostRequest {
  url: URL;
  headers: Readonly<Record<string, string>>;
  body: string;
  agents: GuardedAgents;
  /** The whole exchange, from connecting to the end of the answer. */
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface PostAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The answer's body, or null when it was larger than `maxResponseBytes` or cut short. */
  body: Buffer | null;
}

/** No answer (status line and headers) within the deadline. */
export class PostTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'PostTimeoutError';
  }
}

/** A kept-alive connection the server closed just as it was reused: the request never reached it. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const MAX_STALE_RETRIES = 2;

export async function postJson(request: PostRequest): Promise<PostAnswer> {
  const deadline = Date.now() + request.timeoutMs;
  for (let retry = 0; ; retry++) {
    try {
      return await postOnce(request, deadline);
    } catch (err) {
      const stale = (err as { staleSocket?: boolean }).staleSocket === true;
      if (!stale || retry >= MAX_STALE_RETRIES || Date.now() >= deadline) throw err;
    }
  }
}

function postOnce(request: PostRequest, deadline: number): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const https = request.url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    let response: IncomingMessage | undefined;
    const req = send(request.url, {
      method: 'POST',
      agent: https ? request.agents.https : request.agents.http,
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
    });
    const timer = setTimeout(() => {
      if (response) response.destroy();
      else req.destroy(new PostTimeoutError(request.timeoutMs));
    }, Math.max(0, deadline - Date.now()));

    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (response) return; // the answer's own end settles it
      if (req.reusedSocket && STALE_SOCKET_CODES.has(err.code ?? '')) Object.assign(err, { staleSocket: true });
      reject(err);
    });
    req.on('response', (res) => {
      response = res;
      const chunks: Buffer[] = [];
      let size = 0;
      let complete = false;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) {
          chunks.length = 0;
          res.destroy(); // no need for the rest: the body is not the result
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        complete = true;
      });
      res.on('error', () => undefined); // cut short: 'close' reports it
      res.on('close', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: complete ? Buffer.concat(chunks) : null });
      });
    });
    req.end(request.body);
  });
}
