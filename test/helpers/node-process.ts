// A real server process (`node dist/src/main.js`) for multi-node tests and benchmarks: started on port 0
// with its own data directory and the given database URL; its ports are read from the
// "carbonio-mobile listening" log line. Keeps its output so a test can wait for a log line.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export const NODE_ADMIN_PASSWORD = 'admin-secret-123';

/** The server started as is, with only `env` (and PATH): its output collected, its exit code awaited (serve and start-up tests). */
export function spawnServer(env: Record<string, string>) {
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  baseUrl: string;
  httpPort: number;
  smtpPort: number;
  admin: { email: string; password: string };
  /** Everything written to standard output so far. */
  out(): string;
  err(): string;
  /** Resolves when a line of standard output after `from` (an offset into out()) matches, or rejects after `timeoutMs`. */
  waitForLog(re: RegExp, timeoutMs: number, from?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; removes the data directory. Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartNodeOptions {
  name: string;
  dbUrl: string;
  env?: Record<string, string>;
  /** How long to wait at most for the listening line (default 60 s: a loaded machine starts Node slowly). */
  timeoutMs?: number;
  /** Options for Node itself, before the script (e.g. --cpu-prof, which NODE_OPTIONS does not take). */
  execArgv?: string[];
}

export async function startNode(opts: StartNodeOptions): Promise<NodeProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `carbonio-${opts.name}-`));
  const child = spawn(process.execPath, [...(opts.execArgv ?? []), main], {
    env: {
      PATH: process.env.PATH ?? '',
      CARBONIO_DATA_DIR: dataDir,
      CARBONIO_DB_URL: opts.dbUrl,
      CARBONIO_HTTP_PORT: '0',
      CARBONIO_SMTP_PORT: '0',
      CARBONIO_SUBMISSION_PORT: '0',
      CARBONIO_IMAP_PORT: '0',
      CARBONIO_POP3_PORT: '0',
      CARBONIO_IMAPS_PORT: '0',
      CARBONIO_POP3S_PORT: '0',
      CARBONIO_BIND_ADDRESS: '127.0.0.1',
      CARBONIO_ADMIN_PASSWORD: NODE_ADMIN_PASSWORD,
      CARBONIO_AUTH_FAILURE_DELAY_MS: '0',
      CARBONIO_SCRYPT_LOG2N: '10',
      CARBONIO_SCRYPT_P: '1',
      CARBONIO_LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const watchers = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...watchers]) w();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    exitCode = code;
    for (const w of [...watchers]) w();
    resolve(code);
  }));

  const waitForLog = (re: RegExp, timeoutMs: number, from = 0): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => {
      if (re.test(out.slice(from))) done(null);
      else if (exitCode !== undefined) done(new Error(`${opts.name} exited (${String(exitCode)}) before logging ${String(re)}: ${err}`));
    };
    const timer = setTimeout(() => done(new Error(`${opts.name}: no log line ${String(re)} within ${timeoutMs} ms`)), timeoutMs);
    const done = (e: Error | null): void => {
      clearTimeout(timer);
      watchers.delete(check);
      if (e) reject(e);
      else resolve();
    };
    watchers.add(check);
    check();
  });

  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (exitCode === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    return exitCode ?? null;
  };

  try {
    await waitForLog(/"msg":"carbonio-mobile listening"/, opts.timeoutMs ?? 60_000);
  } catch (e) {
    await stop(1000);
    throw e;
  }
  const line = out.split('\n').find((l) => l.includes('"msg":"carbonio-mobile listening"')) ?? '';
  const port = (key: string): number => Number(new RegExp(`"${key}":(\\d+)`).exec(line)?.[1] ?? 0);
  const httpPort = port('httpPort');
  return {
    name: opts.name, child, httpPort, smtpPort: port('smtpPort'),
    baseUrl: `http://127.0.0.1:${httpPort}`,
    admin: { email: 'admin@example.com', password: NODE_ADMIN_PASSWORD },
    out: () => out, err: () => err, waitForLog, stop,
  };
}

/** A JSON call to a node's admin API as its global admin. */
export async function nodeAdminCall(node: NodeProcess, method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const auth = `Basic ${Buffer.from(`${node.admin.email}:${node.admin.password}`).toString('base64')}`;
  const res = await fetch(`${node.baseUrl}/api/admin${urlPath}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
