// parseMessageMeta: the summary of a message (RFC 5322 headers, MIME body) and its robustness on
// input that is not a message at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { emptyMeta, parseMessage, parseMessageMeta, previewOf } from '../src/mail/parse.js';
import { skeleton, SKELETON_FROM } from '../src/mail/skeleton.js';

const msg = (lines: string[]): Buffer => Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'utf8');

void test('importance from Importance, X-Priority and X-MSMail-Priority', async () => {
  const imp = async (h: string): Promise<number> => (await parseMessageMeta(msg([h, 'Subject: x', '', 'b']))).importance;
  assert.equal(await imp('Importance: low'), 0);
  assert.equal(await imp('Importance: High'), 2);
  assert.equal(await imp('X-Priority: 5 (Lowest)'), 0);
  assert.equal(await imp('X-Priority: 2'), 2);
  assert.equal(await imp('X-Priority: 3'), 1);
  assert.equal(await imp('X-MSMail-Priority: Low'), 0);
  assert.equal(await imp('X-Mailer: none'), 1);
});

void test('a missing or unparseable Date gives sentAt null, not "now"', async () => {
  assert.equal((await parseMessageMeta(msg(['Subject: no date', '', 'b']))).sentAt, null);
  assert.equal((await parseMessageMeta(msg(['Date: someday soon', '', 'b']))).sentAt, null);
  const folded = await parseMessageMeta(msg(['Date: Wed, 2 Jul 2025', ' 09:30:00 +0000 (UTC)', '', 'b']));
  assert.equal(folded.sentAt, Date.parse('2025-07-02T09:30:00Z'));
});

void test('an HTML-only message gets a text preview; inline images are not attachments', async () => {
  const meta = await parseMessageMeta(msg([
    'Subject: html',
    'Content-Type: multipart/related; boundary="r"',
    '',
    '--r',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<html><head><style>p { color: red }</style></head><body><p>Hel<b>lo</b> there</p><p>second&nbsp;paragraph &amp; &#233;&#x74;&eacute;</p><img src="cid:logo@x"></body></html>',
    '--r',
    'Content-Type: image/png',
    'Content-ID: <logo@x>',
    'Content-Transfer-Encoding: base64',
    '',
    'iVBORw0KGgo=',
    '--r--',
  ]));
  assert.equal(meta.preview, 'Hello there second paragraph & ét&eacute;');
  assert.equal(meta.hasAttachments, false);
});

void test('the preview is whitespace-collapsed and at most 255 characters', async () => {
  const meta = await parseMessageMeta(msg(['Subject: long', '', `${'word   '.repeat(100)}`, '', 'é'.repeat(300)]));
  assert.equal(Array.from(meta.preview).length, 255);
  assert.ok(!/\s{2}/.test(meta.preview));
  assert.equal(previewOf('  a\r\n\r\n\tb  '), 'a b');
});

void test('encoded words and groups in address headers', async () => {
  const meta = await parseMessageMeta(msg([
    'From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.com>',
    'To: undisclosed-recipients:;',
    'Cc: list: a@example.com, "B, Jr." <b@example.com>;',
    '',
    'b',
  ]));
  assert.deepEqual(meta.from, [{ name: 'Renée', address: 'renee@example.com' }]);
  assert.deepEqual(meta.to, []);
  assert.deepEqual(meta.cc, [{ name: '', address: 'a@example.com' }, { name: 'B, Jr.', address: 'b@example.com' }]);
});

void test('garbage never throws and an empty input gives the empty summary', async () => {
  assert.deepEqual(await parseMessageMeta(new Uint8Array(0)), emptyMeta());
  const nasty = [
    Buffer.from('\x00\x01\x02\xff\xfe'),
    Buffer.from('Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n'),
    Buffer.from(`Subject: ${'x'.repeat(2 * 1024 * 1024)}`),
    Buffer.from('Content-Type: text/plain; charset=no-such-charset\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n'),
  ];
  for (const n of nasty) await parseMessageMeta(n);
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
      const meta = await parseMessageMeta(bytes);
      assert.equal(typeof meta.subject, 'string');
    }),
    { numRuns: 200 },
  );
});

void test('a part of a larger buffer is parsed on its own bytes', async () => {
  const whole = Buffer.concat([Buffer.from('JUNK'), msg(['Subject: inner', '', 'b']), Buffer.from('JUNK')]);
  const meta = await parseMessageMeta(whole.subarray(4, whole.length - 4));
  assert.equal(meta.subject, 'inner');
});

void test('a large message is read from its skeleton: the same summary and text, without its attachments\' bytes', async () => {
  const big = Buffer.alloc(3 * 1024 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
  const lines = (attachment: string) => msg([
    'From: Zed <zed@example.net>', 'To: ann@example.com', 'Subject: With a big file', 'Message-ID: <big@example.net>', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="m"', '',
    '--m', 'Content-Type: multipart/alternative; boundary="a"', '',
    '--a', 'Content-Type: text/plain; charset=utf-8', '', 'The plan is attached. Grüße!',
    '--a', 'Content-Type: text/html; charset=utf-8', '', '<p>The plan is attached. Grüße!</p>', '--a--',
    '--m', 'Content-Type: application/pdf; name="plan.pdf"', 'Content-Disposition: attachment; filename="plan.pdf"', 'Content-Transfer-Encoding: base64', '',
    attachment, '--m--', '',
  ]);
  const raw = lines(big);
  const bones = await skeleton(raw);
  assert.ok(raw.length > SKELETON_FROM && bones.length < 4096, `the skeleton is ${bones.length} bytes`);
  const full = await parseMessage(raw);
  const small = await parseMessage(lines('AAAA'));
  assert.deepEqual(full.meta, small.meta);
  assert.equal(full.meta.hasAttachments, true);
  assert.equal(full.meta.preview, 'The plan is attached. Grüße!');
  assert.equal(full.text.trim(), 'The plan is attached. Grüße!');
});
