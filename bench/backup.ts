// Backup and restore of a SQLite store of 100,000 messages (issue 17 part 1): the time and size of
// `backup create` through the running server (POST /api/admin/backup, polled as the CLI does), what it
// costs the requests served meanwhile (GET /health latency and event-loop delay, against the same
// figures with no backup running), `backup verify` (integrity check and counts) and `backup restore`.
// Then the step size (pages copied per event-loop turn) against the latency it adds, to justify STEP_PAGES.
// BENCH_BACKUP_COUNT overrides the number of messages (default 100,000, ~4 KB each).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { parseMessageMeta } from '../src/mail/parse.js';
import { verifyBackup } from '../src/store/sql/backup-verify.js';
import { restoreBackup } from '../src/store/sql/backup-restore.js';
import { sqliteOnlineBackup, STEP_PAGES } from '../src/store/sql/online-backup.js';
import type { NewMessage } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from '../test/helpers/app.js';
import { percentile, printMeasured, report } from './lib.js';

const COUNT = Number(process.env.BENCH_BACKUP_COUNT ?? 100_000);
const BATCH = 2_000;
const MB = 1024 * 1024;

function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
}

async function fill(app: TestApp): Promise<void> {
  const account = await app.directory.createAccount({ email: 'user@example.com', password: 'bench-password-1' });
  const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
  const rand = rng(7);
  const words = Array.from({ length: 2000 }, (_, i) => `word${i.toString(36)}`);
  // One parse for the headers' shape; the subject and Message-ID differ per message (no parse per message:
  // the load would take longer than the measurement).
  const template = await parseMessageMeta(Buffer.from('From: a@example.net\r\nTo: user@example.com\r\nSubject: x\r\n\r\nhello\r\n'));
  const t = performance.now();
  for (let done = 0; done < COUNT; done += BATCH) {
    const batch: NewMessage[] = [];
    for (let i = done; i < Math.min(COUNT, done + BATCH); i++) {
      // 1 to 8 KB of text, ~4 KB on average: a mailbox of ordinary mail without attachments.
      const n = 150 + Math.floor(rand() * 1050);
      const body = Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]!).join(' ');
      const subject = `report ${i}`;
      const raw = Buffer.from(`From: a@example.net\r\nTo: user@example.com\r\nSubject: ${subject}\r\nMessage-ID: <m${i}@example.net>\r\n\r\n${body}\r\n`);
      batch.push({ raw, meta: { ...template, subject, messageId: `<m${i}@example.net>`, preview: body.slice(0, 255) }, receivedAt: 1_700_000_000_000 + i });
    }
    await app.store.mailbox.addMessages(account.id, inbox.id, batch);
  }
  console.log(`${COUNT} messages stored in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

/** GET /health latencies and the event-loop delay while `during` runs. */
async function latencyDuring(app: TestApp, during: () => Promise<void>): Promise<{ health: number[]; loopP99: number; ms: number }> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const health: number[] = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      const t = performance.now();
      await fetch(`${app.baseUrl}/health`).then((r) => r.arrayBuffer());
      health.push(performance.now() - t);
    }
  })();
  const t = performance.now();
  await during();
  const ms = performance.now() - t;
  done = true;
  await probe;
  loop.disable();
  return { health: health.sort((a, b) => a - b), loopP99: loop.percentile(99) / 1e6, ms };
}

const app = await startTestApp({ env: { CARBONIO_LOG_LEVEL: 'warn' } });
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-backup-'));
try {
  await fill(app);
  const storeFile = path.join(app.dataDir, 'carbonio.sqlite');
  const storeBytes = fs.statSync(storeFile).size + (fs.existsSync(`${storeFile}-wal`) ? fs.statSync(`${storeFile}-wal`).size : 0);

  const idle = await latencyDuring(app, () => new Promise((r) => setTimeout(r, 2000)));
  report('backup idle health p50', percentile(idle.health, 50), 'ms');
  report('backup idle health p99', percentile(idle.health, 99), 'ms');

  let file = '';
  const during = await latencyDuring(app, async () => {
    const start = await adminCall(app, 'POST', '/backup', { file: 'bench.sqlite' });
    if (start.status !== 202) throw new Error(`POST /backup: ${start.status} ${JSON.stringify(start.json)}`);
    let job = start.json.backup as { id: string; state: string; file: string; error: string | null };
    while (job.state === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      job = (await adminCall(app, 'GET', `/backup/${job.id}`)).json.backup as typeof job;
    }
    if (job.state !== 'done') throw new Error(`backup failed: ${job.error}`);
    file = job.file;
  });
  const bytes = fs.statSync(file).size;
  console.log(`store ${(storeBytes / MB).toFixed(0)} MB (with -wal), backup ${(bytes / MB).toFixed(0)} MB, step ${STEP_PAGES} pages`);
  report(`backup create ${COUNT / 1000}k sqlite`, during.ms / 1000, 's');
  report(`backup size ${COUNT / 1000}k sqlite`, bytes / MB, 'MB');
  report('backup create throughput', bytes / MB / (during.ms / 1000), 'MB/s');
  report('backup during health p50', percentile(during.health, 50), 'ms');
  report('backup during health p99', percentile(during.health, 99), 'ms');
  report('backup during event-loop delay p99', during.loopP99, 'ms');

  let t = performance.now();
  const r = await verifyBackup(file);
  report(`backup verify ${COUNT / 1000}k sqlite`, (performance.now() - t) / 1000, 's');
  if (r.counts.messages !== COUNT || r.integrity[0] !== 'ok') throw new Error(`verify: ${JSON.stringify(r)}`);

  t = performance.now();
  await restoreBackup(file, path.join(scratch, 'restored', 'carbonio.sqlite'), { force: false });
  report(`backup restore ${COUNT / 1000}k sqlite`, (performance.now() - t) / 1000, 's');

  // Step sizes, on a second connection in this process (the event loop is the server's).
  const conn = new Database(storeFile, { readonly: true });
  try {
    for (const step of [64, 256, 1024, 4096]) {
      const target = path.join(scratch, `step-${step}.sqlite`);
      const s = await latencyDuring(app, async () => { await sqliteOnlineBackup(conn, step).run(target); });
      console.log(`step ${step} pages: ${(s.ms / 1000).toFixed(2)} s, health p50 ${percentile(s.health, 50).toFixed(1)} ms p99 ${percentile(s.health, 99).toFixed(1)} ms, event-loop p99 ${s.loopP99.toFixed(1)} ms`);
      fs.rmSync(target, { force: true });
    }
  } finally {
    conn.close();
  }
} finally {
  await app.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}
printMeasured();
