import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { HOST_REFUSED, type ImageSources } from './image-sources.js';

// The address check happens where the connection is made: got hands this lookup to http(s).request, so
// the address that is connected to is the one checked, and a DNS answer that changes between a check and
// the connect (rebinding) cannot reach the loopback, private or link-local networks.

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", incl. the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  blocked.addSubnet(net, bits, 'ipv6');

/** Loopback, private, link-local or unspecified, including IPv4 written as IPv6 (::ffff:127.0.0.1). */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
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
