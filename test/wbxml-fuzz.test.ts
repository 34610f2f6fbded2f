// WBXML codec robustness: fast-check properties (random trees round-trip, random bytes only ever
// raise WbxmlError) and a seeded mutation fuzz over real request bytes with time and memory bounds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { CODE_PAGES, WbxmlError, decode, encode } from '../src/eas/wbxml/index.js';
import type { WbxmlElement, WbxmlNode } from '../src/eas/wbxml/index.js';
import { SAMPLES, syncResponse } from './fixtures/wbxml/samples.js';
import { normalize } from './fixtures/wbxml/normalize.js';

const ALL_TAGS = CODE_PAGES.flatMap((p) => p.tags.map((t) => ({ page: p.page, tag: t.name })));

const tagArb = fc.constantFrom(...ALL_TAGS);
const textArb = fc.string({ unit: 'binary', maxLength: 24 });
const bytesArb = fc.uint8Array({ maxLength: 24 });

const { tree } = fc.letrec<{ tree: WbxmlElement; node: WbxmlNode }>((tie) => ({
  tree: fc
    .record({ t: tagArb, kids: fc.array(tie('node'), { maxLength: 5 }) })
    .map(({ t, kids }): WbxmlElement => ({ page: t.page, tag: t.tag, children: kids })),
  // Past maxDepth fast-check takes the first option only, so text comes first to end the recursion.
  node: fc.oneof({ maxDepth: 5, depthSize: 'small' }, textArb, bytesArb, tie('tree')),
}));

/** Runs decode and returns 'ok' or the WbxmlError code; any other exception fails the test. */
const outcome = (bytes: Uint8Array): string => {
  try {
    decode(bytes);
    return 'ok';
  } catch (e) {
    if (e instanceof WbxmlError) return e.code;
    throw e;
  }
};

void describe('properties', () => {
  void test('random trees round-trip through encode and decode', () => {
    fc.assert(fc.property(tree, (doc) => {
      assert.deepStrictEqual(decode(encode(doc)), normalize(doc));
    }), { seed: 20240501, numRuns: 1500 });
  });

  void test('random bytes, with or without a valid header, only ever raise WbxmlError', () => {
    const header = fc.constantFrom(new Uint8Array(0), new Uint8Array([3, 1, 0x6a, 0]), new Uint8Array([3, 1, 0x6a, 0, 0]));
    fc.assert(fc.property(header, fc.uint8Array({ maxLength: 300 }), (h, body) => {
      const input = Buffer.concat([h, body]);
      const t0 = performance.now();
      outcome(input);
      assert.ok(performance.now() - t0 < 100, 'decode finished quickly');
    }), { seed: 42, numRuns: 3000 });
  });
});

/** mulberry32: a tiny seeded PRNG so that every run mutates the same way. */
const prng = (seed: number): (() => number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const mutate = (input: Buffer, rnd: () => number): Buffer => {
  const int = (n: number): number => Math.floor(rnd() * n);
  let b = Buffer.from(input);
  for (let k = 1 + int(4); k > 0; k--) {
    const at = int(b.length + 1);
    switch (int(8)) {
      case 0: if (at < b.length) b[at] = (b[at] ?? 0) ^ (1 << int(8)); break;
      case 1: if (at < b.length) b[at] = int(256); break;
      case 2: b = b.subarray(0, at); break;
      case 3: b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(8) }, () => int(256))), b.subarray(at)]); break;
      case 4: { const n = int(64); b = Buffer.concat([b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n)]); break; }
      case 5: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(16))]); break;
      // A hostile length: OPAQUE of 4 GiB - 1, or a string table reference far out.
      case 6: b = Buffer.concat([b.subarray(0, at), Buffer.from([0xc3, 0x8f, 0xff, 0xff, 0xff, 0x7f]), b.subarray(at)]); break;
      default: b = Buffer.concat([b.subarray(0, at), Buffer.from([int(2) === 0 ? 0x00 : 0x01, int(30)]), b.subarray(at)]); break;
    }
  }
  return b;
};

void describe('mutation fuzz over real requests', () => {
  void test('20,000 mutated requests: no crash, no hang, bounded memory', () => {
    const seeds = [...SAMPLES.map(([, build]) => encode(build())), encode(syncResponse(10, 500))];
    const rnd = prng(0xea5);
    const counts = new Map<string, number>();
    const heapBefore = process.memoryUsage().heapUsed;
    let slowest = 0;
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) {
      const input = mutate(seeds[i % seeds.length] as Buffer, rnd);
      const t0 = performance.now();
      const r = outcome(input);
      slowest = Math.max(slowest, performance.now() - t0);
      counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    const elapsed = performance.now() - started;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    console.log(`fuzz: ${Math.round(elapsed)} ms, slowest decode ${slowest.toFixed(2)} ms, heap +${(heapGrowth / 2 ** 20).toFixed(1)} MiB`, Object.fromEntries(counts));
    // Bounds against a pathological (super-linear) decode, loose enough for a loaded machine.
    assert.ok(slowest < 2000, `slowest decode took ${slowest} ms`);
    assert.ok(elapsed < 60_000);
    assert.ok(heapGrowth < 256 * 2 ** 20, 'heap stays bounded');
    assert.ok((counts.get('ok') ?? 0) > 100 && counts.size > 5, 'the fuzz reaches both valid and invalid inputs');
  });

  void test('hostile lengths fail fast without allocating them', () => {
    const cases: Array<readonly [string, Buffer]> = [
      ['opaque 4 GiB', Buffer.from('03016a00 4b c3 8fffffff7f', 'hex')],
      ['string table 4 GiB', Buffer.from('03016a8fffffff7f 4b', 'hex')],
      // A 64 KiB table entry without NUL, referenced 4,000 times (256 MiB of text): capped.
      ['string table bomb', Buffer.concat([Buffer.from('03016a848000', 'hex'), Buffer.alloc(65536, 0x41),
        Buffer.from('0007 47', 'hex'), Buffer.from('8300'.repeat(4000), 'hex'), Buffer.from('01', 'hex')])],
      ['deep nesting', Buffer.concat([Buffer.from('03016a00', 'hex'), Buffer.alloc(1_000_000, 0x45)])],
      ['many elements', Buffer.concat([Buffer.from('03016a00 45', 'hex'), Buffer.alloc(2_000_000, 0x14), Buffer.from('01', 'hex')])],
    ];
    for (const [name, input] of cases) {
      const t0 = performance.now();
      assert.notEqual(outcome(input), 'ok', name);
      assert.ok(performance.now() - t0 < 500, `${name} failed fast`);
    }
  });
});
