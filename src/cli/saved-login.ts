// The login `carbonio login <url> <email>` saves, in `$XDG_CONFIG_HOME/carbonio/cli.json` (default
// `~/.config/carbonio/cli.json`): the server's URL, the admin's email and a secret. The directory is
// 0700 and the file 0600, written to a temporary name and renamed so a crash never leaves half a
// file. What is saved is, preferably, a service credential bound to WebAdminUI that login created for
// this CLI (kind "credential": revocable on its own, listed by `auth credential list`, deleted by
// logout), and only when the server refuses that (a delegated admin whose own account is outside his
// domains), the password itself (kind "password").
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, errorMessage } from '../core/errors.js';
import type { Env } from './client.js';
import { isObject } from './json.js';

export interface SavedLogin {
  url: string;
  user: string;
  kind: 'credential' | 'password';
  /** The credential's id on the server (kind "credential"), for logout to delete it. */
  credentialId?: string;
  secret: string;
}

export function savedLoginFile(env: Env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(path.resolve(base), 'carbonio', 'cli.json');
}

/** The saved login, or null when there is no file; a file that is not one is an error, never ignored. */
export function readSavedLogin(file: string): SavedLogin | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`cannot read the saved login in ${file}: ${errorMessage(err)}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ConfigError(`${file} is not JSON: run carbonio login again, or carbonio logout`);
  }
  const bad = (): never => {
    throw new ConfigError(`${file} is not a saved login (url, user, kind, secret): run carbonio login again, or carbonio logout`);
  };
  if (!isObject(v)) return bad();
  const { url, user, kind, secret, credentialId } = v;
  if (typeof url !== 'string' || typeof user !== 'string' || typeof secret !== 'string' || (kind !== 'credential' && kind !== 'password')) return bad();
  if (credentialId !== undefined && typeof credentialId !== 'string') return bad();
  return { url, user, kind, secret, ...(typeof credentialId === 'string' ? { credentialId } : {}) };
}

export function writeSavedLogin(file: string, login: SavedLogin): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone: tighten it, the secret must not be listable.
  fs.chmodSync(dir, 0o700);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new ConfigError(`cannot save the login in ${file}: ${errorMessage(err)}`);
  }
}

/** Removes the file; false when there was none. */
export function removeSavedLogin(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ConfigError(`cannot remove ${file}: ${errorMessage(err)}`);
  }
}
