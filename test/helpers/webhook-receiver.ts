/**
 * Webhook receivers for tests, on 127.0.0.1 only: an HTTP server that records
 * every request (headers, raw body) and answers from a script, and a bare TCP
 * listener that records connections (to prove a blocked target is never contacted).
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { listenOnFreePort } from './listen.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  at: number;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface Receiver {
  port: number;
  url(path?: string): string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * Answers the n-th request with `answers[n]` (the last one repeats); a function gets each
 * request and answers it.
 */
export async function startReceiver(answers: ScriptedAnswer[] | ((request: ReceivedRequest) => ScriptedAnswer)): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(received);
      const answer = typeof answers === 'function' ? answers(received) : (answers[requests.length - 1] ?? answers[answers.length - 1]);
      const reply = (): void => {
        if (res.destroyed) return;
        res.writeHead(answer?.status ?? 200, answer?.headers).end(answer?.body ?? '');
      };
      if (answer?.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  const port = await listenOnFreePort(server);
  return {
    port,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A listening socket that records every connection made to it and answers nothing. */
export async function startConnectionRecorder(): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const recorder = {
    port: 0,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createTcpServer((socket) => {
    recorder.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  recorder.port = await listenOnFreePort(server);
  return recorder;
}
