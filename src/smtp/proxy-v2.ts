// PROXY protocol version 2 (the binary header HAProxy sends with `send-proxy-v2`; haproxy.org
// proxy-protocol.txt section 2.2) on the SMTP listeners. smtp-server reads only version 1 (the text
// line), so the first bytes of a connection from a trusted proxy are looked at here: a v2 signature is
// parsed and the session gets the client address it names; anything else is put back for smtp-server's
// own v1 reader. Only sockets smtp-server already expects a header from (useProxy: the trusted proxies)
// are looked at, so nobody else can claim an address.
import { randomBytes } from 'node:crypto';
import type { SMTPServer } from 'smtp-server';

/** The 12-byte v2 signature: \r\n\r\n\0\r\nQUIT\n. */
const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const HEADER = 16;
/** Addresses plus TLVs; HAProxy's own are far below this, so more is someone else's garbage. */
const MAX_PAYLOAD = 1024;
const CMD_LOCAL = 0x20;
const CMD_PROXY = 0x21;
const AF_INET_STREAM = 0x11;
const AF_INET6_STREAM = 0x21;

export interface ProxiedAddress {
  /** null: a LOCAL header (the proxy's own health check) or an address family we do not map. */
  address: string | null;
  port: number | null;
}

export class ProxyHeaderError extends Error {
  override readonly name = 'ProxyHeaderError';
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // The WHATWG URL parser writes the canonical short form (RFC 5952), as Node reports peers.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** Parses a complete v2 header (signature included); the header's length is 16 + its length field. */
export function parseProxyV2(buf: Buffer): ProxiedAddress {
  if (buf.length < HEADER || !buf.subarray(0, 12).equals(SIGNATURE)) throw new ProxyHeaderError('not a PROXY v2 header');
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) throw new ProxyHeaderError(`PROXY v2: unknown version ${verCmd >> 4}`);
  const family = buf[13]!;
  const payload = buf.subarray(HEADER, HEADER + buf.readUInt16BE(14));
  if (verCmd === CMD_LOCAL) return { address: null, port: null };
  if (verCmd !== CMD_PROXY) throw new ProxyHeaderError(`PROXY v2: unknown command ${verCmd & 0x0f}`);
  if (family === AF_INET_STREAM) {
    if (payload.length < 12) throw new ProxyHeaderError('PROXY v2: short IPv4 address block');
    return { address: [...payload.subarray(0, 4)].join('.'), port: payload.readUInt16BE(8) };
  }
  if (family === AF_INET6_STREAM) {
    if (payload.length < 36) throw new ProxyHeaderError('PROXY v2: short IPv6 address block');
    return { address: ipv6(payload.subarray(0, 16)), port: payload.readUInt16BE(32) };
  }
  // UNSPEC, UDP or UNIX: no TCP client address to take.
  return { address: null, port: null };
}

type HandleProxy = SMTPServer['_handleProxy'];

/** Makes `server` read PROXY v2 headers as well as v1 from the peers its useProxy option lists. */
export function acceptProxyV2(server: SMTPServer): void {
  const v1: HandleProxy = server._handleProxy.bind(server);
  const handle: HandleProxy = (socket, callback) => {
    if (!server._expectsProxyHeader(socket)) return v1(socket, callback);
    let got = Buffer.alloc(0);
    const finish = (err: Error | null, address?: ProxiedAddress): void => {
      socket.removeListener('readable', onReadable);
      socket.removeListener('close', onClose);
      if (err) {
        // Garbage from a proxy we trust is still garbage: close, and keep a late error from escaping.
        socket.on('error', () => undefined);
        socket.destroy();
        return callback(err);
      }
      const id = BigInt(`0x${randomBytes(10).toString('hex')}`).toString(32).padStart(16, '0');
      callback(null, {
        id,
        ...(address?.address ? { remoteAddress: address.address } : {}),
        ...(address?.port ? { remotePort: address.port } : {}),
      });
    };
    const onClose = (): void => finish(new ProxyHeaderError('connection closed before the PROXY header'));
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) got = Buffer.concat([got, chunk]);
      const prefix = Math.min(got.length, SIGNATURE.length);
      if (!got.subarray(0, prefix).equals(SIGNATURE.subarray(0, prefix))) {
        // Not v2: give the bytes back and let smtp-server read its v1 line.
        socket.removeListener('readable', onReadable);
        socket.removeListener('close', onClose);
        socket.unshift(got);
        return v1(socket, callback);
      }
      if (got.length < HEADER) return;
      const length = got.readUInt16BE(14);
      if (length > MAX_PAYLOAD) return finish(new ProxyHeaderError('PROXY v2 header too long'));
      if (got.length < HEADER + length) return;
      let parsed: ProxiedAddress;
      try {
        parsed = parseProxyV2(got.subarray(0, HEADER + length));
      } catch (err) {
        return finish(err as Error);
      }
      const rest = got.subarray(HEADER + length);
      if (rest.length > 0) socket.unshift(rest);
      finish(null, parsed);
    };
    socket.on('readable', onReadable);
    socket.on('close', onClose);
  };
  server._handleProxy = handle;
}
