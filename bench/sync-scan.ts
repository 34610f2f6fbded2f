// A light reading of a Sync response for the benchmarks' load client: the collection's SyncKey, how many
// Add and Change commands it holds and whether MoreAvailable is set, from one pass over the WBXML tokens
// (WBXML 1.3 section 5.8) that skips string and opaque content without decoding it. The full decoder
// (src/eas/wbxml/decoder.ts) builds a tree with every body as a string: on a 2-core machine the load
// client's decoding of 100 bodies a window took CPU from the server it measures. A bench reads only this;
// the protocol tests decode everything. One collection per response (the benchmarks sync one folder).
import { resolveQName } from '../src/eas/wbxml/index.js';
import { END, ENTITY, OPAQUE, STR_I, STR_T, SWITCH_PAGE } from '../src/eas/wbxml/tokens.js';

export interface SyncScan {
  key: string | null;
  adds: number;
  changes: number;
  more: boolean;
}

const EXT = new Set([0x40, 0x41, 0x42, 0x80, 0x81, 0x82, 0xc0, 0xc1, 0xc2]);

const page = resolveQName('AirSync:Sync').page;
const token = (tag: string): number => resolveQName(`AirSync:${tag}`).token;
const ADD = token('Add');
const CHANGE = token('Change');
const SYNC_KEY = token('SyncKey');
const MORE = token('MoreAvailable');

export function scanSync(b: Uint8Array): SyncScan {
  let pos = 0;
  const mbUint = (): number => {
    let v = 0;
    for (;;) {
      const x = b[pos++]!;
      v = v * 128 + (x & 0x7f);
      if ((x & 0x80) === 0) return v;
    }
  };
  pos = 1; // version
  mbUint(); // public id (never 0 in EAS, so no string-table index)
  mbUint(); // charset
  const table = mbUint(); // string table (not `pos += mbUint()`: that reads pos before the call moves it)
  pos += table;
  const out: SyncScan = { key: null, adds: 0, changes: 0, more: false };
  let current = 0;
  let readKey = false;
  while (pos < b.length) {
    const t = b[pos++]!;
    if (t === SWITCH_PAGE) current = b[pos++]!;
    else if (t === END) continue;
    else if (t === STR_I) {
      const end = b.indexOf(0, pos);
      if (readKey) out.key = Buffer.from(b.buffer, b.byteOffset + pos, end - pos).toString('utf8');
      readKey = false;
      pos = end + 1;
    } else if (t === OPAQUE) {
      const n = mbUint();
      pos += n;
    }
    else if (t === STR_T || t === ENTITY) mbUint();
    else if (EXT.has(t)) throw new Error(`unexpected WBXML token 0x${t.toString(16)}`);
    else {
      if ((t & 0x80) !== 0) throw new Error('WBXML attributes in an EAS response');
      if (current !== page) continue;
      const tag = t & 0x3f;
      if (tag === ADD) out.adds++;
      else if (tag === CHANGE) out.changes++;
      else if (tag === MORE) out.more = true;
      // The first SyncKey with content: the collection's (the Sync root has none of its own in a response).
      else if (tag === SYNC_KEY && (t & 0x40) !== 0 && out.key === null) readKey = true;
    }
  }
  return out;
}
