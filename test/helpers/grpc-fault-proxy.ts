/**
 * A plain-text gRPC (h2c) proxy in front of the real Temporal dev server that can
 * misbehave on chosen methods, to put a real Temporal in the situations a loaded
 * one creates: a request that reaches Temporal late (`delay`), a request Temporal
 * executes whose answer never comes back (`lose-response`), and a request that
 * never reaches Temporal at all (`blackhole`). Everything else passes through.
 * A rule applies to the next `times` matching calls (all, when unset).
 */
import { connect, constants, createServer, type ClientHttp2Stream, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { listenOnFreePort } from './listen.js';
import { forwarded, stripPseudo } from './tls-grpc-proxy.js';

export type FaultAction =
  /** Hold the request this long before forwarding it (dropped if the caller gives up first). */
  | { action: 'delay'; ms: number }
  /** Forward the request; Temporal executes it, but its answer is never delivered. */
  | { action: 'lose-response' }
  /** Never forward, never answer. */
  | { action: 'blackhole' };

export type FaultRule = FaultAction & { times?: number };

export interface GrpcFaultProxy {
  address: string;
  /** Applies `rule` to calls of `method` (e.g. 'StartWorkflowExecution'); replaces an earlier rule. */
  setRule(method: string, rule: FaultRule): void;
  clearRules(): void;
  /** How many calls of `method` arrived, whatever happened to them. */
  calls(method: string): number;
  close(): Promise<void>;
}

export async function startGrpcFaultProxy(backend: string): Promise<GrpcFaultProxy> {
  const upstream = connect(`http://${backend}`);
  upstream.on('error', () => undefined);
  const rules = new Map<string, FaultRule>();
  const counts = new Map<string, number>();
  const server = createServer();
  server.on('sessionError', () => undefined);
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });

  const takeRule = (method: string): FaultRule | undefined => {
    const rule = rules.get(method);
    if (!rule) return undefined;
    if (rule.times !== undefined) {
      if (rule.times <= 1) rules.delete(method);
      else rules.set(method, { ...rule, times: rule.times - 1 });
    }
    return rule;
  };

  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const method = String(headers[':path']).split('/').pop() ?? '';
    counts.set(method, (counts.get(method) ?? 0) + 1);
    const rule = takeRule(method);
    if (rule?.action === 'blackhole') {
      stream.resume();
      return;
    }
    if (rule?.action === 'delay') {
      // The body waits in the stream's buffer meanwhile.
      setTimeout(() => {
        if (!stream.closed) relay(stream, upstream.request(forwarded(headers)), true);
      }, rule.ms);
      return;
    }
    const request = upstream.request(forwarded(headers));
    if (rule?.action === 'lose-response') {
      request.on('error', () => undefined);
      stream.pipe(request);
      // Temporal's answer is read and thrown away; the caller's giving up does not cancel the request.
      request.resume();
      return;
    }
    relay(stream, request, true);
  });

  const port = await listenOnFreePort(server);
  return {
    address: `127.0.0.1:${port}`,
    setRule: (method, rule) => void rules.set(method, rule),
    clearRules: () => rules.clear(),
    calls: (method) => counts.get(method) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        upstream.destroy();
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}

/** Forwards one call both ways, trailers included; the caller's going away cancels it upstream. */
function relay(stream: ServerHttp2Stream, request: ClientHttp2Stream, cancelUpstream: boolean): void {
  request.on('error', () => stream.close(constants.NGHTTP2_CANCEL));
  if (cancelUpstream) stream.on('close', () => request.close(constants.NGHTTP2_CANCEL));
  let trailers = {};
  request.on('trailers', (received) => {
    trailers = stripPseudo(received);
  });
  request.on('response', (responseHeaders, flags) => {
    if (stream.closed) return;
    if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
      stream.respond(responseHeaders, { endStream: true });
      return;
    }
    stream.respond(responseHeaders, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    request.pipe(stream);
  });
  stream.pipe(request);
}
