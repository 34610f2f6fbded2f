// cutUtf8 (src/eas/classes/body-text.ts) encodes only the head of a long body (issue 16 part 3): the cut
// must be exactly the one made from the whole text's bytes, for every mix of 1-, 2-, 3- and 4-byte
// characters and lone surrogates, at every limit around the character boundaries.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { cutUtf8 } from '../src/eas/classes/body-text.js';

/** The cut as it was made before: the whole text to bytes, then back off to a character boundary. */
function wholeCut(text: string, maxBytes: number | undefined): { data: string; size: number; truncated: boolean } {
  const buf = Buffer.from(text, 'utf8');
  if (maxBytes === undefined || buf.length <= maxBytes) return { data: text, size: buf.length, truncated: false };
  let end = Math.max(0, Math.min(maxBytes, buf.length));
  for (let back = 0; back < 3 && end > 0 && end < buf.length && ((buf[end] ?? 0) & 0xc0) === 0x80; back++) end--;
  return { data: buf.toString('utf8', 0, end), size: buf.length, truncated: true };
}

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = ['a', 'Z', ' ', '\n', 'é', 'ß', '€', '中', '😀', '𝄞', '\ud800', '\udc00', '<p>', 'naïve'];

void describe('cutUtf8', () => {
  void test('cuts exactly as the whole-text cut at every limit, on random mixed texts', () => {
    const next = random(16);
    for (let n = 0; n < 300; n++) {
      let text = '';
      const len = Math.floor(next() * 60);
      for (let i = 0; i < len; i++) text += pieces[Math.floor(next() * pieces.length)]!;
      for (let limit = 0; limit <= Buffer.byteLength(text) + 2; limit++) {
        assert.deepStrictEqual(cutUtf8(text, limit), wholeCut(text, limit), `text ${JSON.stringify(text)} limit ${limit}`);
      }
      assert.deepStrictEqual(cutUtf8(text, undefined), wholeCut(text, undefined));
    }
  });

  void test('a long body is cut at the limit, its size is the whole body', () => {
    const html = `<html><body>${'<p>Paragraph with some words, €uro and 😀.</p>'.repeat(500)}</body></html>`;
    for (const limit of [5120, 5121, 5122, 5123, 32768]) assert.deepStrictEqual(cutUtf8(html, limit), wholeCut(html, limit));
  });
});
