/**
 * A TCP load balancer in front of the cluster's frontends, as production puts one
 * (a Kubernetes Service, an NLB): our processes know one address. New connections go
 * round-robin to the backends, skipping one that refuses; a connection to a node that
 * dies breaks, and the client's reconnect lands on a live node.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { listenOnFreePort } from '../../helpers/listen.js';

export interface TcpBalancer {
  address: string;
  /** Connections accepted per backend address (refused tries not counted). */
  connections: Map<string, number>;
  /** Connections open now, per backend address. */
  active: Map<string, number>;
  close(): Promise<void>;
}

export async function startTcpBalancer(backends: readonly string[]): Promise<TcpBalancer> {
  const sockets = new Set<Socket>();
  const connections = new Map<string, number>(backends.map((b) => [b, 0]));
  const active = new Map<string, number>(backends.map((b) => [b, 0]));
  let next = 0;

  const track = (socket: Socket): Socket => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };

  const server: Server = createServer((client) => {
    track(client);
    client.pause();
    const start = next++ % backends.length;
    const tryBackend = (tries: number): void => {
      if (tries >= backends.length || client.destroyed) {
        client.destroy();
        return;
      }
      const backend = backends[(start + tries) % backends.length]!;
      const [host, port] = splitAddress(backend);
      const upstream = track(connect({ host, port }));
      // Refused: try the next backend. Once connected, an error breaks the pair, as with a real LB.
      upstream.once('error', () => tryBackend(tries + 1));
      upstream.once('connect', () => {
        connections.set(backend, (connections.get(backend) ?? 0) + 1);
        active.set(backend, (active.get(backend) ?? 0) + 1);
        upstream.once('close', () => active.set(backend, (active.get(backend) ?? 1) - 1));
        upstream.removeAllListeners('error');
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryBackend(0);
  });

  const port = await listenOnFreePort(server);
  return {
    address: `127.0.0.1:${port}`,
    connections,
    active,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
