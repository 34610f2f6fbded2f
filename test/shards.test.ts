// The shards npm test runs (test/helpers/shards.ts) cover every test file exactly once, and the shard
// files agree on how many shards there are.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deal } from './helpers/shards.js';

const dir = path.dirname(fileURLToPath(import.meta.url));

test('every test file is in exactly one shard, and the shard files agree on the count', () => {
  const names = fs.readdirSync(path.join(dir, 'shards')).filter((f) => f.endsWith('.js'));
  const counts = new Set(names.map((n) => /^shard-\d+-of-(\d+)\.js$/.exec(n)?.[1]));
  assert.equal(counts.size, 1, names.join(', '));
  const count = Number([...counts][0]);
  assert.deepEqual(names.map((n) => Number(/^shard-(\d+)/.exec(n)?.[1])).sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i + 1));
  const dealt = deal(dir, count).flat().map((f) => path.basename(f)).sort();
  assert.deepEqual(dealt, fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort());
});
