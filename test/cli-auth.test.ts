// `carbonio auth credential add|list|update|delete` against a real server: Carbonio's output, the
// clear-text secret shown by `add` only (never by list/update, never in a server log line), QR codes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, fields, ok, runCli } from './helpers/cli.js';

let app: TestApp;
const user = 'john@example.com';
/** Every clear-text secret the tests saw, to look for in list output and logs. */
const secrets: string[] = [];

before(async () => {
  app = await startTestApp();
  assert.equal((await adminCall(app, 'POST', '/accounts', { email: user, password: 'john-main-pass-1' })).status, 201);
});
after(async () => {
  if (app) await app.stop();
});


async function add(...args: string[]): Promise<{ lines: string[]; id: string; password: string }> {
  const lines = ok(await runCli(app, ['auth', 'credential', 'add', user, ...args]));
  assert.equal(lines[0], 'Credential correctly added');
  const textAt = lines.indexOf('text_data');
  assert.equal(lines[1], 'list');
  assert.ok(textAt > 1);
  const cred = fields(lines.slice(2, textAt));
  const text = fields(lines.slice(textAt + 1, textAt + 4));
  const id = cred.get('id') ?? '';
  const password = text.get('password') ?? '';
  assert.ok(id && password);
  secrets.push(password);
  return { lines, id, password };
}

void describe('carbonio auth credential', () => {
  void it('add with password, label and service prints Carbonio\'s blocks and the password once', async () => {
    const { lines, id } = await add('password', 'easpass-123', 'label', 'Smartphone', 'service', 'eas');
    const created = (await adminCall(app, 'GET', `/accounts/${encodeURIComponent(user)}/credentials`)).json.credentials as { id: string; createdAt: string }[];
    const createdAt = created.find((c) => c.id === id)?.createdAt;
    assert.deepEqual(lines, [
      'Credential correctly added',
      'list',
      '    generated false',
      `    createdAt ${createdAt}`,
      '    label Smartphone',
      `    id ${id}`,
      '    services EAS',
      '    enabled true',
      '    qrcode false',
      '    lastUsedAt never',
      'text_data',
      '    auth_method password',
      '    password easpass-123',
      `    user ${user}`,
    ]);
  });

  void it('add without password gets a generated one; a service list is passed through', async () => {
    const { lines, password } = await add('label', 'Mail client', 'service', 'IMAP,pop3');
    const cred = fields(lines.slice(2, lines.indexOf('text_data')));
    assert.equal(cred.get('generated'), 'true');
    assert.equal(cred.get('services'), 'IMAP,POP3');
    assert.ok(password.length >= 12, password);
    failed(await runCli(app, ['auth', 'credential', 'add', user, 'service', 'telnet']), 1, /unknown service "telnet"/);
  });

  void it('add qrcode true prints the qr payload; --json has the payload and a PNG data URL', async () => {
    const { lines, password } = await add('qrcode', 'true', 'label', 'Tablet');
    assert.equal(lines.at(-2), 'qr', lines.join('\n'));
    const payloadLine = lines.at(-1) ?? '';
    assert.ok(payloadLine.startsWith('    payload '), lines.join('\n'));
    assert.ok(payloadLine.includes(password));
    assert.ok(!lines.some((l) => l.includes('data:image')));
    const r = await runCli(app, ['auth', 'credential', 'add', user, 'qrcode', 'true', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { credential: { id: string; qrcode: boolean }; text_data: { password: string; user: string }; qr: { payload: string; pngDataUrl: string } };
    secrets.push(j.text_data.password);
    assert.equal(j.credential.qrcode, true);
    assert.equal(j.text_data.user, user);
    assert.ok(j.qr.payload.includes(j.text_data.password));
    assert.ok(j.qr.pngDataUrl.startsWith('data:image/png;base64,'));
  });

  void it('list shows every credential and no password', async () => {
    const lines = ok(await runCli(app, ['auth', 'credential', 'list', user]));
    assert.equal(lines[0], 'list');
    const ids = lines.filter((l) => l.startsWith('    id ')).map((l) => l.slice(7));
    assert.equal(ids.length, 4);
    assert.ok(!lines.some((l) => /password|text_data|payload|hash/.test(l)), lines.join('\n'));
    assert.equal(lines.filter((l) => l === '').length, 3, 'blocks separated by one empty line');
    const json = (await runCli(app, ['auth', 'credential', 'list', user, '--json'])).stdout;
    assert.equal((JSON.parse(json) as { credentials: unknown[] }).credentials.length, 4);
    for (const s of secrets) {
      assert.ok(!lines.join('\n').includes(s) && !json.includes(s), 'no secret in list output');
    }
  });

  void it('update changes label, enabled and services', async () => {
    const { id } = await add('label', 'Old');
    const lines = ok(await runCli(app, ['auth', 'credential', 'update', user, id, 'label', 'New phone', 'enabled', 'false', 'service', 'eas,smtp']));
    assert.equal(lines[0], `Credential ${id} updated`);
    assert.equal(lines[1], 'values');
    const v = fields(lines.slice(2));
    assert.equal(v.get('label'), 'New phone');
    assert.equal(v.get('enabled'), 'false');
    assert.equal(v.get('services'), 'EAS,SMTP');
    assert.equal(v.get('id'), id);
    assert.ok(!lines.some((l) => /password/.test(l)));
    for (const s of secrets) assert.ok(!lines.join('\n').includes(s));
    ok(await runCli(app, ['auth', 'credential', 'update', user, id, 'enabled', 'true']));
    const listed = (await adminCall(app, 'GET', `/accounts/${encodeURIComponent(user)}/credentials`)).json.credentials as { id: string; enabled: boolean; label: string }[];
    assert.deepEqual(listed.filter((c) => c.id === id).map((c) => [c.enabled, c.label]), [[true, 'New phone']]);
  });

  void it('delete removes the credential', async () => {
    const { id } = await add('label', 'Temp');
    assert.deepEqual(ok(await runCli(app, ['auth', 'credential', 'delete', user, id])), [`Credential ${id} deleted`]);
    const after = ok(await runCli(app, ['auth', 'credential', 'list', user]));
    assert.ok(!after.includes(`    id ${id}`));
    failed(await runCli(app, ['auth', 'credential', 'delete', user, id]), 1, /not found/);
  });

  void it('usage errors exit 2', async () => {
    failed(await runCli(app, ['auth', 'credential', 'add']), 2, /missing <account>/);
    failed(await runCli(app, ['auth', 'credential', 'add', user, 'qrcode', 'yes']), 2, /true or false/);
    failed(await runCli(app, ['auth', 'credential', 'add', user, 'services', 'eas']), 2, /unknown key "services"/);
    failed(await runCli(app, ['auth', 'credential', 'update', user, 'abcde']), 2, /nothing to change/);
    failed(await runCli(app, ['auth', 'credential', 'update', user, 'abcde', 'password', 'x']), 2, /unknown key "password"/);
    failed(await runCli(app, ['auth', 'credential', 'delete', user]), 2, /missing <password_id>/);
    const missing = await runCli(app, ['auth', 'credential']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^ERROR: missing command for auth credential\n/);
    assert.ok(missing.stderr.includes('  carbonio auth credential list <account>') && !missing.stderr.includes('auth lockout'), missing.stderr);
    failed(await runCli(app, ['auth', 'token', 'list']), 2, /unknown auth command "token list"/);
  });

  void it('no clear-text secret reaches a server log line', () => {
    assert.ok(secrets.length >= 6);
    assert.ok(app.logs.some((l) => l.includes('credential-created')), 'the log has the creations');
    for (const s of secrets) {
      const hit = app.logs.find((l) => l.includes(s));
      assert.equal(hit, undefined, `secret in log: ${hit}`);
    }
    assert.ok(!app.logs.some((l) => l.includes('john-main-pass-1')));
  });
});
