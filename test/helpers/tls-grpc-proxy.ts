/**
 * A TLS front for the plain-text dev server (whose CLI has no TLS flag), standing in for a
 * self-hosted cluster with mTLS or for Temporal Cloud: it terminates TLS (optionally
 * requiring a client certificate signed by its CA), optionally checks an API key in the
 * `authorization` header as Temporal Cloud does, and forwards each gRPC call over HTTP/2 to
 * the dev server. Test certificates come from `openssl`, made fresh per run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, constants, createSecureServer, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Session } from 'node:http2';
import { join } from 'node:path';
import { listenOnFreePort } from './listen.js';

export interface TestPki {
  dir: string;
  caPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** The only name the server certificate carries (no IP): clients must override SNI with it. */
  serverName: string;
  server: { cert: Buffer; key: Buffer; ca: Buffer };
}

/** A throwaway CA, a server certificate for `serverName` and a client certificate, valid two days. */
export function makeTestPki(dir: string, serverName = 'temporal.test'): TestPki {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=delay-callback test CA');
  const leaf = (name: string, cn: string, extensions: string): void => {
    writeFileSync(join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\n${extensions}\n`);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  leaf('server', serverName, `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth`);
  leaf('client', 'delay-callback-client', 'extendedKeyUsage=clientAuth');
  const read = (file: string): Buffer => readFileSync(join(dir, file));
  return {
    dir,
    caPath: join(dir, 'ca.pem'),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client.key'),
    serverName,
    server: { cert: read('server.pem'), key: read('server.key'), ca: read('ca.pem') },
  };
}

export interface TlsGrpcProxyOptions {
  pki: TestPki;
  /** host:port of the plain-text Temporal frontend. */
  backend: string;
  /** Refuse the handshake without a client certificate signed by the test CA. */
  requireClientCert: boolean;
  /** When set, every call must carry `authorization: Bearer <apiKey>`; others get UNAUTHENTICATED. */
  apiKey?: string;
}

export interface TlsGrpcProxy {
  address: string;
  /** gRPC methods called, with the authorization header they carried. */
  calls: Array<{ path: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

export async function startTlsGrpcProxy(options: TlsGrpcProxyOptions): Promise<TlsGrpcProxy> {
  const upstream = connect(`http://${options.backend}`);
  upstream.on('error', () => undefined);
  const calls: TlsGrpcProxy['calls'] = [];
  const server = createSecureServer({
    ...options.pki.server,
    requestCert: options.requireClientCert,
    rejectUnauthorized: options.requireClientCert,
    ALPNProtocols: ['h2'],
  });
  server.on('sessionError', () => undefined);
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const authorization = headers.authorization;
    calls.push({ path: String(headers[':path']), authorization });
    if (options.apiKey !== undefined && authorization !== `Bearer ${options.apiKey}`) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'invalid API key' }, { endStream: true });
      return;
    }
    const request = upstream.request(forwarded(headers));
    request.on('error', () => stream.close(constants.NGHTTP2_CANCEL));
    stream.on('close', () => request.close(constants.NGHTTP2_CANCEL));
    let trailers: OutgoingHttpHeaders = {};
    request.on('trailers', (received) => {
      trailers = stripPseudo(received);
    });
    request.on('response', (responseHeaders, flags) => {
      // A trailers-only answer (a gRPC error without a body) ends in its headers.
      if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
        stream.respond(responseHeaders, { endStream: true });
        return;
      }
      stream.respond(responseHeaders, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      request.pipe(stream);
    });
    stream.pipe(request);
  });
  const port = await listenOnFreePort(server);
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        upstream.destroy();
        server.close(() => resolve());
        // Long polls keep sessions open: end them so close() returns.
        for (const session of sessions) session.destroy();
      }),
  };
}

export function forwarded(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':method': headers[':method'], ':path': headers[':path'] };
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(':') && !HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

export function stripPseudo(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(':')));
}
