// `npm run build` builds into dist.next/ and swaps it with dist/ (issue 17 part 8, scripts/build.mjs). A real
// build is a full compile (tens of seconds of CPU), so these tests drive the swap with a fake build step on a
// temp folder: the old output stays whole until the swap and is gone after it, a failure leaves it as it
// was, an interrupted build is repaired, two builds do not run at once; and the tsconfig the script writes
// for the copy sends tsc's output and build info into it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

// dist/test/build-swap.test.js -> the project root (the script is plain JavaScript, not compiled).
const root = fileURLToPath(new URL('../../', import.meta.url));

interface BuildScript {
  buildAndSwap: (dir: string, build: (next: string) => Promise<void> | void, log?: (line: string) => void) => Promise<void>;
  movedConfig: (base: string, file: string, from: string, to: string) => string;
  nextOf: (dir: string) => string;
  oldOf: (dir: string) => string;
}
const script = (await import(pathToFileURL(path.join(root, 'scripts', 'build.mjs')).href)) as BuildScript;
const { buildAndSwap, nextOf, oldOf } = script;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-build-swap-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
/** A fresh project folder; `files` are written into its dist/ (none: no dist/ yet, as in a fresh clone). */
function project(files?: Record<string, string>): { dir: string; dist: string } {
  const dir = path.join(tmp, `p${++n}`);
  fs.mkdirSync(dir);
  const dist = path.join(dir, 'dist');
  for (const [rel, text] of Object.entries(files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
    fs.writeFileSync(path.join(dist, rel), text);
  }
  return { dir, dist };
}
const read = (p: string): string => fs.readFileSync(p, 'utf8');
/** Nothing but dist/ is left beside it: no dist.next/, dist.old/ or lock. */
const onlyDist = (dir: string): void => assert.deepEqual(fs.readdirSync(dir), ['dist']);
const quiet = (): void => {};

void describe('build swap', () => {
  void it('builds a first dist/ when there is none (a fresh clone)', async () => {
    const { dir, dist } = project();
    await buildAndSwap(dist, (next) => fs.writeFileSync(path.join(next, 'main.js'), 'v1'), quiet);
    assert.equal(read(path.join(dist, 'main.js')), 'v1');
    onlyDist(dir);
  });

  void it('builds on a copy of dist/ (times kept, so tsc -b stays incremental), keeps dist/ whole until the swap, then removes the old one', async () => {
    const { dir, dist } = project({ 'src/main.js': 'v1', 'web/index.html': 'page v1', '.tsbuildinfo': '{}' });
    const then = new Date('2026-01-02T03:04:05Z');
    fs.utimesSync(path.join(dist, '.tsbuildinfo'), then, then);
    const inode = fs.statSync(path.join(dist, 'src/main.js')).ino;
    await buildAndSwap(dist, (next) => {
      assert.equal(next, nextOf(dist));
      assert.equal(fs.statSync(path.join(next, '.tsbuildinfo')).mtime.getTime(), then.getTime());
      assert.equal(read(path.join(next, 'web/index.html')), 'page v1');
      // A copy, not a link: writing the new output leaves the live file alone.
      assert.notEqual(fs.statSync(path.join(next, 'src/main.js')).ino, inode);
      fs.writeFileSync(path.join(next, 'src/main.js'), 'v2');
      fs.rmSync(path.join(next, 'web'), { recursive: true }); // Vite empties its folder first
      // Meanwhile the running installation still has everything.
      assert.equal(read(path.join(dist, 'src/main.js')), 'v1');
      assert.equal(read(path.join(dist, 'web/index.html')), 'page v1');
      fs.mkdirSync(path.join(next, 'web'));
      fs.writeFileSync(path.join(next, 'web/index.html'), 'page v2');
    }, quiet);
    assert.equal(read(path.join(dist, 'src/main.js')), 'v2');
    assert.equal(read(path.join(dist, 'web/index.html')), 'page v2');
    onlyDist(dir);
  });

  void it('a failed build leaves dist/ as it was and removes its copy', async () => {
    const { dir, dist } = project({ 'src/main.js': 'v1' });
    await assert.rejects(buildAndSwap(dist, (next) => {
      fs.writeFileSync(path.join(next, 'src/main.js'), 'half-written');
      throw new Error('tsc -b failed (exit 2)');
    }, quiet), /tsc -b failed/);
    assert.equal(read(path.join(dist, 'src/main.js')), 'v1');
    onlyDist(dir);
  });

  void it('a file open in the old dist/ stays readable after the swap (a running server)', async () => {
    const { dist } = project({ 'src/main.js': 'v1' });
    const fd = fs.openSync(path.join(dist, 'src/main.js'), 'r');
    try {
      await buildAndSwap(dist, (next) => fs.writeFileSync(path.join(next, 'src/main.js'), 'v2'), quiet);
      assert.equal(fs.readFileSync(fd, 'utf8'), 'v1');
      assert.equal(read(path.join(dist, 'src/main.js')), 'v2');
    } finally {
      fs.closeSync(fd);
    }
  });

  void it('repairs a build interrupted between the two renames, and removes what another left', async () => {
    const { dir, dist } = project({ 'src/main.js': 'v1' });
    fs.renameSync(dist, oldOf(dist));
    fs.mkdirSync(nextOf(dist));
    fs.writeFileSync(path.join(nextOf(dist), 'junk'), 'x');
    const lines: string[] = [];
    await buildAndSwap(dist, (next) => {
      assert.equal(read(path.join(next, 'src/main.js')), 'v1');
      assert.equal(fs.existsSync(path.join(next, 'junk')), false);
    }, (line) => lines.push(line));
    assert.match(lines.join('\n'), /put back dist\/ from dist\.old\//);
    assert.equal(read(path.join(dist, 'src/main.js')), 'v1');
    onlyDist(dir);
  });

  void it('refuses to run beside a live build; takes over the lock of a dead one', async () => {
    const { dir, dist } = project({ 'src/main.js': 'v1' });
    const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(`${dist}.lock`, `${live.pid}\n`);
      await assert.rejects(buildAndSwap(dist, () => assert.fail('must not build'), quiet), new RegExp(`another build \\(pid ${live.pid}\\)`));
      assert.equal(read(path.join(dist, 'src/main.js')), 'v1');
    } finally {
      live.kill();
    }
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    fs.writeFileSync(`${dist}.lock`, `${dead}\n`);
    await buildAndSwap(dist, (next) => fs.writeFileSync(path.join(next, 'src/main.js'), 'v2'), quiet);
    assert.equal(read(path.join(dist, 'src/main.js')), 'v2');
    onlyDist(dir);
  });

  void it('the tsconfig written into the copy sends outDir and the build info there, and compiles the same sources', async () => {
    const ts = (await import('typescript')).default;
    const parse = (config: string) => {
      const read = ts.readConfigFile(config, (p) => ts.sys.readFile(p));
      return ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(config), undefined, config);
    };
    const next = path.join(tmp, 'dist.next');
    fs.mkdirSync(next);
    const dist = path.join(root, 'dist');
    const [serverBase, webBase] = [path.join(root, 'tsconfig.json'), path.join(root, 'web', 'tsconfig.json')];
    const server = script.movedConfig(serverBase, path.join(next, 'tsconfig.build.json'), dist, next);
    const web = script.movedConfig(webBase, path.join(next, 'tsconfig.build-web.json'), dist, next);
    // tsc -b rebuilds a project whose config is newer than its build info: the written one has the real one's
    // time (to the millisecond, as tsc compares them).
    assert.equal(fs.statSync(server).mtime.getTime(), fs.statSync(serverBase).mtime.getTime());
    const [s, w] = [parse(server), parse(web)];
    assert.deepEqual([s.errors, w.errors], [[], []]);
    assert.equal(path.resolve(s.options.outDir ?? ''), next);
    assert.equal(path.resolve(s.options.tsBuildInfoFile ?? ''), path.join(next, '.tsbuildinfo'));
    assert.equal(path.resolve(s.options.rootDir ?? ''), path.resolve(root));
    assert.equal(path.resolve(w.options.tsBuildInfoFile ?? ''), path.join(next, '.tsbuildinfo-web'));
    assert.deepEqual(s.fileNames, parse(serverBase).fileNames);
    assert.deepEqual(w.fileNames, parse(webBase).fileNames);
  });
});
