// Runs the `carbonio` command against a test server with a clean CARBONIO_* environment: in-process through
// the CLI's injectable `run(argv, io)` (runCli, what nearly every test uses: no Node start per command), or
// as the real binary in a child process (spawnCli: bin/carbonio.js -> dist/src/cli/main.js, for the exit
// status and the wiring of the binary itself).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';
import type { TestApp } from './app.js';

/** This file runs from dist/test/helpers: the project root is three levels up. */
export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(projectRoot, 'bin', 'carbonio.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Admin login passed as CARBONIO_ADMIN_USER/PASSWORD; null passes none. Default: the app's global admin. */
  as?: { email: string; password: string } | null;
  /** Overrides CARBONIO_ADMIN_URL (default: the app's base URL). */
  url?: string;
  /** Extra environment. */
  env?: Record<string, string>;
  /** spawnCli only: the working directory (default: the project root). */
  cwd?: string;
  /** spawnCli only: written to the command's stdin, then closed (default: no stdin). */
  input?: string;
}

function cliEnv(app: TestApp | null, opts: CliOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CARBONIO_')) env[k] = v;
  // Never the login saved by `carbonio login` of whoever runs the tests (a folder that does not exist).
  env.XDG_CONFIG_HOME = path.join(os.tmpdir(), 'carbonio-cli-test-no-config');
  const url = opts.url ?? app?.baseUrl;
  if (url !== undefined) env.CARBONIO_ADMIN_URL = url;
  const as = opts.as === undefined ? app?.admin : opts.as;
  if (as) {
    env.CARBONIO_ADMIN_USER = as.email;
    env.CARBONIO_ADMIN_PASSWORD = as.password;
  }
  Object.assign(env, opts.env);
  return env;
}

/** The command in this process, as `main` runs it, with its output captured. */
export async function runCli(app: TestApp | null, args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { env: cliEnv(app, opts), stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

/** The real binary in a child process. */
export function spawnCli(app: TestApp | null, args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const env = cliEnv(app, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd ?? projectRoot, env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** The lines of a command's output, without the final empty one. */
export const lines = (text: string): string[] => text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));

/** A local port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A successful run: exit 0, nothing on stderr; returns the output lines. */
export function ok(r: CliResult): string[] {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return lines(r.stdout);
}

/** A failed run: the given exit code, nothing on stdout, one `ERROR: ...` line (plus the usage line for exit 2). */
export function failed(r: CliResult, code: number, message?: RegExp): string {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '');
  const errLines = lines(r.stderr);
  assert.equal(errLines.length, code === 2 ? 2 : 1, r.stderr);
  const first = errLines[0] ?? '';
  assert.match(first, /^ERROR: \S/);
  if (code === 2) assert.match(errLines[1] ?? '', /^Usage: carbonio /);
  if (message) assert.match(first, message);
  return first;
}

/** The `key value` lines of one indented block of Carbonio-style output, as a map (first occurrence wins). */
export function fields(lines: string[], indent = '    '): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of lines) {
    if (!l.startsWith(indent) || l.startsWith(`${indent} `)) continue;
    const [k, ...v] = l.slice(indent.length).split(' ');
    if (k && !m.has(k)) m.set(k, v.join(' '));
  }
  return m;
}
