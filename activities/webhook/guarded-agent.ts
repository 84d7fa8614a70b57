/**
 * HTTP(S) agents that only connect to addresses the target policy allows,
 * checked on the address actually dialled: a literal IP before connecting, a
 * host name inside the DNS lookup that the socket then connects to (so a name
 * that resolves differently a second time, DNS rebinding, cannot slip through).
 * A name with any blocked address fails the connection with TargetBlockedError
 * and nothing is sent. Connections are kept alive and reused per host.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent as HttpAgent, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TargetBlockedError, literalIp, type TargetPolicy } from './target-policy.js';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type Lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;
type ConnectionCallback = (err: Error | null, stream: Duplex) => void;

export interface GuardedAgents {
  http: HttpAgent;
  https: HttpsAgent;
  /** Closes idle kept-alive connections. */
  destroy(): void;
}

export interface GuardedAgentOptions {
  policy: TargetPolicy;
  /** DNS lookup, for tests. @default dns.lookup */
  lookup?: Lookup;
  /** Kept-alive connections per host. @default 64 */
  maxSocketsPerHost?: number;
}

export function createGuardedAgents(options: GuardedAgentOptions): GuardedAgents {
  const lookup = checkedLookup(options.policy, options.lookup ?? (dnsLookup as unknown as Lookup));
  const agentOptions = { keepAlive: true, maxSockets: options.maxSocketsPerHost ?? 64, scheduling: 'lifo' as const };

  /** A literal IP is connected to without a lookup, so it is judged here. */
  function blockedLiteral(opts: ClientRequestArgs): TargetBlockedError | undefined {
    const ip = literalIp(opts.host ?? opts.hostname ?? '');
    if (ip === undefined) return undefined;
    const verdict = options.policy.check(ip);
    return verdict.allowed ? undefined : new TargetBlockedError(ip, ip, verdict.range);
  }

  class GuardedHttpAgent extends HttpAgent {
    override createConnection(opts: ClientRequestArgs, callback?: ConnectionCallback): Duplex | null | undefined {
      const blocked = blockedLiteral(opts);
      return blocked ? refuse(blocked, callback) : super.createConnection({ ...opts, lookup } as ClientRequestArgs, callback);
    }
  }
  class GuardedHttpsAgent extends HttpsAgent {
    override createConnection(opts: ClientRequestArgs, callback?: ConnectionCallback): Duplex | null | undefined {
      const blocked = blockedLiteral(opts);
      return blocked ? refuse(blocked, callback) : super.createConnection({ ...opts, lookup } as ClientRequestArgs, callback);
    }
  }

  const http = new GuardedHttpAgent(agentOptions);
  const https = new GuardedHttpsAgent(agentOptions);
  return {
    http,
    https,
    destroy() {
      http.destroy();
      https.destroy();
    },
  };
}

/** The error reaches the request as a connection error; the socket handed back never connects. */
function refuse(error: Error, callback: ConnectionCallback | undefined): Duplex {
  const socket = new Socket();
  if (callback) callback(error, socket);
  else process.nextTick(() => socket.destroy(error));
  return socket;
}

/** dns.lookup that fails with TargetBlockedError when any resolved address is blocked. */
function checkedLookup(policy: TargetPolicy, lookup: Lookup): Lookup {
  return (hostname, options, callback) => {
    lookup(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      for (const ip of addresses) {
        const verdict = policy.check(ip);
        if (!verdict.allowed) return callback(new TargetBlockedError(hostname, ip, verdict.range), address, family);
      }
      callback(null, address, family);
    });
  };
}
