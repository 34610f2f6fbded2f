// Graceful stop of the SMTP listeners: no new connections, a message being received is allowed to
// finish and is stored, idle clients are told 421 and let go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestApp } from './helpers/app.js';
import { SmtpClient } from './helpers/smtp-client.js';
import { until } from './helpers/wait.js';

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

void test('stop lets in-flight DATA finish, says 421 to idle clients, and refuses new connections', async () => {
  const app = await startTestApp();
  await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });

  const idle = await SmtpClient.connect(app.smtpPort);
  await idle.ehlo();
  const busy = await SmtpClient.connect(app.smtpPort);
  await busy.ehlo();
  assert.equal((await busy.command('MAIL FROM:<x@remote.test>')).code, 250);
  assert.equal((await busy.command('RCPT TO:<bob@example.com>')).code, 250);
  assert.equal((await busy.command('DATA')).code, 354);
  await busy.write('Subject: in flight\r\n\r\nfirst half, ');

  const started = Date.now();
  const stopping = app.stop();
  // Listening stops at once...
  await until(() => refused(app.smtpPort), 'new connections refused while stopping');
  assert.ok(await refused(app.submissionPort));
  // ...but the message being sent is accepted.
  await busy.write('second half\r\n.\r\n');
  const done = await busy.read();
  assert.equal(done.code, 250, done.text);
  const bye = await idle.read();
  assert.equal(bye.code, 421);
  assert.equal(bye.enhanced, '4.3.2');
  await Promise.all([idle.waitClosed(), busy.read().then((r) => assert.equal(r.code, 421), () => undefined)]);
  await busy.waitClosed();
  await stopping;
  // Not held up by the idle client (it was told 421, not waited for); how fast is not this test's business.
  assert.ok(Date.now() - started < 30_000, 'stop ends once nothing is in flight');
  assert.ok(app.logs.some((l) => l.includes('"event":"smtp-delivered"')), 'the in-flight message was delivered');
});
