/**
 * Which addresses a webhook may reach (the SSRF guard's rule). Only global
 * unicast addresses are allowed by default: private, loopback, link-local
 * (169.254.169.254 included), CGNAT, multicast, broadcast, reserved and
 * documentation ranges, unique-local and every special IPv6 range (NAT64,
 * 6to4, Teredo, IPv4-compatible) are blocked. An IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries. Operators
 * open exact ranges with WEBHOOK_ALLOWED_CIDRS.
 *
 * The same rule runs at registration (a literal-IP URL) and at connect time,
 * on the address actually dialled (activities/webhook/guarded-agent.ts).
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/** IPv6 global unicast (2000::/3): anything outside it is not a public internet address. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

export interface TargetVerdict {
  allowed: boolean;
  /** The range the address belongs to, as ipaddr.js names it (loopback, private, ...). */
  range: string;
}

export class TargetPolicy {
  private readonly allowed: readonly Cidr[];

  /** @param allowedCidrs exact ranges opened on top of the default (normalized by {@link parseAllowedCidrs}). */
  constructor(readonly allowedCidrs: readonly string[] = []) {
    this.allowed = allowedCidrs.map((cidr) => ipaddr.parseCIDR(cidr));
  }

  /** Judges one IP address (v4 or v6, without brackets). Anything that is not an IP address is blocked. */
  check(ip: string): TargetVerdict {
    if (!ipaddr.isValid(ip)) return { allowed: false, range: 'invalid' };
    const raw = ipaddr.parse(ip);
    // `::ffff:a.b.c.d` is a.b.c.d on the wire: judge (and match allowed ranges) as IPv4.
    const address = ipaddr.process(ip);
    const range = address.range();
    if (this.isOpened(address) || (address !== raw && this.isOpened(raw))) return { allowed: true, range };
    if (range !== 'unicast') return { allowed: false, range };
    if (address.kind() === 'ipv6' && !address.match(GLOBAL_UNICAST_V6)) return { allowed: false, range: 'reserved' };
    return { allowed: true, range };
  }

  private isOpened(address: Address): boolean {
    return this.allowed.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
  }
}

/** The host of a URL as an IP address when it is one (IPv6 without brackets), else undefined. */
export function literalIp(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? undefined : bare;
}

/**
 * Parses a comma-separated list of CIDRs (a bare address means that one address) into
 * normalized `address/bits` strings. Throws with a message naming the bad entry (CIDRs are not
 * secret); an entry with host bits set is refused, so the range opened is exactly the one meant.
 */
export function parseAllowedCidrs(raw: string): string[] {
  const cidrs: string[] = [];
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    let network: Address;
    let bits: number;
    try {
      [network, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : fullLength(ipaddr.parse(entry));
    } catch {
      throw new Error(`has "${entry}", which is not an IP address or CIDR range such as 127.0.0.1/32 or fd00::/8`);
    }
    const base = networkAddress(network, bits);
    if (base.toString() !== network.toString()) {
      throw new Error(`has "${entry}" with host bits set; write ${base.toString()}/${bits} to open that range`);
    }
    cidrs.push(`${network.toString()}/${bits}`);
  }
  return cidrs;
}

function fullLength(address: Address): Cidr {
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

function networkAddress(address: Address, bits: number): Address {
  return address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${bits}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${bits}`);
}

/** Thrown (as a connection error) when the address to dial is blocked: nothing was sent. */
export class TargetBlockedError extends Error {
  readonly code = 'WEBHOOK_TARGET_BLOCKED';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(
      host === address
        ? `${address} is a ${range} address, which WEBHOOK_ALLOWED_CIDRS does not open`
        : `${host} resolves to ${address}, a ${range} address, which WEBHOOK_ALLOWED_CIDRS does not open`,
    );
    this.name = 'TargetBlockedError';
  }
}
