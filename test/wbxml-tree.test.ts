// WBXML tree helpers (builders and readers for command handlers) and the XML printer and parser.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  WbxmlError, bytes, bytesOf, child, children, decode, el, elements, encode, intOf, is, ns, parseXml, path, qnameOf,
  text, textOf, toXml,
} from '../src/eas/wbxml/index.js';
import { SAMPLES, sendMailRequest, syncRequest } from './fixtures/wbxml/samples.js';
import { normalize } from './fixtures/wbxml/normalize.js';

void describe('builders', () => {
  void test('el and ns build the same tree; numbers become text; null, undefined and false are skipped', () => {
    const as = ns('AirSync');
    const a = as('Sync', as('Collections', [as('Collection', as('WindowSize', 25), null, undefined, false)]));
    const b = el('AirSync:Sync', el('AirSync:Collections', el('AirSync:Collection', el('AirSync:WindowSize', '25'))));
    assert.deepStrictEqual(a, b);
    assert.deepStrictEqual(a, { page: 0, tag: 'Sync', children: [{ page: 0, tag: 'Collections', children: [
      { page: 0, tag: 'Collection', children: [{ page: 0, tag: 'WindowSize', children: ['25'] }] }] }] });
  });
});

void describe('readers', () => {
  const req = decode(encode(syncRequest()));
  const collections = children(path(req, 'AirSync:Collections'), 'AirSync:Collection');

  void test('path, child, children, textOf, intOf', () => {
    assert.equal(collections.length, 2);
    const [first, second] = collections;
    assert.equal(textOf(first, 'AirSync:SyncKey'), '1234');
    assert.equal(intOf(first, 'AirSync:WindowSize'), 50);
    assert.equal(intOf(first, 'AirSync:SyncKey'), 1234);
    assert.equal(intOf(first, 'AirSync:ClientId'), undefined);
    assert.ok(child(first, 'AirSync:GetChanges'));
    assert.equal(textOf(first, 'AirSync:GetChanges'), '');
    assert.equal(child(second, 'AirSync:GetChanges'), undefined);
    const add = path(second, 'AirSync:Commands', 'AirSync:Add', 'AirSync:ApplicationData');
    assert.equal(textOf(add, 'Calendar:Subject'), 'Réunion ☕');
    assert.equal(textOf(path(add, 'AirSyncBase:Body'), 'AirSyncBase:Data'), 'Agenda\r\n1. coffee');
    // Same local name, different namespace: Calendar:Type is not AirSyncBase:Type.
    assert.equal(textOf(path(add, 'Calendar:Recurrence'), 'Calendar:Type'), '1');
    assert.equal(child(path(add, 'Calendar:Recurrence'), 'AirSyncBase:Type'), undefined);
    assert.equal(path(undefined, 'AirSync:Sync'), undefined);
    assert.deepStrictEqual(children(undefined, 'AirSync:Sync'), []);
  });

  void test('is, qnameOf, elements', () => {
    assert.ok(is(req, 'AirSync:Sync'));
    assert.ok(!is(req, 'FolderHierarchy:FolderSync'));
    assert.ok(!is('text', 'AirSync:Sync'));
    assert.equal(qnameOf(req), 'AirSync:Sync');
    assert.deepStrictEqual(elements(req).map(qnameOf), ['AirSync:Collections', 'AirSync:WindowSize']);
  });

  void test('text and bytes convert between opaque and text content', () => {
    const mime = bytesOf(decode(encode(sendMailRequest())), 'ComposeMail:Mime');
    assert.ok(mime instanceof Uint8Array);
    assert.equal(Buffer.from(mime).toString('latin1').split('\r\n')[2], 'Subject: =?iso-8859-1?Q?caf=E9?=');
    const mixed = el('AirSyncBase:Data', 'ab', new Uint8Array([0x63, 0xc3, 0xa9]), 'd');
    assert.equal(text(mixed), 'abcéd');
    assert.deepStrictEqual([...bytes(mixed)], [0x61, 0x62, 0x63, 0xc3, 0xa9, 0x64]);
    assert.equal(bytesOf(mixed, 'AirSyncBase:Type'), undefined);
  });
});

void describe('XML form', () => {
  void test('toXml writes namespaces after the code pages, base64 CDATA for bytes, escaped text', () => {
    const xml = toXml(el('ComposeMail:SendMail', el('ComposeMail:ClientId', 'a<b&c>'), el('ComposeMail:SaveInSentItems'),
      el('ComposeMail:Mime', new Uint8Array([1, 2, 0, 255])), el('AirSync:Status', 1)));
    assert.equal(xml, [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<SendMail xmlns="ComposeMail" xmlns:airsync="AirSync">',
      '  <ClientId>a&lt;b&amp;c&gt;</ClientId>',
      '  <SaveInSentItems/>',
      '  <Mime><![CDATA[AQIA/w==]]></Mime>',
      '  <airsync:Status>1</airsync:Status>',
      '</SendMail>',
      '',
    ].join('\n'));
    assert.equal(toXml(el('Ping:Ping'), { indent: '', declaration: false }), '<Ping xmlns="Ping"/>');
  });

  for (const [name, build] of SAMPLES) {
    void test(`parseXml(toXml(tree)) gives the tree back: ${name}`, () => {
      const doc = normalize(build());
      assert.deepStrictEqual(parseXml(toXml(doc)), doc);
      assert.deepStrictEqual(parseXml(toXml(doc, { indent: '' })), doc);
    });
  }

  void test('parseXml reads libwbxml-style namespaces, DOCTYPE, comments and character references', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">
      <!-- c --><Search xmlns="Search:"><Store><Name>GAL</Name><Query>a&#233;&#x20AC;&quot;</Query>
      <Result><Properties><DisplayName xmlns="Gal:">Ann</DisplayName></Properties></Result></Store></Search>`;
    assert.deepStrictEqual(parseXml(xml), el('Search:Search', el('Search:Store', el('Search:Name', 'GAL'),
      el('Search:Query', 'aé€"'), el('Search:Result', el('Search:Properties', el('GAL:DisplayName', 'Ann'))))));
  });

  const bad: ReadonlyArray<readonly [string, WbxmlError['code']]> = [
    ['<Sync xmlns="AirSync"><Collections></Sync>', 'bad-xml'],
    ['<Sync xmlns="AirSync">', 'bad-xml'],
    ['<Sync/>', 'bad-xml'],
    ['<Sync xmlns="Nope"/>', 'unknown-page'],
    ['<Nope xmlns="AirSync"/>', 'unknown-tag'],
    ['<Sync xmlns="AirSync" id="1"/>', 'bad-xml'],
    ['<Sync xmlns="AirSync">a & b</Sync>', 'bad-xml'],
    ['<Sync xmlns="AirSync">&bogus;</Sync>', 'bad-xml'],
    ['<Sync xmlns="AirSync"/><Sync xmlns="AirSync"/>', 'bad-xml'],
    ['text', 'bad-xml'],
  ];
  for (const [xml, code] of bad) {
    void test(`parseXml rejects ${xml}`, () => {
      assert.throws(() => parseXml(xml), (e: unknown) => e instanceof WbxmlError && e.code === code);
    });
  }
});
