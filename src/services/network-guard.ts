import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Refuses URLs that would make the server call into its own network (request forgery): every
 * address the host resolves to is checked against loopback, private, link-local, unique-local,
 * carrier-grade NAT, multicast and unspecified ranges (IPv4, IPv6 and IPv4-mapped IPv6).
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address (v4 or v6) is on a private, loopback or otherwise internal network. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  return blocked.check(address, 'ipv6');
}

/**
 * Resolves `url`'s host and returns a reason to refuse it, or undefined when every address it
 * resolves to is public. `http:`/`https:` only. Resolution failures are refused too (say so).
 */
export async function publicUrlProblem(url: URL): Promise<string | undefined> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return `its host "${host}" could not be resolved`;
    }
  }
  const internal = addresses.find(isPrivateAddress);
  if (internal) return `its host resolves to a private or loopback address (${internal}); set MCP_ALLOW_PRIVATE_NETWORKS=true to allow this`;
  return undefined;
}
