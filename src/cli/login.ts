// `carbonio login <url> <email>` and `carbonio logout` (issue 17 part 4). Login checks the password
// against the server by creating, as that admin, a service credential bound to WebAdminUI for this
// CLI, and saves that credential's generated password (saved-login.ts), not the admin's own: it can
// be revoked alone (`auth credential delete`, or logout), shows up with its last use in
// `auth credential list`, and a stolen file does not give the web UI or mail. The web console's
// session cookie was not used: it expires after minutes idle and needs a CSRF token per change.
// When the server refuses the credential (a delegated admin may only manage accounts of his
// domains, which need not include his own), the password is checked and saved instead.
import os from 'node:os';
import { parseCommandArgs, positional, UsageError, type CommandSpec } from './args.js';
import { AdminClient, ApiError, normalizeBaseUrl, seg, type Env } from './client.js';
import type { Output } from './command.js';
import { formatTree, joinLines } from './format.js';
import { objectField, stringField, type JsonObject } from './json.js';
import { readSavedLogin, removeSavedLogin, savedLoginFile, writeSavedLogin, type SavedLogin } from './saved-login.js';
import { ConfigError, errorMessage } from '../core/errors.js';

export interface LoginIo {
  env: Env;
  stderr(text: string): void;
  /** Asks for a secret (no echo on a terminal; else the first line of stdin); absent when there is no stdin. */
  readPassword?: (prompt: string) => Promise<string>;
}

export const loginSpecs: readonly CommandSpec[] = [
  { path: 'login', positionals: ['url', 'email'], summary: 'check the password (asked on the terminal, or read from stdin) and save a login for this CLI in ~/.config/carbonio/cli.json' },
  { path: 'logout', positionals: [], summary: 'revoke the saved login\'s credential on the server and remove ~/.config/carbonio/cli.json' },
];

const clientAs = (baseUrl: string, user: string, password: string, source: string): AdminClient =>
  new AdminClient(() => ({ baseUrl, user, password, source }));

/** Best effort: a credential of an earlier login of this CLI is revoked so that logins do not pile up. */
async function revoke(saved: SavedLogin, source: string): Promise<string | null> {
  if (saved.kind !== 'credential' || !saved.credentialId) return null;
  try {
    await clientAs(normalizeBaseUrl(saved.url), saved.user, saved.secret, source).call('DELETE', `/accounts/${seg(saved.user)}/credentials/${seg(saved.credentialId)}`);
    return null;
  } catch (err) {
    return errorMessage(err);
  }
}

async function login(io: LoginIo, words: readonly string[]): Promise<Output> {
  const args = parseCommandArgs(loginSpecs[0] as CommandSpec, words);
  const baseUrl = normalizeBaseUrl(positional(args, 'url'), 'the URL');
  const user = positional(args, 'email').trim().toLowerCase();
  if (!io.readPassword) throw new ConfigError('no terminal or stdin to read the password from');
  const password = await io.readPassword(`Password for ${user} at ${baseUrl}: `);
  if (password === '') throw new UsageError('no password given', 'carbonio login <url> <email>');
  const api = clientAs(baseUrl, user, password, 'the password given to carbonio login');
  const file = savedLoginFile(io.env);
  const previous = readSavedLoginQuietly(file);
  let saved: SavedLogin;
  let note: string | null = null;
  try {
    const r = await api.call('POST', `/accounts/${seg(user)}/credentials`, { label: `carbonio CLI on ${os.hostname()}`, services: ['WebAdminUI'] });
    const credentialId = stringField(objectField(r, 'credential'), 'id');
    saved = { url: baseUrl, user, kind: 'credential', credentialId, secret: stringField(objectField(r, 'text_data'), 'password') };
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 403) throw err;
    // Forbidden after a successful authentication: the password is right (a wrong one is a 401).
    await api.call('GET', '/domains');
    saved = { url: baseUrl, user, kind: 'password', secret: password };
    note = `the server refused a credential for the CLI (${err.message}): the password itself is saved`;
  }
  writeSavedLogin(file, saved);
  if (previous && (previous.url !== saved.url || previous.user !== saved.user || previous.credentialId !== saved.credentialId)) {
    const failed = await revoke(previous, file);
    if (failed) io.stderr(`WARNING: the earlier login's credential ${previous.credentialId ?? ''} of ${previous.user} was not revoked: ${failed}\n`);
  }
  if (note) io.stderr(`NOTE: ${note}\n`);
  const view: JsonObject = { url: baseUrl, user, kind: saved.kind, credentialId: saved.credentialId, file };
  return { json: { loggedIn: view }, text: joinLines([`Logged in to ${baseUrl} as ${user}`, ...formatTree(view, 1)]) };
}

/** An unreadable earlier file is simply replaced by login. */
function readSavedLoginQuietly(file: string): SavedLogin | null {
  try {
    return readSavedLogin(file);
  } catch {
    return null;
  }
}

async function logout(io: LoginIo, words: readonly string[]): Promise<Output> {
  parseCommandArgs(loginSpecs[1] as CommandSpec, words);
  const file = savedLoginFile(io.env);
  const saved = readSavedLoginQuietly(file);
  let revoked: boolean | null = null;
  if (saved?.kind === 'credential') {
    const failed = await revoke(saved, file);
    revoked = failed === null;
    // The file goes anyway: logout must work when the server is gone for good.
    if (failed) io.stderr(`WARNING: credential ${saved.credentialId ?? ''} of ${saved.user} was not revoked on the server (${failed}); delete it with carbonio auth credential delete\n`);
  }
  const removed = removeSavedLogin(file);
  const view: JsonObject = { file, removed, ...(saved ? { url: saved.url, user: saved.user } : {}), ...(revoked !== null ? { credentialId: saved?.credentialId, credentialRevoked: revoked } : {}) };
  const text = removed ? [`Logged out${saved ? ` of ${saved.url} (${saved.user})` : ''}`, ...formatTree(view, 1)] : [`Not logged in (no ${file})`];
  return { json: { loggedOut: view }, text: joinLines(text) };
}

/** `login`/`logout`, or null when the first word is neither. */
export function loginCommand(first: string): ((io: LoginIo, words: readonly string[]) => Promise<Output>) | null {
  if (first === 'login') return login;
  if (first === 'logout') return logout;
  return null;
}
