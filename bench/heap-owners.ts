// Who keeps the memory of held requests alive: for two V8 heap snapshots (v8.writeHeapSnapshot, e.g. from
// `BENCH_PING_SNAPSHOTS=<dir>` in ping-hold.ts), every object's self size is charged to its nearest owner in
// the dominator tree (itself included): the nearest object of a named class (not Object, Array, Map, Set,
// Promise or V8 internals) or named closure. Prints what each owner kind gained, per held request. Weak
// edges do not retain. Dominators: Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm".
// Usage: node --max-old-space-size=4000 dist/bench/heap-owners.js <before> <after> [held count] [rows]
import fs from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const detail = process.env.HEAP_DETAIL;
const GENERIC = new Set(['Object', 'Array', 'Map', 'Set', 'Promise', 'WeakMap', 'Error', '']);

function owners(file: string): Map<string, number> {
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const { node_fields: nf, node_types: [ntypes], edge_fields: ef, edge_types: [etypes] } = s.snapshot.meta;
  const nw = nf.length;
  const ew = ef.length;
  const n = s.nodes.length / nw;
  const [tAt, nameAt, sizeAt, ecAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [number, number, number, number];
  const [etAt, toAt] = ['type', 'to_node'].map((f) => ef.indexOf(f)) as [number, number];
  const weak = etypes.indexOf('weak');
  // Forward edges as CSR over node ordinals.
  const first = new Uint32Array(n + 1);
  for (let i = 0, e = 0; i < n; i++) { first[i] = e; e += s.nodes[i * nw + ecAt]!; first[i + 1] = e; }
  const target = (e: number): number => s.edges[e * ew + toAt]! / nw;
  const strong = (e: number): boolean => s.edges[e * ew + etAt] !== weak;
  // Post-order from the root (node 0), iteratively.
  const post = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const seen = new Uint8Array(n);
  const stack: number[] = [0];
  const next = new Uint32Array(n);
  seen[0] = 1;
  for (let i = 0; i < n; i++) next[i] = first[i]!;
  while (stack.length > 0) {
    const v = stack[stack.length - 1]!;
    if (next[v]! < first[v + 1]!) {
      const e = next[v]!++;
      const w = target(e);
      if (strong(e) && !seen[w]) { seen[w] = 1; stack.push(w); }
    } else {
      stack.pop();
      post[v] = order.length;
      order.push(v);
    }
  }
  // Predecessors (strong edges between reachable nodes) as CSR.
  const predCount = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++) if (seen[v]) for (let e = first[v]!; e < first[v + 1]!; e++) if (strong(e)) predCount[target(e) + 1]!++;
  for (let i = 0; i < n; i++) predCount[i + 1]! += predCount[i]!;
  const preds = new Uint32Array(predCount[n]!);
  const fill = predCount.slice();
  for (let v = 0; v < n; v++) if (seen[v]) for (let e = first[v]!; e < first[v + 1]!; e++) if (strong(e)) preds[fill[target(e)]!++] = v;
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (post[a]! < post[b]!) a = idom[a]!;
      while (post[b]! < post[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = order.length - 2; i >= 0; i--) {
      const v = order[i]!;
      let d = -1;
      for (let p = predCount[v]!; p < predCount[v + 1]!; p++) {
        const u = preds[p]!;
        if (idom[u] === -1) continue;
        d = d === -1 ? u : intersect(u, d);
      }
      if (d !== -1 && idom[v] !== d) { idom[v] = d; changed = true; }
    }
  }
  const nameOf = (v: number): string => s.strings[s.nodes[v * nw + nameAt]!] ?? '';
  const typeOf = (v: number): string => ntypes[s.nodes[v * nw + tAt]!]!;
  // An async function's frame is a Generator: named after its function (the edge "function").
  const fnName = etypes.indexOf('internal');
  const generatorOf = (v: number): string => {
    for (let e = first[v]!; e < first[v + 1]!; e++) {
      const et = s.edges[e * ew + etAt]!;
      const nameOrIndex = s.edges[e * ew + ef.indexOf('name_or_index')]!;
      if ((et === fnName || et === etypes.indexOf('property')) && s.strings[nameOrIndex] === 'function') return nameOf(target(e));
    }
    return '?';
  };
  const label = (v: number): string | null => {
    const type = typeOf(v);
    const name = nameOf(v);
    if (type === 'object' && name === 'Generator') return `async ${generatorOf(v)}`;
    if (type === 'closure' && name !== '') return `closure ${name.slice(0, 50)}`;
    if (type === 'object' && !GENERIC.has(name) && !name.startsWith('system /')) return name.slice(0, 50);
    if (type === 'synthetic' || type === 'native') return `${type} ${name.slice(0, 50)}`;
    return null;
  };
  const owner = new Int32Array(n).fill(-1);
  const out = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i]!;
    owner[v] = v === 0 || label(v) !== null ? v : owner[idom[v]!]!;
    // Reachable along paths from several roots (dominated by the root itself): charged to its own kind.
    const key = owner[v] === 0 ? `(shared) ${typeOf(v)} ${typeOf(v) === 'string' ? '' : nameOf(v).slice(0, 40)}` : label(owner[v]) ?? '(root)';
    out.set(key, (out.get(key) ?? 0) + s.nodes[v * nw + sizeAt]!);
    // HEAP_DETAIL=<owner>: what that owner keeps, by kind.
    if (detail && key === detail) {
      const u = idom[v]!;
      const d = `  ${key} > ${typeOf(v)} ${typeOf(v) === 'string' ? '' : nameOf(v).slice(0, 40)} (in ${typeOf(u)} ${nameOf(u).slice(0, 30)} ${s.nodes[u * nw + sizeAt]})`;
      out.set(d, (out.get(d) ?? 0) + s.nodes[v * nw + sizeAt]!);
    }
  }
  return out;
}

const [beforeFile, afterFile, heldArg, rowsArg] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  console.error('usage: heap-owners <before.heapsnapshot> <after.heapsnapshot> [held count] [rows]');
  process.exit(2);
}
const held = Number(heldArg ?? 1);
const before = owners(beforeFile);
const after = owners(afterFile);
const keys = new Set([...before.keys(), ...after.keys()]);
const rows = [...keys].map((k) => ({ k, size: (after.get(k) ?? 0) - (before.get(k) ?? 0) })).sort((x, y) => y.size - x.size);
const total = rows.reduce((t, r) => t + r.size, 0);
console.log(`reachable heap gained: ${total} bytes, ${(total / held).toFixed(0)} per held request (${held})`);
for (const r of rows.slice(0, Number(rowsArg ?? 50))) console.log(`${(r.size / held).toFixed(1).padStart(9)} B/held  ${r.k}`);
