// `npm run build` (issue 17 part 8): compiles the server (tsc -b) and builds the web console (Vite) into
// dist.next/, beside dist/, then swaps the two folders, so that a running installation never lacks its
// dist/ or its web console for the minute a build takes (Vite empties its output folder first, and a
// failed compile would leave half-written files). The old dist/ stays whole until the swap and is
// removed after it; a failed build removes dist.next/ and leaves dist/ as it was.
//
// dist.next/ starts as a copy of dist/ with its times kept (the copy is about 0.2 s for 8 MB), so the
// build stays incremental: tsc -b's build info (dist/.tsbuildinfo) stores its paths relative to its own
// folder, and a sibling folder resolves them the same. tsc -b accepts no --outDir, so the copy gets two
// small tsconfig files extending the real ones with the output paths moved; they are given the real
// files' times (tsc -b rebuilds a project whose config is newer than its build info) and removed before
// the swap.
//
// The swap is two renames (dist -> dist.old, dist.next -> dist): Node has no renameat2(RENAME_EXCHANGE),
// so for the microseconds between them dist/ does not exist. A running server is not disturbed: its
// modules are loaded at start (renaming a folder under open files is fine on Linux), and the web pages
// are read per request, from the new dist/web once swapped. A build interrupted between the renames is
// repaired by the next build (dist.old/ is put back). `--in-place` builds into dist/ directly, as before:
// for `npm test` and development, where nothing runs from dist/ meanwhile.
//
//   node scripts/build.mjs              build into dist.next/ and swap (npm run build, prepare)
//   node scripts/build.mjs --in-place   build into dist/ (npm run build:dev, npm test)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pruneDist } from './prune-dist.mjs';

export const nextOf = (dir) => `${dir}.next`;
export const oldOf = (dir) => `${dir}.old`;
const lockOf = (dir) => `${dir}.lock`;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** One build at a time per folder: `<dir>.lock` holds the builder's pid; a dead builder's lock is taken over. */
function lock(dir) {
  const file = lockOf(dir);
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (pid > 0 && pid !== process.pid && alive(pid)) throw new Error(`another build (pid ${pid}) is running: ${file}`);
      fs.rmSync(file, { force: true });
    }
  }
}

/** What an interrupted build left: dist.old/ without dist/ (stopped between the renames) goes back; the rest goes. */
function recover(dir, log) {
  const old = oldOf(dir);
  if (!fs.existsSync(dir) && fs.existsSync(old)) {
    fs.renameSync(old, dir);
    log(`build: put back ${path.basename(dir)}/ from ${path.basename(old)}/ (a build was interrupted during its swap)`);
  }
  for (const p of [nextOf(dir), old]) fs.rmSync(p, { recursive: true, force: true });
}

/** Replaces `dir` by `next`: the old folder is kept until `next` is in place, then removed. */
export function swap(dir, next) {
  const old = oldOf(dir);
  const had = fs.existsSync(dir);
  if (had) fs.renameSync(dir, old);
  try {
    fs.renameSync(next, dir);
  } catch (err) {
    if (had) fs.renameSync(old, dir);
    throw err;
  }
  if (had) fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Runs `build(next)` on a copy of `dir` (or an empty folder when there is none yet: a fresh clone) and swaps
 * it in if `build` resolves. If it throws, the copy is removed, `dir` is untouched, and the error goes on.
 */
export async function buildAndSwap(dir, build, log = (line) => console.log(line)) {
  const unlock = lock(dir);
  try {
    recover(dir, log);
    const next = nextOf(dir);
    if (fs.existsSync(dir)) {
      // FICLONE: a reflink where the file system has them, else a plain copy. Never hard links: tsc rewrites
      // its outputs in place, which would change the live dist/ through them.
      fs.cpSync(dir, next, { recursive: true, preserveTimestamps: true, mode: fs.constants.COPYFILE_FICLONE });
    } else {
      fs.mkdirSync(next);
    }
    try {
      await build(next);
    } catch (err) {
      fs.rmSync(next, { recursive: true, force: true });
      throw err;
    }
    swap(dir, next);
  } finally {
    unlock();
  }
}

/**
 * A tsconfig at `file` extending `base`, with its output paths (outDir, tsBuildInfoFile) moved from `from`
 * (dist/) to the same place under `to` (dist.next/). Returns its path.
 */
export function movedConfig(base, file, from, to) {
  const options = JSON.parse(fs.readFileSync(base, 'utf8')).compilerOptions ?? {};
  const moved = {};
  for (const key of ['outDir', 'tsBuildInfoFile']) {
    if (typeof options[key] !== 'string') continue;
    const abs = path.resolve(path.dirname(base), options[key]);
    const rel = path.relative(from, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${base}: ${key} is outside ${from}`);
    moved[key] = path.relative(path.dirname(file), path.join(to, rel)) || '.';
  }
  const ext = path.relative(path.dirname(file), base);
  fs.writeFileSync(file, `${JSON.stringify({ extends: ext.startsWith('.') ? ext : `./${ext}`, compilerOptions: moved }, null, 2)}\n`);
  const { atime, mtime } = fs.statSync(base);
  fs.utimesSync(file, atime, mtime);
  return file;
}

function run(root, pkgBin, args) {
  const bin = path.join(root, 'node_modules', '.bin', pkgBin);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${pkgBin} ${args[0]} failed (exit ${r.status ?? r.signal})`);
}

/** Compiles the project at `root` into `out` (dist/ itself, or dist.next/). */
export function compile(root, out) {
  const dist = path.join(root, 'dist');
  const configs = [path.join(root, 'tsconfig.json'), path.join(root, 'web', 'tsconfig.json')];
  pruneDist(root, out);
  const temp = out === dist ? [] : [
    movedConfig(configs[0], path.join(out, 'tsconfig.build.json'), dist, out),
    movedConfig(configs[1], path.join(out, 'tsconfig.build-web.json'), dist, out),
  ];
  try {
    run(root, 'tsc', ['-b', ...(temp.length > 0 ? temp : configs)]);
  } finally {
    for (const f of temp) fs.rmSync(f, { force: true });
  }
  run(root, 'vite', ['build', '--config', path.join(root, 'web', 'vite.config.ts'),
    ...(out === dist ? [] : ['--outDir', path.join(out, 'web')])]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dist = path.join(root, 'dist');
  try {
    if (process.argv.includes('--in-place')) compile(root, dist);
    else await buildAndSwap(dist, (out) => compile(root, out));
  } catch (err) {
    console.error(`build: ${err.message}${process.argv.includes('--in-place') ? '' : '; dist/ is unchanged'}`);
    process.exitCode = 1;
  }
}
