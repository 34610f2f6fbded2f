// Starts the whole server on port 0 with a fresh store (SQLite in a temp dir, or a throwaway
// PostgreSQL database), and captures its log lines so tests can check what was (not) logged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/core/logger.js';
import { createTempPgDatabase } from './pg.js';

export interface TestApp extends App {
  dataDir: string;
  baseUrl: string;
  admin: { email: string; password: string };
  /** Every log line written so far, raw JSON text. */
  logs: string[];
  stop(): Promise<void>;
}

export interface TestAppOptions {
  postgres?: boolean;
  env?: Record<string, string>;
  /** Use the real KDF cost instead of the cheap test one. */
  realKdf?: boolean;
  /** Changes the loaded configuration before the start (settings that are not env vars, e.g. idle time-outs). */
  configure?: (config: Config) => void;
}

export const ADMIN_PASSWORD = 'admin-secret-123';

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-test-'));
  const pgDb = opts.postgres ? await createTempPgDatabase() : null;
  const config: Config = loadConfig({
    CARBONIO_DATA_DIR: dataDir,
    CARBONIO_HTTP_PORT: '0',
    CARBONIO_SMTP_PORT: '0',
    CARBONIO_SUBMISSION_PORT: '0',
    CARBONIO_HTTPS_PORT: '0',
    CARBONIO_SMTPS_PORT: '0',
    CARBONIO_IMAP_PORT: '0',
    CARBONIO_IMAPS_PORT: '0',
    CARBONIO_POP3_PORT: '0',
    CARBONIO_POP3S_PORT: '0',
    CARBONIO_BIND_ADDRESS: '127.0.0.1',
    CARBONIO_ADMIN_PASSWORD: ADMIN_PASSWORD,
    CARBONIO_AUTH_FAILURE_DELAY_MS: '0',
    ...(opts.realKdf ? {} : { CARBONIO_SCRYPT_LOG2N: '10', CARBONIO_SCRYPT_P: '1' }),
    ...(pgDb ? { CARBONIO_DB_URL: pgDb.url } : {}),
    CARBONIO_LOG_LEVEL: 'info',
    ...opts.env,
  });
  opts.configure?.(config);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const app = await startApp(config, createLogger(config.logLevel, sink));
  const baseUrl = app.httpPort !== null ? `http://127.0.0.1:${app.httpPort}` : `https://127.0.0.1:${app.httpsPort}`;
  return {
    ...app,
    dataDir,
    baseUrl,
    admin: { email: `admin@${config.defaultDomain}`, password: ADMIN_PASSWORD },
    logs,
    async stop() {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      await pgDb?.drop();
    },
  };
}

export const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** A JSON call to the admin API as the given user. */
export async function adminCall(
  app: TestApp, method: string, urlPath: string, body?: unknown, as: { email: string; password: string } = app.admin,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${app.baseUrl}/api/admin${urlPath}`, {
    method,
    headers: { authorization: basic(as.email, as.password), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
