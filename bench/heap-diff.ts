// Where the memory of held requests goes: compares two V8 heap snapshots (v8.writeHeapSnapshot, e.g.
// from `BENCH_PING_SNAPSHOTS=<dir>` in ping-hold.ts) and prints the self sizes gained per object kind
// (node type and constructor or closure name), in total and per held request.
// Usage: node dist/bench/heap-diff.js <before.heapsnapshot> <after.heapsnapshot> [held count] [rows]
import fs from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per "type:name" (strings and numbers lumped per type: their names are their values). */
function tally(file: string): Map<string, { size: number; count: number }> {
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]!]!;
    const valueLike = type === 'string' || type === 'number' || type === 'concatenated string' || type === 'sliced string' || type === 'code';
    const name = valueLike ? '' : (s.strings[s.nodes[i + nameAt]!] ?? '?').slice(0, 60);
    const key = `${type}:${name}`;
    const e = out.get(key) ?? { size: 0, count: 0 };
    e.size += s.nodes[i + sizeAt]!;
    e.count++;
    out.set(key, e);
  }
  return out;
}

const [beforeFile, afterFile, heldArg, rowsArg] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  console.error('usage: heap-diff <before.heapsnapshot> <after.heapsnapshot> [held count] [rows]');
  process.exit(2);
}
const held = Number(heldArg ?? 1);
const before = tally(beforeFile);
const after = tally(afterFile);
const rows = [...after].map(([k, a]) => {
  const b = before.get(k) ?? { size: 0, count: 0 };
  return { k, size: a.size - b.size, count: a.count - b.count };
}).sort((x, y) => y.size - x.size);
const total = rows.reduce((n, r) => n + r.size, 0);
console.log(`heap gained: ${total} bytes, ${(total / held).toFixed(0)} per held request (${held})`);
for (const r of rows.slice(0, Number(rowsArg ?? 60))) {
  console.log(`${(r.size / held).toFixed(1).padStart(9)} B/held ${(r.count / held).toFixed(2).padStart(7)} obj/held  ${r.k}`);
}
