// Account logger building blocks without a server: what the log may show of a WBXML tree (secrets always
// hidden, content hidden below trace, the policy of Provision kept), and the file writer (header, whole
// lines from two writers appending to one file as two processes do, a deleted file created again, a file
// swapped for a foreign one refused and reported once, never written).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger } from '../src/core/logger.js';
import { HEADER, LogFileWriter, openLogFile } from '../src/devices/logger-files.js';
import { redactForLog } from '../src/eas/log-redact.js';
import { ns, toXml } from '../src/eas/wbxml/index.js';

const io = ns('ItemOperations');
const se = ns('Search');
const cm = ns('ComposeMail');
const asb = ns('AirSyncBase');
const pv = ns('Provision');
const st = ns('Settings');

describe('account log redaction', () => {
  test('credentials are hidden at every level; content below trace only; structure and policy stay', () => {
    const mime = 'Subject: hi\r\n\r\nTOP-SECRET-BODY';
    const trees = [
      io('ItemOperations', io('Fetch', io('Store', 'DocumentLibrary'), io('UserName', 'CORP\\ann'), io('Password', 'unc-pw-1'))),
      se('Search', se('Store', se('Name', 'DocumentLibrary'), se('Options', se('UserName', 'ann2'), se('Password', 'search-pw-2')))),
      st('Settings', st('DevicePassword', st('Set', st('Password', 'recovery-pw-3')))),
      cm('SendMail', cm('ClientId', 'c1'), cm('Mime', Buffer.from(mime))),
      asb('Body', asb('Type', 1), asb('EstimatedDataSize', 15), asb('Data', 'TOP-SECRET-BODY'), asb('Preview', 'TOP-SECRET-BODY')),
      pv('Provision', pv('Policies', pv('Policy', pv('PolicyType', 'MS-EAS-Provisioning-WBXML'), pv('Data', pv('EASProvisionDoc', pv('DevicePasswordEnabled', 1)))))),
    ];
    for (const keep of [false, true]) {
      const xml = trees.map((t) => toXml(redactForLog(t, keep), { declaration: false })).join('\n');
      for (const secret of ['CORP\\ann', 'unc-pw-1', 'ann2', 'search-pw-2', 'recovery-pw-3']) assert.equal(xml.includes(secret), false, `${secret} at keep=${keep}`);
      assert.equal(xml.match(/\[redacted\]/g)?.length, 5);
      assert.equal(xml.includes('TOP-SECRET-BODY'), keep, `content at keep=${keep}`);
      assert.match(xml, /<DevicePasswordEnabled>1<\/DevicePasswordEnabled>/, 'the policy is no content');
      assert.match(xml, /<Type>1<\/Type>/);
      assert.match(xml, /<ClientId>c1<\/ClientId>/);
      if (!keep) {
        assert.match(xml, new RegExp(`<Mime>\\[${Buffer.byteLength(mime)} bytes redacted\\]</Mime>`));
        assert.match(xml, /<Data>\[15 bytes redacted\]<\/Data>/);
      }
    }
    // The tree itself is not changed (it is the response being sent).
    assert.equal(toXml(trees[2]!).includes('recovery-pw-3'), true);
  });
});

describe('account log files', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-logfiles-')));
  const lines: string[] = [];
  const log = createLogger('info', new Writable({ write(c: Buffer, _e, cb) { lines.push(c.toString()); cb(); } }));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('two writers on one file (as two processes): the header once, every record whole', async () => {
    const file = path.join(dir, 'shared.log');
    const a = new LogFileWriter(file, dir, log);
    const b = new LogFileWriter(file, dir, log);
    const record = (w: string, i: number) => `${w}-${i} ${'x'.repeat(200 + (i % 50))} end\n`;
    for (let i = 0; i < 2000; i++) {
      a.write(record('A', i));
      b.write(record('B', i));
    }
    await Promise.all([a.close(), b.close()]);
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.startsWith(HEADER));
    assert.equal(text.split(HEADER).length, 2, 'one header');
    const body = text.slice(HEADER.length).split('\n').filter(Boolean);
    assert.equal(body.length, 4000);
    for (const l of body) assert.match(l, /^[AB]-\d+ x{200,249} end$/);
    for (const w of ['A', 'B']) assert.deepEqual(body.filter((l) => l.startsWith(`${w}-`)).map((l) => Number(l.slice(2, l.indexOf(' ')))), [...Array(2000).keys()], `${w} in order`);
  });

  test('a deleted (rotated) file is created again; one swapped for a foreign file is never written, reported once', async () => {
    const file = path.join(dir, 'rotated.log');
    const w = new LogFileWriter(file, dir, log, { reopenCheckMs: 0 });
    w.write('one\n');
    await w.flush();
    fs.renameSync(file, `${file}.1`);
    w.write('two\n');
    await w.flush();
    assert.equal(fs.readFileSync(`${file}.1`, 'utf8'), `${HEADER}one\n`);
    assert.equal(fs.readFileSync(file, 'utf8'), `${HEADER}two\n`);

    fs.rmSync(file);
    fs.writeFileSync(file, 'precious data\n');
    w.write('three\n');
    await w.flush();
    w.write('four\n');
    await w.flush();
    assert.equal(fs.readFileSync(file, 'utf8'), 'precious data\n');
    assert.equal(lines.filter((l) => l.includes('account-log-failed')).length, 1, 'reported once');
    await w.close();
    await assert.rejects(openLogFile(dir, file), /not an account logger's file/);
  });

  test('a symlink at the file\'s path is not followed', async () => {
    const target = path.join(dir, 'target.txt');
    fs.writeFileSync(target, `${HEADER}looks like ours\n`);
    const link = path.join(dir, 'link.log');
    fs.symlinkSync(target, link);
    await assert.rejects(openLogFile(dir, link), /not an account logger's file/);
  });
});
