// SendMail (14.1 ComposeMail over HTTP) of a message with a 10 MiB attachment to a local and an external
// recipient (a loopback SMTP sink as the relay), with a Sent copy: peak RSS above the idle server, and
// seconds per send. The client, the server and the sink share this process, so the figure is an upper
// bound for the server alone. Run with --expose-gc for a steadier idle baseline.
import { randomBytes } from 'node:crypto';
import { startTestApp } from '../test/helpers/app.js';
import { easRequest } from '../test/helpers/eas-client.js';
import { startSmtpSink } from '../test/helpers/smtp-sink.js';
import { ns } from '../src/eas/wbxml/index.js';
import { printMeasured, report } from './lib.js';

const cm = ns('ComposeMail');
const SIZE = 10 * 1024 * 1024;
const SENDS = 3;

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

const sink = await startSmtpSink();
const app = await startTestApp({ env: { CARBONIO_RELAY_URL: sink.url } });
try {
  const ann = await app.directory.createAccount({ email: 'ann@example.com', password: 'bench-password-1' });
  await app.directory.createAccount({ email: 'bob@example.com', password: 'bench-password-2' });
  const raw = message();
  const body = cm('SendMail', cm('ClientId', 'warm'), cm('SaveInSentItems'), cm('Mime', new Uint8Array(raw)));
  // One send to warm up code paths and the database pages, then measure.
  await easRequest(app, { cmd: 'SendMail', user: ann.email, password: 'bench-password-1', deviceId: 'bench', version: '14.1', body });
  sink.messages.length = 0;
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const idle = process.memoryUsage().rss;
  let peak = idle;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const times: number[] = [];
  for (let i = 0; i < SENDS; i++) {
    const t = performance.now();
    const r = await easRequest(app, {
      cmd: 'SendMail', user: ann.email, password: 'bench-password-1', deviceId: 'bench', version: '14.1',
      body: cm('SendMail', cm('ClientId', `big-${i}`), cm('SaveInSentItems'), cm('Mime', new Uint8Array(raw))),
    });
    times.push((performance.now() - t) / 1000);
    if (r.status !== 200 || r.raw.length !== 0) throw new Error(`SendMail failed: ${r.status}`);
  }
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (sink.messages.length !== SENDS) throw new Error(`the relay got ${sink.messages.length} messages`);
  console.log(`message ${(raw.length / 1048576).toFixed(1)} MiB on the wire; idle RSS ${(idle / 1048576).toFixed(0)} MiB`);
  report('sendmail 10MiB peak rss above idle', (peak - idle) / 1048576, 'MiB');
  report('sendmail 10MiB seconds per send', times.reduce((a, b) => a + b, 0) / times.length, 's');
} finally {
  await app.stop();
  await sink.close();
}
printMeasured();
