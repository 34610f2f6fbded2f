// SendMail (14.1 ComposeMail over HTTP) of a message with a 10 MiB attachment to a local and an external
// recipient (a loopback SMTP sink as the relay), with a Sent copy: the server runs in its own process and
// we report its peak RSS (VmHWM) above its idle RSS, and seconds per send. Idle is a fresh server's, whose
// SQLite page cache is nearly empty: a large message goes through a 2 MiB cache (blob-store.ts
// withBulkCache), where it once filled the whole 16 MiB; the RSS after each send shows what stays.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeAdminCall, startNode } from '../test/helpers/node-process.js';
import { easRequest } from '../test/helpers/eas-client.js';
import { startSmtpSink } from '../test/helpers/smtp-sink.js';
import { ns } from '../src/eas/wbxml/index.js';
import { printMeasured, report } from './lib.js';

const cm = ns('ComposeMail');
const SIZE = 10 * 1024 * 1024;
const SENDS = Number(process.env.BENCH_SENDS ?? 3);

function message(): Buffer {
  const b = 'bench-boundary';
  const att = randomBytes(SIZE).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from([
    'To: bob@example.com, ext@outside.test', 'Subject: Big file', 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${b}"`, '',
    `--${b}`, 'Content-Type: text/plain; charset=utf-8', '', 'Here it is.', `--${b}`,
    'Content-Type: application/octet-stream; name="big.bin"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="big.bin"', '',
    att, `--${b}--`, '',
  ].join('\r\n'));
}

/** VmRSS and VmHWM (peak) of a process, in bytes (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

const sink = await startSmtpSink();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-sendmail-'));
// The server in its own process, so its peak RSS is the server's alone (not the client's or the sink's).
const node = await startNode({ name: 'sendmail', dbUrl: `sqlite://${path.join(dir, 'db.sqlite')}`, env: { CARBONIO_RELAY_URL: sink.url } });
try {
  for (const email of ['ann@example.com', 'bob@example.com']) {
    const r = await nodeAdminCall(node, 'POST', '/accounts', { email, password: 'bench-password-1' });
    if (r.status !== 201) throw new Error(`account ${email}: ${r.status}`);
  }
  const raw = message();
  const send = (clientId: string) => easRequest(node, {
    cmd: 'SendMail', user: 'ann@example.com', password: 'bench-password-1', deviceId: 'bench', version: '14.1',
    body: cm('SendMail', cm('ClientId', clientId), cm('SaveInSentItems'), cm('Mime', new Uint8Array(raw))),
  });
  // A small message first, so the code paths are loaded before the idle figure is taken.
  await easRequest(node, { cmd: 'SendMail', user: 'ann@example.com', password: 'bench-password-1', deviceId: 'bench', version: '14.1',
    body: cm('SendMail', cm('ClientId', 'warm'), cm('Mime', new Uint8Array(Buffer.from('To: bob@example.com\r\nSubject: hi\r\n\r\nhi\r\n')))) });
  await new Promise((r) => setTimeout(r, 500));
  const idle = memoryOf(node.child.pid!);
  const times: number[] = [];
  const rssAfter: number[] = [];
  for (let i = 0; i < SENDS; i++) {
    const t = performance.now();
    const r = await send(`big-${i}`);
    times.push((performance.now() - t) / 1000);
    if (r.status !== 200 || r.raw.length !== 0) throw new Error(`SendMail failed: ${r.status}`);
    rssAfter.push(memoryOf(node.child.pid!).rss);
  }
  const after = memoryOf(node.child.pid!);
  if (sink.messages.length !== SENDS) throw new Error(`the relay got ${sink.messages.length} messages`);
  console.log(`message ${(raw.length / 1048576).toFixed(1)} MiB on the wire; server idle RSS ${(idle.rss / 1048576).toFixed(0)} MiB, peak ${(after.peak / 1048576).toFixed(0)} MiB`);
  console.log(`RSS above idle after each send: ${rssAfter.map((r) => ((r - idle.rss) / 1048576).toFixed(1)).join(', ')} MiB`);
  report('sendmail 10MiB server peak rss above idle', (after.peak - idle.rss) / 1048576, 'MiB');
  // The same send on a server that has run a while. The peak is reset (clear_refs 5, Linux >= 4.0) once the server is idle
  // again, so this figure is what one more large SendMail costs.
  await new Promise((r) => setTimeout(r, 500));
  const warm = memoryOf(node.child.pid!);
  fs.writeFileSync(`/proc/${node.child.pid!}/clear_refs`, '5');
  const again = await send('big-warm');
  if (again.status !== 200 || again.raw.length !== 0) throw new Error(`SendMail failed: ${again.status}`);
  const warmPeak = memoryOf(node.child.pid!).peak;
  console.log(`warm server: idle RSS ${(warm.rss / 1048576).toFixed(0)} MiB, peak of one more send ${(warmPeak / 1048576).toFixed(0)} MiB`);
  report('sendmail 10MiB server peak rss above warm idle', (warmPeak - warm.rss) / 1048576, 'MiB');
  report('sendmail 10MiB seconds per send', times.reduce((a, b) => a + b, 0) / times.length, 's');
} finally {
  await node.stop();
  await sink.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
printMeasured();
