// Secrets are hashed with scrypt (memory-hard, in Node's crypto, no native add-on to build).
// Default N=2^15, r=8, p=3: 32 MiB per hash, one of OWASP's recommended scrypt settings.
// The encoded form carries its parameters, so they can be raised later without breaking old hashes:
//   scrypt$ln=15,r=8,p=3$<salt b64>$<hash b64>
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { KdfParams } from '../config.js';

const KEY_LEN = 32;

function scryptAsync(secret: string, salt: Buffer, params: KdfParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  const opts: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 128 * N * params.r * params.p * 2 };
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashSecret(secret: string, params: KdfParams): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, params);
  return `scrypt$ln=${params.log2N},r=${params.r},p=${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function parse(encoded: string): { params: KdfParams; salt: Buffer; key: Buffer } | null {
  const m = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(encoded);
  if (!m) return null;
  const params = { log2N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.log2N < 1 || params.log2N > 22 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 64) return null;
  return { params, salt: Buffer.from(m[4] ?? '', 'base64'), key: Buffer.from(m[5] ?? '', 'base64') };
}

/** Constant-time check of a secret against an encoded hash; a malformed hash never matches. */
export async function verifySecret(secret: string, encoded: string): Promise<boolean> {
  const p = parse(encoded);
  if (!p || p.key.length !== KEY_LEN) return false;
  const key = await scryptAsync(secret, p.salt, p.params);
  return timingSafeEqual(key, p.key);
}

/** Spends the same work as a real check, so an unknown login answers no faster than a known one. */
export async function dummyVerify(secret: string, params: KdfParams): Promise<void> {
  await scryptAsync(secret, Buffer.alloc(16), params);
}
