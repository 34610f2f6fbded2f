// The benchmarks' light reading of a Sync answer (bench/sync-scan.ts) against the full decoder: the same
// SyncKey, Add and Change counts and MoreAvailable, with bodies as strings and as opaque bytes, other code
// pages in between, and a string table in the header.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanSync } from '../bench/sync-scan.js';
import { child, children, decode, el, encode, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';

const as = ns('AirSync');

function answer(adds: number, changes: number, more: boolean): WbxmlElement {
  const add = (i: number): WbxmlElement => as('Add', as('ServerId', `5:${i}`), as('ApplicationData',
    el('Email:Subject', `Message ${i}`),
    el('AirSyncBase:Body', el('AirSyncBase:Type', 2), el('AirSyncBase:Data', i % 2 ? `<p>${'x'.repeat(300)}</p>` : new Uint8Array([0, 1, 3, 0x47, 0xc3]))),
    // An AirSync tag on another page's token value would be miscounted: Email:Read is token 0x15 on page 2.
    el('Email:Read', 1)));
  const change = (i: number): WbxmlElement => as('Change', as('ServerId', `5:${i}`), as('ApplicationData', el('Email:Read', 1)));
  return as('Sync', as('Collections', as('Collection',
    as('SyncKey', `{k-${adds}-${changes}}`), as('CollectionId', '5'), as('Status', 1),
    as('Commands', ...Array.from({ length: adds }, (_, i) => add(i)), ...Array.from({ length: changes }, (_, i) => change(i))),
    ...(more ? [as('MoreAvailable')] : []))));
}

test('scanSync reads what the decoder reads', () => {
  for (const [adds, changes, more] of [[0, 0, false], [3, 0, true], [0, 4, false], [100, 2, true]] as const) {
    const raw = encode(answer(adds, changes, more));
    const c = child(child(decode(raw), 'AirSync:Collections'), 'AirSync:Collection');
    const cmds = child(c, 'AirSync:Commands');
    assert.deepEqual(scanSync(raw), {
      key: textOf(c, 'AirSync:SyncKey') ?? null, adds: children(cmds, 'AirSync:Add').length,
      changes: children(cmds, 'AirSync:Change').length, more: child(c, 'AirSync:MoreAvailable') !== undefined,
    });
  }
});

test('scanSync skips a string table in the header', () => {
  const raw = encode(answer(2, 1, true));
  // Version, public id, charset, then a 3-byte string table.
  const withTable = Buffer.concat([raw.subarray(0, 3), Buffer.from([3, 0x61, 0x62, 0]), raw.subarray(4)]);
  assert.deepEqual(scanSync(withTable), { key: '{k-2-1}', adds: 2, changes: 1, more: true });
});
