// The collection before a large EAS request body (src/eas/large-body.ts, issue 16 part 5): only for an
// announced body of at least 4 MiB that the server will accept, at most once a second; and it really
// frees the buffers an earlier request left (process.memoryUsage().arrayBuffers falls).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beforeBody, LARGE_BODY_BYTES } from '../src/eas/large-body.js';

const LIMIT = 64 * 1024 * 1024;

test('collects before a large accepted body, at most once a second', () => {
  // The last collection's time is the module's (one per process, shared with the other tests of a shard,
  // whose servers may have collected just now): times ahead of the clock are after any of theirs.
  const t0 = Date.now() + 100_000;
  assert.equal(beforeBody(LARGE_BODY_BYTES - 1, LIMIT, t0), false, 'a small body');
  assert.equal(beforeBody(Number.NaN, LIMIT, t0), false, 'no Content-Length');
  assert.equal(beforeBody(LIMIT + 1, LIMIT, t0), false, 'a body the limit refuses unread');
  assert.equal(beforeBody(LARGE_BODY_BYTES, LIMIT, t0), true);
  assert.equal(beforeBody(LARGE_BODY_BYTES, LIMIT, t0 + 999), false, 'within the second');
  assert.equal(beforeBody(LARGE_BODY_BYTES, LIMIT, t0 + 1000), true);
});

test('the collection frees the buffers of an earlier request', async () => {
  let garbage: Buffer[] | null = Array.from({ length: 8 }, () => Buffer.alloc(4 * 1024 * 1024, 1));
  const held = process.memoryUsage().arrayBuffers;
  assert.ok(garbage.length === 8 && held >= 32 * 1024 * 1024);
  garbage = null;
  assert.equal(beforeBody(LARGE_BODY_BYTES, LIMIT, Date.now() + 200_000), true);
  // V8 may finish sweeping array buffers on another thread: wait a moment for its accounting.
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(process.memoryUsage().arrayBuffers < held - 24 * 1024 * 1024, `${process.memoryUsage().arrayBuffers} bytes still held of ${held}`);
});
