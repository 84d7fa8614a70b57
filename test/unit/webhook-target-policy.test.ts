/** The SSRF rule: which addresses a webhook may reach, by default and with WEBHOOK_ALLOWED_CIDRS. */
import { describe, expect, it } from 'vitest';
import { TargetPolicy, literalIp, parseAllowedCidrs } from '../../activities/webhook/target-policy.js';

const closed = new TargetPolicy();

describe('the default policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.1.2.3', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:a00:1::1', '6to4'],
    ['::7f00:1', 'reserved'],
  ])('blocks %s (%s)', (ip, range) => {
    expect(closed.check(ip)).toEqual({ allowed: false, range });
  });

  it.each(['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:10.0.0.1'])(
    'judges the IPv4-mapped %s as the IPv4 address it carries (blocked)',
    (ip) => {
      expect(closed.check(ip).allowed).toBe(false);
      expect(closed.check(ip).range).not.toBe('ipv4Mapped');
    },
  );

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (ip) => {
    expect(closed.check(ip)).toEqual({ allowed: true, range: 'unicast' });
  });

  it('blocks anything that is not an IP address', () => {
    expect(closed.check('localhost').allowed).toBe(false);
    expect(closed.check('').allowed).toBe(false);
  });
});

describe('WEBHOOK_ALLOWED_CIDRS', () => {
  it('opens exactly the ranges given, mapped IPv6 forms included', () => {
    const policy = new TargetPolicy(parseAllowedCidrs('127.0.0.1/32, 10.20.0.0/16, fd00:1::/64'));
    expect(policy.check('127.0.0.1').allowed).toBe(true);
    expect(policy.check('::ffff:127.0.0.1').allowed).toBe(true);
    expect(policy.check('127.0.0.2').allowed).toBe(false);
    expect(policy.check('::1').allowed).toBe(false);
    expect(policy.check('10.20.255.1').allowed).toBe(true);
    expect(policy.check('10.21.0.1').allowed).toBe(false);
    expect(policy.check('fd00:1::5').allowed).toBe(true);
    expect(policy.check('fd00:2::5').allowed).toBe(false);
    expect(policy.check('169.254.169.254').allowed).toBe(false);
    expect(policy.check('8.8.8.8').allowed).toBe(true);
  });

  it('normalizes entries, a bare address being that address alone', () => {
    expect(parseAllowedCidrs(' 127.0.0.1 ,::1, 10.0.0.0/8,,')).toEqual(['127.0.0.1/32', '::1/128', '10.0.0.0/8']);
    expect(parseAllowedCidrs('')).toEqual([]);
  });

  it.each([
    ['not an address', 'localhost', /not an IP address or CIDR/],
    ['a prefix too long', '10.0.0.0/33', /not an IP address or CIDR/],
    ['host bits set', '10.0.0.5/8', /write 10\.0\.0\.0\/8/],
    ['IPv6 host bits set', 'fd00::1/8', /write fd00::\/8/],
  ])('refuses %s', (_name, raw, message) => {
    expect(() => parseAllowedCidrs(raw)).toThrow(message);
  });
});

describe('literalIp', () => {
  it('finds IPv4 and bracketed IPv6 hosts, not names', () => {
    expect(literalIp('127.0.0.1')).toBe('127.0.0.1');
    expect(literalIp('[::1]')).toBe('::1');
    expect(literalIp('example.com')).toBeUndefined();
    expect(literalIp('localhost')).toBeUndefined();
  });
});
