// Client addresses as the server trusts them. Only a listed proxy (CARBONIO_TRUSTED_PROXIES: addresses
// and CIDR ranges) may tell us who its client is (X-Forwarded-For, PROXY protocol); from anyone else the
// headers are ignored, so a stranger cannot make his failures count against someone else's address.
import net from 'node:net';

/** One CARBONIO_TRUSTED_PROXIES entry: an IPv4/IPv6 address or a CIDR range; null when it is neither. */
export function parseTrustEntry(entry: string): { address: string; prefix: number | null; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', bits, ...rest] = entry.trim().split('/');
  if (rest.length > 0) return null;
  const version = net.isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  if (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max)) return null;
  return { address, prefix: bits === undefined ? null : Number(bits), family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The IPv4 form of an IPv4-mapped IPv6 address (what a dual-stack listener reports), else the address. */
export const plainAddress = (address: string): string => (address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address);

/** Whether an address belongs to one of the trusted proxies. */
export function trustList(entries: readonly string[]): (address: string | undefined) => boolean {
  if (entries.length === 0) return () => false;
  const list = new net.BlockList();
  for (const e of entries) {
    const p = parseTrustEntry(e);
    if (!p) throw new Error(`not an address or CIDR range: ${e}`);
    if (p.prefix === null) list.addAddress(p.address, p.family);
    else list.addSubnet(p.address, p.prefix, p.family);
  }
  return (address) => {
    if (!address) return false;
    const a = plainAddress(address);
    const family = net.isIP(a) === 6 ? 'ipv6' : net.isIP(a) === 4 ? 'ipv4' : null;
    return family !== null && list.check(a, family);
  };
}

const checks = new WeakMap<readonly string[], (address: string | undefined) => boolean>();

/**
 * Whether the client address a front end resolved is itself a trusted proxy's: a request that came
 * through a proxy without naming its client. Such an address is never counted or blocked by the lockout
 * (it stands for many users). One check per configured list, built once.
 */
export function isProxyAddress(trusted: readonly string[], address: string | undefined): boolean {
  let check = checks.get(trusted);
  if (!check) checks.set(trusted, (check = trustList(trusted)));
  return check(address);
}
