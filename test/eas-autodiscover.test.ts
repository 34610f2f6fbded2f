// Autodiscover (MS-ASCMD 2.2.1.1) over real HTTP: the mobilesync answer with the public ActiveSync
// URL, the mobile password rules of EAS, 401 without credentials, the Error forms for a schema we do
// not serve and for somebody else's address, XXE refused, and the path in any case.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { basicAuth } from './helpers/eas-client.js';

const REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
const MOBILESYNC_NS = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
const OUTLOOK_REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006';
const OUTLOOK_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
const PUBLIC_URL = 'https://mail.example.com';

const request = (email: string, ns = REQUEST_NS, schema = MOBILESYNC_NS): string =>
  `<?xml version="1.0" encoding="utf-8"?>\n<Autodiscover xmlns="${ns}">\n  <Request>\n    <EMailAddress>${email}</EMailAddress>\n`
  + `    <AcceptableResponseSchema>${schema}</AcceptableResponseSchema>\n  </Request>\n</Autodiscover>\n`;

const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe('Autodiscover', () => {
  let app: TestApp;
  let kim: Account;
  const PASSWORD = 'kim-password-1';

  const post = async (body: string, auth: string | null, path = '/autodiscover/autodiscover.xml'): Promise<{ status: number; type: string; xml: string; headers: Headers }> => {
    const res = await fetch(`${app.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', ...(auth ? { authorization: auth } : {}) },
      body,
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', xml: await res.text(), headers: res.headers };
  };

  before(async () => {
    app = await startTestApp({ env: { CARBONIO_PUBLIC_URL: PUBLIC_URL } });
    kim = await app.directory.createAccount({ email: 'kim@example.com', password: PASSWORD, displayName: 'Kim <K&K>' });
    await app.directory.createAccount({ email: 'lee@example.com', password: 'lee-password-1' });
  });
  after(() => app.stop());

  test('the account password gets the mobilesync response with the ActiveSync URL', async () => {
    const r = await post(request(kim.email), basicAuth(kim.email, PASSWORD));
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/xml/);
    assert.match(r.xml, new RegExp(`<Response xmlns="${MOBILESYNC_NS}">`));
    assert.equal(tag(r.xml, 'EMailAddress'), 'kim@example.com');
    assert.equal(tag(r.xml, 'DisplayName'), 'Kim &lt;K&amp;K&gt;', 'escaped');
    assert.equal(tag(r.xml, 'Type'), 'MobileSync');
    assert.equal(tag(r.xml, 'Url'), `${PUBLIC_URL}/Microsoft-Server-ActiveSync`);
    assert.equal(tag(r.xml, 'Name'), `${PUBLIC_URL}/Microsoft-Server-ActiveSync`);
    assert.doesNotMatch(r.xml, /<Error>/);
  });

  test('401 with a Basic challenge without or with wrong credentials', async () => {
    for (const auth of [null, basicAuth(kim.email, 'not-the-password')]) {
      const r = await post(request(kim.email), auth);
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    }
  });

  test('once a mobile password exists it works and the account password no longer does', async () => {
    const { secret } = await app.directory.addCredential(kim, { services: ['EAS'] });
    const ok = await post(request(kim.email), basicAuth(kim.email, secret));
    assert.equal(ok.status, 200);
    assert.equal(tag(ok.xml, 'Url'), `${PUBLIC_URL}/Microsoft-Server-ActiveSync`);
    assert.equal((await post(request(kim.email), basicAuth(kim.email, PASSWORD))).status, 401);
  });

  test("another account's address, existing or not, gets the same Error response", async () => {
    const lee = await post(request('lee@example.com'), basicAuth('lee@example.com', 'lee-password-1'));
    assert.equal(lee.status, 200, 'lee may ask for himself');
    const answers: string[] = [];
    for (const other of [kim.email, 'nobody@example.com']) {
      const r = await post(request(other), basicAuth('lee@example.com', 'lee-password-1'));
      assert.equal(r.status, 200);
      assert.equal(tag(r.xml, 'Status'), '2');
      assert.doesNotMatch(r.xml, /Microsoft-Server-ActiveSync/);
      answers.push(r.xml.replace(other, 'X'));
    }
    assert.equal(answers[0], answers[1], 'no existence oracle');
  });

  test('a schema we do not serve gets the Autodiscover Error response', async () => {
    const r = await post(request('lee@example.com', OUTLOOK_REQUEST_NS, OUTLOOK_RESPONSE_NS), basicAuth('lee@example.com', 'lee-password-1'));
    assert.equal(r.status, 200);
    assert.match(r.xml, /<Autodiscover xmlns="http:\/\/schemas\.microsoft\.com\/exchange\/autodiscover\/responseschema\/2006">/);
    assert.equal(tag(r.xml, 'ErrorCode'), '601');
    assert.doesNotMatch(r.xml, /MobileSync|Microsoft-Server-ActiveSync/);
    const garbage = await post('this is not XML', basicAuth('lee@example.com', 'lee-password-1'));
    assert.equal(tag(garbage.xml, 'ErrorCode'), '600');
  });

  test('DTDs and entities are refused (no XXE)', async () => {
    const xxe = '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
      + `<Autodiscover xmlns="${REQUEST_NS}"><Request><EMailAddress>&x;</EMailAddress>`
      + `<AcceptableResponseSchema>${MOBILESYNC_NS}</AcceptableResponseSchema></Request></Autodiscover>`;
    const r = await post(xxe, basicAuth('lee@example.com', 'lee-password-1'));
    assert.equal(r.status, 200);
    assert.equal(tag(r.xml, 'ErrorCode'), '600');
    assert.doesNotMatch(r.xml, /root:/);
    const undeclared = await post(request('lee&x;@example.com'), basicAuth('lee@example.com', 'lee-password-1'));
    assert.equal(tag(undeclared.xml, 'ErrorCode'), '600');
  });

  test('the path is case-insensitive', async () => {
    for (const path of ['/Autodiscover/Autodiscover.xml', '/AUTODISCOVER/AUTODISCOVER.XML', '/autodiscover/AutoDiscover.xml']) {
      const r = await post(request('lee@example.com'), basicAuth('lee@example.com', 'lee-password-1'), path);
      assert.equal(r.status, 200, path);
      assert.equal(tag(r.xml, 'Type'), 'MobileSync', path);
    }
  });
});
