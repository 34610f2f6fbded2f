// Runs before `tsc -b` in every build (scripts/build.mjs), on the folder being built: builds are
// incremental (tsconfig.json: dist/.tsbuildinfo), so that `npm test` right after `npm ci` does not compile
// everything a second time (a full compile is about 45 s of CPU, an up-to-date check 1 s). Build mode looks
// at the sources' times only, so this removes what it would get wrong:
//  - compiled files whose source is gone (a deleted test would still run from dist/test);
//  - the build info when outputs it claims are missing (tsc would not write them again), or when the
//    installed packages changed after it (package-lock.json is newer: their types may differ);
//    the next compilation is then a full one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const trees = ['src', 'test', 'bench'];

function* walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

/** Prunes `dist` (the output folder of the project at `root`, or a copy of it being built). */
export function pruneDist(root, dist) {
  let pruned = 0;
  for (const t of trees) {
    for (const out of walk(path.join(dist, t))) {
      const m = /^(.*)\.js(\.map)?$/.exec(path.relative(dist, out));
      if (m && !fs.existsSync(path.join(root, `${m[1]}.ts`))) {
        fs.rmSync(out);
        pruned++;
      }
    }
  }

  let missing = 0;
  for (const t of trees) {
    for (const src of walk(path.join(root, t))) {
      if (!src.endsWith('.ts') || src.endsWith('.d.ts')) continue;
      if (!fs.existsSync(path.join(dist, `${path.relative(root, src).slice(0, -3)}.js`))) missing++;
    }
  }
  const mtime = (p) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);
  const info = ['.tsbuildinfo', '.tsbuildinfo-web'].map((f) => path.join(dist, f));
  const installed = Math.max(mtime(path.join(root, 'package-lock.json')), mtime(path.join(root, 'node_modules', '.package-lock.json')));
  const stale = info.some((f) => fs.existsSync(f) && mtime(f) < installed);
  if (missing > 0 || stale) for (const f of info) fs.rmSync(f, { force: true });
  if (pruned > 0 || missing > 0 || stale) {
    console.log(`prune-dist: ${pruned} stale output(s) removed, ${missing} missing${stale ? ', packages changed' : ''}${missing > 0 || stale ? ': full compile' : ''}`);
  }
}

// Run directly (`node scripts/prune-dist.mjs`): prune dist/ itself.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  pruneDist(root, path.join(root, 'dist'));
}
