// WBXML codec robustness: fast-check properties (random trees round-trip, random bytes only ever
// raise WbxmlError), a seeded mutation fuzz over real request bytes and hostile lengths. Their time and
// memory figures are measured by bench/wbxml-fuzz.ts, not asserted here (a bound would only flake on a
// loaded machine).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { CODE_PAGES, WbxmlError, decode, encode } from '../src/eas/wbxml/index.js';
import type { WbxmlElement, WbxmlNode } from '../src/eas/wbxml/index.js';
import { FUZZ_SEEDS, HOSTILE_INPUTS, mutate, prng } from './fixtures/wbxml/mutate.js';
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
      // Only WbxmlError, nothing else thrown (outcome rethrows the rest); how fast is bench/wbxml-fuzz.ts's job.
      outcome(Buffer.concat([h, body]));
    }), { seed: 42, numRuns: 3000 });
  });
});

void describe('mutation fuzz over real requests', () => {
  void test('20,000 mutated requests: no crash, only WbxmlError, both valid and invalid inputs reached', () => {
    const rnd = prng(0xea5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const r = outcome(mutate(FUZZ_SEEDS[i % FUZZ_SEEDS.length] as Buffer, rnd));
      counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    console.log('fuzz outcomes:', Object.fromEntries(counts));
    // Time, the slowest decode and heap growth over the same 20,000 inputs: bench/wbxml-fuzz.ts.
    assert.ok((counts.get('ok') ?? 0) > 100 && counts.size > 5, 'the fuzz reaches both valid and invalid inputs');
  });

  void test('hostile lengths are refused with a WbxmlError', () => {
    // How fast each is refused (no 4 GiB allocation, no 256 MiB of text): bench/wbxml-fuzz.ts.
    for (const [name, input] of HOSTILE_INPUTS) assert.notEqual(outcome(input), 'ok', name);
  });
});
