// `carbonio mailbox importMail` of a 10,000-message mbox (issue 17 part 2, "Measure"): the import rate
// (messages per second, CLI process to server, batches of 250 in one transaction each) and the peak RSS
// of the CLI process (VmHWM from /proc while it runs: the mbox is streamed, so it should not grow with the
// file) and of the server process. Then the same file again: the duplicate check's rate.
// BENCH_IMPORT_COUNT overrides the number of messages (default 10,000, ~3 KB each).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, type TestApp } from '../test/helpers/app.js';
import { projectRoot } from '../test/helpers/cli.js';
import { printMeasured, report } from './lib.js';

const COUNT = Number(process.env.BENCH_IMPORT_COUNT ?? 10_000);
const MB = 1024 * 1024;

function writeMbox(file: string): number {
  const out = fs.openSync(file, 'w');
  let x = 7;
  const rand = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const words = Array.from({ length: 2000 }, (_, i) => `word${i.toString(36)}`);
  for (let i = 0; i < COUNT; i++) {
    const body = Array.from({ length: 150 + Math.floor(rand() * 750) }, () => words[Math.floor(rand() * words.length)]!).join(' ');
    const status = i % 2 === 0 ? 'Status: RO\r\n' : '';
    fs.writeSync(out, `From a@example.net Mon Dec  1 10:00:00 2025\nFrom: a@example.net\r\nTo: user@example.com\r\nSubject: report ${i}\r\nMessage-ID: <m${i}@example.net>\r\nDate: Mon, 1 Dec 2025 10:00:00 +0000\r\n${status}\r\n${body}\r\n\n`);
  }
  fs.closeSync(out);
  return fs.statSync(file).size;
}

/** Runs the CLI as its own process; its peak RSS from /proc/<pid>/status (VmHWM) polled while it runs. */
function runCli(app: TestApp, args: string[]): Promise<{ code: number; stdout: string; ms: number; peakRss: number }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CARBONIO_')) env[k] = v;
  Object.assign(env, { CARBONIO_ADMIN_URL: app.baseUrl, CARBONIO_ADMIN_USER: app.admin.email, CARBONIO_ADMIN_PASSWORD: app.admin.password, XDG_CONFIG_HOME: path.join(os.tmpdir(), 'carbonio-bench-no-config') });
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'carbonio.js'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let peak = 0;
    const poll = setInterval(() => {
      try {
        const kb = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        if (kb) peak = Math.max(peak, Number(kb) * 1024);
      } catch {
        // exited between two polls
      }
    }, 50);
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code: code ?? -1, stdout, ms: performance.now() - t, peakRss: peak });
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-import-'));
const app = await startTestApp();
try {
  const mbox = path.join(dir, 'big.mbox');
  const size = writeMbox(mbox);
  console.log(`mbox: ${COUNT} messages, ${(size / MB).toFixed(1)} MiB; load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
  await app.directory.createAccount({ email: 'user@example.com', password: 'bench-password-1' });
  const first = await runCli(app, ['mailbox', 'importMail', 'user@example.com', mbox]);
  if (first.code !== 0 || !first.stdout.includes('imported')) throw new Error(`importMail failed (${first.code}): ${first.stdout}`);
  console.log(first.stdout.trim());
  report('importMail messages/s', COUNT / (first.ms / 1000), 'msg/s');
  report('importMail CLI peak RSS', first.peakRss / MB, 'MiB');
  const again = await runCli(app, ['mailbox', 'importMail', 'user@example.com', mbox]);
  console.log(again.stdout.trim());
  report('importMail again (all duplicates) messages/s', COUNT / (again.ms / 1000), 'msg/s');
  report('importMail server peak RSS', process.resourceUsage().maxRSS / 1024, 'MiB');
  printMeasured();
} finally {
  await app.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
