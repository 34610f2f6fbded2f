// The collection before a large EAS request body (src/eas/large-body.ts, issue 16 part 5): only for an
// announced body of at least 4 MiB that the server will accept, once 4 MiB of large bodies were read since
// the last one, at most every 200 ms; and it really frees the buffers an earlier request left
// (process.memoryUsage().arrayBuffers falls).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LargeBodies, LARGE_BODY_BYTES } from '../src/eas/large-body.js';

const LIMIT = 64 * 1024 * 1024;

test('collects before a large accepted body once large bodies left garbage, at most every 200 ms', () => {
  let runs = 0;
  const bodies = new LargeBodies(() => () => { runs++; });
  const t0 = 1_000_000;
  assert.equal(bodies.beforeBody(LARGE_BODY_BYTES, LIMIT, t0), false, 'nothing read yet: nothing to free');
  bodies.read(LARGE_BODY_BYTES - 1);
  bodies.read(512 * 1024); // a small body is one buffer that dies young: not counted
  assert.equal(bodies.beforeBody(LARGE_BODY_BYTES, LIMIT, t0), false, 'under 4 MiB of large bodies read');
  bodies.read(1024 * 1024);
  assert.equal(bodies.beforeBody(LARGE_BODY_BYTES - 1, LIMIT, t0), false, 'a small body');
  assert.equal(bodies.beforeBody(Number.NaN, LIMIT, t0), false, 'no Content-Length');
  assert.equal(bodies.beforeBody(LIMIT + 1, LIMIT, t0), false, 'a body the limit refuses unread');
  assert.equal(runs, 0);
  assert.equal(bodies.beforeBody(LARGE_BODY_BYTES, LIMIT, t0), true);
  assert.equal(bodies.beforeBody(LARGE_BODY_BYTES, LIMIT, t0 + 300), false, 'the garbage was collected already');
  bodies.read(LARGE_BODY_BYTES);
  assert.equal(bodies.beforeBody(LARGE_BODY_BYTES, LIMIT, t0 + 199), false, 'within 200 ms');
  assert.equal(bodies.beforeBody(LARGE_BODY_BYTES, LIMIT, t0 + 200), true);
  assert.equal(runs, 2);
});

test('the collection frees the buffers of an earlier request', async () => {
  let garbage: Buffer[] | null = Array.from({ length: 8 }, () => Buffer.alloc(4 * 1024 * 1024, 1));
  const held = process.memoryUsage().arrayBuffers;
  assert.ok(garbage.length === 8 && held >= 32 * 1024 * 1024);
  garbage = null;
  const bodies = new LargeBodies();
  bodies.read(held);
  assert.equal(bodies.beforeBody(LARGE_BODY_BYTES, LIMIT), true);
  // V8 may finish sweeping array buffers on another thread: wait (at most 5 s) for its accounting.
  for (const until = Date.now() + 5000; process.memoryUsage().arrayBuffers >= held - 24 * 1024 * 1024 && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(process.memoryUsage().arrayBuffers < held - 24 * 1024 * 1024, `${process.memoryUsage().arrayBuffers} bytes still held of ${held}`);
});
