// The deployment files under deploy/ (issue 17 part 7): the systemd unit passes `systemd-analyze verify`
// and the nginx site passes `nginx -t` when those tools are installed (Debian: systemd, nginx-light);
// always, the env example names only variables the server reads (and every one of them), its values load,
// and the unit, the env file, the nginx site and the README's "Running in production" agree.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { loadConfig } from '../src/config.js';
import { HEARTBEAT_LIMIT } from '../src/devices/push-settings.js';
import { AUTODISCOVER_PATH } from '../src/eas/autodiscover.js';

// dist/test/deploy-files.test.js -> the project root.
const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');
const unitText = read('deploy/carbonio-mobile.service');
const envText = read('deploy/env.example');
const nginxText = read('deploy/nginx-carbonio-mobile.conf');
const readme = read('README.md');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-deploy-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every `NAME=value` line of the env example, commented (`#NAME=value`: an optional setting) or not. */
function envEntries(text: string): { name: string; value: string; active: boolean }[] {
  const out: { name: string; value: string; active: boolean }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(#?)(CARBONIO_[A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out.push({ active: m[1] === '', name: m[2]!, value: m[3]! });
    else if (line.trim() !== '' && !line.startsWith('#')) assert.fail(`env.example: not NAME=value: ${line}`);
  }
  return out;
}

/** The unit's directives: key -> every value it is given (several Environment= lines, for one). */
function unitDirectives(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const d = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (d) m.set(d[1]!, [...(m.get(d[1]!) ?? []), d[2]!]);
  }
  return m;
}

/** The body of the nginx `location` block whose opening line contains `marker`. */
function locationBlock(text: string, marker: string): string {
  const start = text.indexOf(marker);
  assert.ok(start >= 0, `nginx site has no location ${marker}`);
  const open = text.indexOf('{', start);
  return text.slice(open + 1, text.indexOf('}', open));
}

function directive(block: string, name: string): string | undefined {
  return new RegExp(`^\\s*${name}\\s+([^;]+);`, 'm').exec(block)?.[1]?.trim();
}

/** nginx size (`64m`, `16k`, bytes) and time (`3660s`, `61m`) values. */
function nginxBytes(v: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(v);
  assert.ok(m, `not an nginx size: ${v}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}
function nginxSeconds(v: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(v);
  assert.ok(m, `not an nginx time: ${v}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The first of `names` that can be started, or null: the tool is not installed. */
function findTool(names: string[]): string | null {
  for (const n of names) {
    const r = spawnSync(n, ['--help'], { encoding: 'utf8' });
    if (!r.error) return n;
  }
  return null;
}

const env = envEntries(envText);
const active = Object.fromEntries(env.filter((e) => e.active).map((e) => [e.name, e.value]));
const unit = unitDirectives(unitText);
const dataDir = '/var/lib/carbonio-mobile';
const installDir = '/opt/carbonio-mobile';

describe('deploy/env.example', () => {
  test('names only variables src/config.ts reads, and every one of them', () => {
    const known = new Set(read('src/config.ts').match(/CARBONIO_[A-Z0-9_]+/g));
    const named = new Set(env.map((e) => e.name));
    assert.deepEqual([...named].filter((n) => !known.has(n)), [], 'in env.example but not read by the server');
    assert.deepEqual([...known].filter((n) => !named.has(n)), [], 'read by the server but missing from env.example');
    assert.equal(env.length, named.size, 'a variable appears twice in env.example');
  });

  test('its values load, the optional ones included, and fit the unit and the nginx site', () => {
    const c = loadConfig(active);
    assert.equal(c.dataDir, dataDir);
    assert.equal(c.db.kind, 'sqlite');
    assert.equal(c.bindAddress, '127.0.0.1', 'HTTP stays on loopback behind nginx');
    assert.ok(c.trustedProxies.includes('127.0.0.1') && c.trustedProxies.includes('::1'), 'nginx on this host is trusted');
    assert.match(c.publicUrl, /^https:\/\//);
    assert.equal(c.easMaxRequestBytes, loadConfig({}).easMaxRequestBytes, 'the example keeps the default request limit');
    // The commented examples are valid values too (an admin uncomments them as they are).
    const all = loadConfig(Object.fromEntries(env.map((e) => [e.name, e.value])));
    assert.equal(all.db.kind, 'postgres');
    assert.ok(all.tls);
    assert.match(unitText, new RegExp(`^Environment=CARBONIO_DATA_DIR=${dataDir}$`, 'm'));
  });
});

describe('deploy/carbonio-mobile.service', () => {
  const one = (k: string): string | undefined => unit.get(k)?.at(-1);

  test('own user, state directory as data directory, env file, installed path', () => {
    assert.equal(one('User'), 'carbonio-mobile');
    assert.equal(one('StateDirectory'), 'carbonio-mobile');
    assert.equal(path.join('/var/lib', one('StateDirectory')!), dataDir);
    assert.ok(unit.get('Environment')?.includes(`CARBONIO_DATA_DIR=${dataDir}`));
    assert.ok(one('ReadWritePaths')?.split(/\s+/).includes(dataDir));
    assert.equal(one('EnvironmentFile'), '/etc/carbonio-mobile/env');
    assert.equal(one('WorkingDirectory'), installDir);
    const exec = one('ExecStart')!.split(/\s+/);
    assert.equal(exec.length, 2);
    assert.ok(exec[1]!.startsWith(`${installDir}/`));
    // The script the unit starts is the one the build makes (and `npm start` runs).
    const rel = path.relative(installDir, exec[1]!);
    assert.ok(fs.existsSync(path.join(root, rel)), `${rel} is not built in the project`);
    assert.match(read('package.json'), new RegExp(`"start": "node ${rel.replace(/\./g, '\\.')}"`));
  });

  test('restarts, reloads TLS with SIGHUP, waits for the server to stop, many sockets', () => {
    assert.equal(one('Restart'), 'on-failure');
    assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
    assert.match(read('src/serve.ts'), /process\.on\('SIGHUP'/);
    const grace = Number(/SHUTDOWN_GRACE_MS = ([\d_]+)/.exec(read('src/serve.ts'))![1]!.replace(/_/g, '')) / 1000;
    assert.ok(nginxSeconds(one('TimeoutStopSec')!) > grace, 'systemd would kill the server while it drains');
    assert.ok(Number(one('LimitNOFILE')) >= 65536);
  });

  test('hardening', () => {
    for (const k of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices']) assert.equal(one(k), 'yes', k);
    assert.equal(one('ProtectSystem'), 'strict');
    assert.equal(one('CapabilityBoundingSet'), '', 'no capability: the default ports are above 1024');
    assert.equal(unit.has('AmbientCapabilities'), false);
    assert.equal(unit.has('MemoryDenyWriteExecute'), false, "V8's JIT needs it off");
    // Every listener of the example (TLS on) is unprivileged, so the empty bounding set is enough.
    const c = loadConfig({ ...active, CARBONIO_TLS_CERT_FILE: '/c', CARBONIO_TLS_KEY_FILE: '/k' });
    for (const [name, n] of Object.entries({ http: c.httpPort, smtp: c.smtpPort, submission: c.submissionPort, https: c.httpsPort, smtps: c.smtpsPort })) {
      assert.ok(n !== null && n > 1024, `the ${name} port would need CAP_NET_BIND_SERVICE`);
    }
  });

  test('the README section "Running in production" uses the same paths', () => {
    const start = readme.indexOf('\n## Running in production\n');
    assert.ok(start >= 0);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    for (const s of [`ExecStart=${one('ExecStart')!}`, 'User=carbonio-mobile', 'StateDirectory=carbonio-mobile', dataDir, installDir,
      '/etc/carbonio-mobile/env', 'deploy/carbonio-mobile.service', 'deploy/env.example', 'deploy/nginx-carbonio-mobile.conf',
      'CARBONIO_TRUSTED_PROXIES=127.0.0.1,::1', `client_max_body_size ${directive(locationBlock(nginxText, 'Microsoft-Server-ActiveSync'), 'client_max_body_size')!}`,
      `proxy_read_timeout ${directive(locationBlock(nginxText, 'Microsoft-Server-ActiveSync'), 'proxy_read_timeout')!}`, 'journald', 'logrotate']) {
      assert.ok(section.includes(s), `README "Running in production" does not mention ${s}`);
    }
  });

  test('systemd-analyze verify', (t) => {
    const tool = findTool(['systemd-analyze']);
    if (!tool) {
      t.skip('systemd-analyze not installed (Debian package systemd): unit not verified');
      return;
    }
    const verify = (text: string): { status: number | null; warnings: string[] } => {
      const dir = fs.mkdtempSync(path.join(tmp, 'unit-'));
      const file = path.join(dir, 'carbonio-mobile.service');
      // verify checks that ExecStart's program exists: on a machine whose node is elsewhere, use this one.
      fs.writeFileSync(file, fs.existsSync('/usr/bin/node') ? text : text.replace('/usr/bin/node ', `${process.execPath} `));
      const r = spawnSync(tool, ['verify', file], { encoding: 'utf8' });
      const warnings = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('carbonio-mobile.service'));
      return { status: r.status, warnings };
    };
    assert.deepEqual(verify(unitText), { status: 0, warnings: [] });
    // The check can fail: a misspelt directive is reported (systemd would silently ignore it).
    assert.ok(verify(unitText.replace('ProtectSystem=', 'ProtectSystm=')).warnings.some((w) => w.includes('ProtectSystm')));
  });
});

describe('deploy/nginx-carbonio-mobile.conf', () => {
  const eas = locationBlock(nginxText, 'Microsoft-Server-ActiveSync');

  test('ActiveSync location: held requests outlast the largest heartbeat, no buffering, the request limit', () => {
    assert.ok(nginxSeconds(directive(eas, 'proxy_read_timeout')!) > HEARTBEAT_LIMIT + 60, 'nginx would cut held Pings');
    assert.ok(nginxSeconds(directive(eas, 'proxy_send_timeout')!) > HEARTBEAT_LIMIT);
    assert.equal(directive(eas, 'proxy_buffering'), 'off');
    assert.equal(directive(eas, 'proxy_request_buffering'), 'off');
    assert.equal(nginxBytes(directive(eas, 'client_max_body_size')!), Number(active.CARBONIO_EAS_MAX_REQUEST_BYTES));
    assert.equal(Number(active.CARBONIO_EAS_MAX_REQUEST_BYTES), loadConfig({}).easMaxRequestBytes);
  });

  test('locations match the paths the server serves (any case for ActiveSync), upstream is the env file listener', () => {
    const locations = [...nginxText.matchAll(/location\s+~\*\s+(\S+)\s+\{/g)].map((m) => new RegExp(m[1]!, 'i'));
    const matches = (p: string): boolean => locations.some((re) => re.test(p));
    for (const p of ['/Microsoft-Server-ActiveSync', '/microsoft-server-activesync', '/Microsoft-Server-ActiveSync?Cmd=Ping&User=a',
      AUTODISCOVER_PATH, '/Autodiscover/Autodiscover.xml']) assert.ok(matches(p), p);
    assert.ok(/location \/api\/ \{/.test(nginxText) && /location \/ \{/.test(nginxText) && /location = \/metrics \{/.test(nginxText));
    assert.equal(/upstream carbonio_mobile \{[^}]*server ([^;\s]+);/.exec(nginxText)?.[1], `${active.CARBONIO_BIND_ADDRESS}:${active.CARBONIO_HTTP_PORT}`);
    assert.match(nginxText, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    assert.match(nginxText, /proxy_set_header X-Forwarded-Proto \$scheme;/);
    assert.match(nginxText, /listen 443 ssl;/);
  });

  test('nginx -t', async (t) => {
    const tool = findTool(['nginx', '/usr/sbin/nginx']);
    if (!tool) {
      t.skip('nginx not installed (Debian package nginx-light): site not checked');
      return;
    }
    const pem = await generate([{ name: 'commonName', value: 'mail.example.com' }], { keySize: 2048 });
    fs.writeFileSync(path.join(tmp, 'cert.pem'), pem.cert);
    fs.writeFileSync(path.join(tmp, 'key.pem'), pem.private, { mode: 0o600 });
    // nginx -t binds the listen addresses: as non-root 80 and 443 are refused, and a host may have them
    // taken or lack IPv6. Free loopback ports stand in; every other directive is checked as written.
    const [plainPort, tlsPort] = [await freePort(), await freePort()];
    const check = (site: string): { status: number | null; out: string } => {
      const siteFile = path.join(tmp, 'site.conf');
      fs.writeFileSync(siteFile, site
        .replace(/^\s*listen \[::\]:\d+[^;]*;\n/gm, '')
        .replace(/listen 80;/, `listen 127.0.0.1:${plainPort};`)
        .replace(/listen 443 ssl;/, `listen 127.0.0.1:${tlsPort} ssl;`)
        .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${path.join(tmp, 'cert.pem')};`)
        .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${path.join(tmp, 'key.pem')};`));
      // A minimal main configuration, as Debian's nginx.conf includes sites-enabled/* inside http {}.
      const main = path.join(tmp, 'nginx.conf');
      fs.writeFileSync(main, [
        `pid ${path.join(tmp, 'nginx.pid')};`,
        `error_log ${path.join(tmp, 'error.log')};`,
        'events {}',
        `http { access_log off; client_body_temp_path ${path.join(tmp, 'body')}; proxy_temp_path ${path.join(tmp, 'proxy')};`,
        `  include ${siteFile}; }`,
      ].join('\n'));
      assert.ok(fs.readFileSync(siteFile, 'utf8').includes(`listen 127.0.0.1:${tlsPort} ssl;`), 'the TLS listen line was not found');
      const r = spawnSync(tool, ['-t', '-p', tmp, '-e', path.join(tmp, 'error.log'), '-c', main], { encoding: 'utf8' });
      return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const ok = check(nginxText);
    assert.equal(ok.status, 0, ok.out);
    assert.match(ok.out, /test is successful/);
    // The check can fail: a misspelt directive is refused.
    const bad = check(nginxText.replace('proxy_read_timeout 3660s', 'proxy_read_timout 3660s'));
    assert.notEqual(bad.status, 0);
    assert.match(bad.out, /unknown directive "proxy_read_timout"/);
  });
});
