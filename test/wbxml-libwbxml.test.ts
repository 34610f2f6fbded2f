// Cross-check of our WBXML codec with libwbxml (Debian package libwbxml2-utils): our bytes decode with
// wbxml2xml, xml2wbxml's bytes (string table, public id by index, versions 1.1-1.3) decode with ours.
// Compared token by token, not name by name: libwbxml names some tags differently (Recurrence_Type,
// BusinessCity, MIME) and, depending on its version, lacks some 16.x tags. Skips without the tools.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_PAGES, decode, encode, isElement, parseXml } from '../src/eas/wbxml/index.js';
import type { WbxmlElement, WbxmlNode } from '../src/eas/wbxml/index.js';
import { normalize } from './fixtures/wbxml/normalize.js';
import { SAMPLES } from './fixtures/wbxml/samples.js';

const found = (cmd: string): boolean => spawnSync(cmd, ['-h'], { timeout: 5000 }).error === undefined;
const skip = found('wbxml2xml') && found('xml2wbxml') ? false : 'wbxml2xml/xml2wbxml not on PATH (apt-get install libwbxml2-utils)';

// The XML fixtures live in the source tree; tests run from dist/test.
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'wbxml');

let dir = '';
let n = 0;
const run = (cmd: string, args: string[]): void => {
  const r = spawnSync(cmd, args, { timeout: 10_000, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.error?.message ?? ''} ${r.stdout} ${r.stderr}`);
};
/** wbxml2xml: WBXML bytes to libwbxml's compact XML. */
const libToXml = (wbxml: Uint8Array): string => {
  const [inp, out] = [join(dir, `${++n}.wbxml`), join(dir, `${n}.xml`)];
  writeFileSync(inp, wbxml);
  run('wbxml2xml', ['-l', 'ACTIVESYNC', '-m', '0', '-o', out, inp]);
  return readFileSync(out, 'utf8');
};
/** xml2wbxml: XML text to WBXML bytes, with any extra flags. */
const libToWbxml = (xml: string, flags: string[] = []): Buffer => {
  const [inp, out] = [join(dir, `${++n}.xml`), join(dir, `${n}.wbxml`)];
  writeFileSync(inp, xml);
  run('xml2wbxml', [...flags, '-o', out, inp]);
  return readFileSync(out);
};

/** Text through XML loses what XML loses: CR of CRLF, and libwbxml trims text ends. */
const xmlSafe = (e: WbxmlElement): WbxmlElement => ({
  page: e.page, tag: e.tag,
  children: e.children.map((c): WbxmlNode => (typeof c === 'string' ? c.replaceAll('\r\n', '\n').trim() : isElement(c) ? xmlSafe(c) : c)),
});

/** (page, token) pairs libwbxml knows, found by decoding one element of every tag with wbxml2xml. */
const libKnows = new Set<string>();
const key = (page: number, tag: string): string => `${page}:${tag}`;
const prune = (e: WbxmlElement): WbxmlElement => ({
  page: e.page, tag: e.tag,
  children: e.children.filter((c) => !isElement(c) || libKnows.has(key(c.page, c.tag))).map((c) => (isElement(c) ? prune(c) : c)),
});

void describe('libwbxml cross-check', { skip }, () => {
  const all = CODE_PAGES.flatMap((p) => p.tags);
  let seen: Array<{ name: string; ns: string }> = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wbxml-libwbxml-'));
    // One empty element of every tag under one root: wbxml2xml names each, or calls it 'unknown'.
    const doc: WbxmlElement = { page: 0, tag: 'Sync', children: all.map((t) => ({ page: t.page, tag: t.name, children: [] })) };
    const xml = libToXml(encode(doc));
    seen = [...xml.matchAll(/<([\w-]+)(?: xmlns="([^"]*)")?\/>/g)].map((m) => ({ name: m[1] ?? '', ns: m[2] ?? 'AirSync:' }));
    all.forEach((t, i) => {
      if (seen[i] && seen[i].name !== 'unknown') libKnows.add(key(t.page, t.name));
    });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void test('every tag we encode lands on the same code page in libwbxml', () => {
    assert.equal(seen.length, all.length, 'one XML element per tag');
    const unknown: string[] = [];
    const renamed: string[] = [];
    all.forEach((t, i) => {
      const lib = seen[i];
      assert.ok(lib);
      if (lib.name === 'unknown') {
        unknown.push(`${t.namespace}:${t.name}`);
        return;
      }
      assert.equal(lib.ns.replace(/:$/, '').toLowerCase(), t.namespace.toLowerCase(), `${t.namespace}:${t.name} (0x${t.token.toString(16)})`);
      if (lib.name !== t.name) renamed.push(`${t.namespace}:${t.name}=${lib.name}`);
    });
    console.log(`libwbxml knows ${libKnows.size}/${all.length} tags; unknown to it: ${unknown.join(' ')}`);
    console.log(`named differently by libwbxml: ${renamed.join(' ')}`);
    assert.ok(libKnows.size > 500, 'libwbxml knows most of the table');
  });

  void test('byte-array elements come out of wbxml2xml as base64, as libwbxml treats them as binary too', () => {
    for (const t of CODE_PAGES.flatMap((p) => p.tags.filter((x) => x.binary))) {
      if (!libKnows.has(key(t.page, t.name))) continue;
      const xml = libToXml(encode({ page: t.page, tag: t.name, children: [new Uint8Array([1, 2, 0, 255])] }));
      assert.match(xml, />AQIA\/w==</, `${t.namespace}:${t.name}`);
    }
  });

  for (const [name, build] of SAMPLES) {
    void test(`ours -> wbxml2xml -> xml2wbxml -> ours, token for token: ${name}`, (t) => {
      const doc = prune(build());
      if (!libKnows.has(key(doc.page, doc.tag))) {
        t.skip(`this libwbxml does not know ${doc.tag}`);
        return;
      }
      const back = decode(libToWbxml(libToXml(encode(doc))));
      assert.deepStrictEqual(xmlSafe(back), xmlSafe(normalize(doc)));
    });
  }

  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml')).sort();
  void test('fixtures exist', () => assert.ok(fixtures.length >= 5));
  for (const f of fixtures) {
    void test(`xml2wbxml output decodes with ours: ${f}`, () => {
      const xml = readFileSync(join(FIXTURES, f), 'utf8');
      const expected = parseXml(xml);
      // Default output uses a string table (STR_T, public id by index); also try without, and old versions.
      for (const flags of [[], ['-n'], ['-n', '-a'], ['-v', '1.1'], ['-v', '1.2']]) {
        assert.deepStrictEqual(decode(libToWbxml(xml, flags)), expected, `xml2wbxml ${flags.join(' ')}`);
      }
      // And our encoding of the same document decodes with libwbxml to the same structure.
      assert.deepStrictEqual(decode(libToWbxml(libToXml(encode(expected)))), expected);
    });
  }
});
