import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { HOST_REFUSED, type ImageSources } from './image-sources.js';

// The address check happens where the connection is made: got hands this lookup to http(s).request, so
// the address that is connected to is the one checked, and a DNS answer that changes between a check and
// the connect (rebinding) cannot reach the loopback, private or link-local networks.

// Two lists: a BlockList checks an IPv4 address against its IPv6 subnets too (as ::ffff:a.b.c.d), so the IPv6
// entries that refuse embedded IPv4 whole would otherwise refuse every IPv4 address.
const blockedV4 = new BlockList();
const blockedV6 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", incl. the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. the broadcast address 255.255.255.255
] as const)
  blockedV4.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
  ['ff00::', 8], // multicast
  // IPv4 written inside IPv6: compatible (::a.b.c.d), mapped in hex (::ffff:7f00:1), NAT64 and 6to4 reach an IPv4
  // address chosen by whoever controls the DNS answer, so they are refused whole rather than decoded.
  ['::', 96],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['2002::', 16],
] as const)
  blockedV6.addSubnet(net, bits, 'ipv6');

/**
 * Loopback, private, link-local, unspecified, multicast, broadcast or special-purpose, and IPv4 written as IPv6: the
 * dotted mapped form (::ffff:127.0.0.1) is checked as the IPv4 address it names, every other embedding is refused.
 */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return blockedV4.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return family === 4 ? blockedV4.check(address, 'ipv4') : blockedV6.check(address, 'ipv6');
}

/** An error got passes on with this code, so callers can tell a refusal from a network failure. */
export const REFUSED_CODE = 'ERR_IMAGE_HOST_REFUSED';

type Callback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type LookupFn = (hostname: string, options: LookupOptions, callback: Callback) => void;

/**
 * A `lookup` for http(s).request that resolves like dns.lookup and refuses internal addresses, unless the
 * host was listed by its address or as localhost (a sandbox on this machine, an explicitly chosen IP).
 */
export function guardedLookup(sources: ImageSources, resolveAll = dnsLookup): LookupFn {
  return (hostname, options, callback) => {
    const name = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    const literal = sources.hosts.some((h) => h.host === name && h.literal);
    resolveAll(name, { ...options, all: true } as LookupAllOptions, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (list.length === 0 || (!literal && list.some((a) => isInternalAddress(a.address)))) {
        const refused: NodeJS.ErrnoException = new Error(HOST_REFUSED);
        refused.code = REFUSED_CODE;
        return callback(refused, []);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
