// Metrics: the in-process registry renders the Prometheus text format 0.0.4 (escaping, cumulative
// histogram buckets); GET /metrics parses as that format, is open unless CARBONIO_METRICS_TOKEN asks for a
// bearer token, and its figures move with a held Ping: held requests, wake-ups by reason, wake latency,
// ActiveSync requests by command and status.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fastify from 'fastify';
import { Counter, Registry } from '../src/core/metrics.js';
import { DeviceSessions } from '../src/devices/sessions.js';
import { metricsAuthorized, registerMetrics } from '../src/metrics-route.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { el, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { easRequest } from './helpers/eas-client.js';
import { deliver, Phone, plainMail } from './helpers/phone.js';
import { until } from './helpers/wait.js';

interface Sample { name: string; labels: Record<string, string>; value: number }

/** A strict reader of the text format: HELP/TYPE before a family's samples, label syntax, numeric values. */
function parseProm(text: string): { types: Map<string, string>; samples: Sample[] } {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        assert.match(meta[3]!, /^(counter|gauge|histogram|summary|untyped)$/, line);
        assert.ok(!types.has(meta[2]!), `one TYPE for ${meta[2]}`);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest !== '') {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"(,|$)/.exec(rest);
      assert.ok(l, `labels of ${line}`);
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(l[0].length);
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    assert.ok(m[3] === 'NaN' || !Number.isNaN(value), `value of ${line}`);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]!) || types.get(family) === 'histogram', `TYPE declared before ${m[1]}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return { types, samples };
}

const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

describe('metrics registry', () => {
  test('renders counters, gauges and histograms in the text format, labels escaped', () => {
    const r = new Registry();
    const c = r.counter('t_events_total', 'Events\nseen, by kind', ['kind']);
    c.labels('a "quoted"\\ one\n').inc(2);
    c.labels('b').inc();
    c.labels('b').inc(-5);
    r.gauge('t_level', 'A level').labels().set(-1.5);
    const h = r.histogram('t_seconds', 'Durations', [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.labels().observe(v);
    assert.equal(r.render(), [
      '# HELP t_events_total Events\\nseen, by kind', '# TYPE t_events_total counter',
      't_events_total{kind="a \\"quoted\\"\\\\ one\\n"} 2', 't_events_total{kind="b"} 1',
      '# HELP t_level A level', '# TYPE t_level gauge', 't_level -1.5',
      '# HELP t_seconds Durations', '# TYPE t_seconds histogram',
      't_seconds_bucket{le="0.1"} 2', 't_seconds_bucket{le="1"} 3', 't_seconds_bucket{le="+Inf"} 4', 't_seconds_sum 3.65', 't_seconds_count 4', '',
    ].join('\n'));
    const parsed = parseProm(r.render());
    assert.equal(valueOf(parsed.samples, 't_events_total', { kind: 'a "quoted"\\ one\n' }), 2);
    assert.throws(() => r.counter('t_level', 'again'), /registered twice/);
    assert.throws(() => new Counter('bad-name', 'x'), /bad metric name/);
    assert.throws(() => new Counter('ok_total', 'x', ['le']), /bad label name/);
    assert.throws(() => c.labels(), /takes 1 label values/);
  });

  test('CARBONIO_METRICS_TOKEN: open without one, a bearer token required with one', async () => {
    assert.equal(metricsAuthorized(undefined, undefined), true);
    assert.equal(metricsAuthorized('s3cret', undefined), false);
    assert.equal(metricsAuthorized('s3cret', 'Bearer wrong'), false);
    assert.equal(metricsAuthorized('s3cret', 'bearer s3cret'), true);
    const app = fastify();
    registerMetrics(app, { sessions: new DeviceSessions() }, 's3cret');
    try {
      const denied = await app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(denied.statusCode, 401);
      assert.match(String(denied.headers['www-authenticate']), /^Bearer /);
      const r = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer s3cret' } });
      assert.equal(r.statusCode, 200);
      assert.ok(parseProm(r.body).types.has('carbonio_eas_held_requests'));
    } finally {
      await app.close();
    }
  });
});

describe('GET /metrics', () => {
  let app: TestApp;
  const ann = { email: 'ann@example.com', password: 'ann-password-1' };
  let inbox = '';

  const phones = new Map<string, Phone>();
  const req = (deviceId: string, cmd: string, body?: WbxmlElement) =>
    easRequest(app, { cmd, user: ann.email, password: ann.password, deviceId, version: '14.1', ...(body ? { body } : {}) });
  /** A device that has listed its folders and synced its Inbox to the end. */
  const ready = async (deviceId: string) => {
    const phone = await new Phone(app, ann, deviceId).ready(['Inbox']);
    inbox = phone.folder('Inbox');
    phones.set(deviceId, phone);
  };
  const ping = (deviceId: string, heartbeat: number) => phones.get(deviceId)!.ping([inbox], heartbeat);
  const scrape = async () => {
    const res = await fetch(`${app.baseUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    return parseProm(await res.text());
  };

  before(async () => {
    app = await startTestApp();
    await app.directory.createAccount(ann);
    assert.equal((await adminCall(app, 'PUT', '/config/global', { key: 'minPingHeartbeat', value: 1 })).status, 200);
  });
  after(() => app.stop());

  test('parses as the text format, with the declared families and process figures', async () => {
    const { types, samples } = await scrape();
    assert.equal(types.get('carbonio_eas_held_requests'), 'gauge');
    assert.equal(types.get('carbonio_eas_ping_wakeups_total'), 'counter');
    assert.equal(types.get('carbonio_eas_wake_latency_seconds'), 'histogram');
    assert.equal(types.get('carbonio_eas_requests_total'), 'counter');
    assert.ok(valueOf(samples, 'process_resident_memory_bytes') > 1e6);
    assert.ok(valueOf(samples, 'nodejs_heap_size_used_bytes') > 1e5);
    const buckets = samples.filter((s) => s.name === 'carbonio_eas_wake_latency_seconds_bucket');
    assert.ok(buckets.every((b, i) => i === 0 || b.value >= buckets[i - 1]!.value), 'cumulative buckets');
    assert.equal(buckets.at(-1)?.labels.le, '+Inf');
    assert.equal(buckets.at(-1)?.value, valueOf(samples, 'carbonio_eas_wake_latency_seconds_count'));
  });

  test('a held Ping shows in the gauge; its wake-up moves the counters and the latency histogram', async () => {
    await ready('m1');
    const before = (await scrape()).samples;
    const held = ping('m1', 120);
    await phones.get('m1')!.held();
    const during = (await scrape()).samples;
    assert.equal(valueOf(during, 'carbonio_eas_held_requests', { command: 'Ping' }), 1);
    await deliver(app, ann.email, plainMail(ann.email, 'wake'));
    assert.equal((await held).status, 200);
    // The answer may reach us a moment before the server records its figures: wait for them, not a fixed time.
    let afterWake: Sample[] = [];
    await until(async () => {
      afterWake = (await scrape()).samples;
      return valueOf(afterWake, 'carbonio_eas_requests_total', { command: 'Ping', status: '200' }) > valueOf(before, 'carbonio_eas_requests_total', { command: 'Ping', status: '200' });
    }, 'the Ping counted');
    assert.equal(valueOf(afterWake, 'carbonio_eas_held_requests', { command: 'Ping' }), 0);
    const moved = (name: string, labels: Record<string, string> = {}) => valueOf(afterWake, name, labels) - valueOf(before, name, labels);
    assert.equal(moved('carbonio_eas_ping_wakeups_total', { reason: 'change' }), 1);
    assert.equal(moved('carbonio_eas_wake_latency_seconds_count'), 1);
    assert.equal(moved('carbonio_eas_requests_total', { command: 'Ping', status: '200' }), 1);
    // Labelled with the EAS Status in the answer's root too: Ping Status 2, changes.
    assert.equal(moved('carbonio_eas_requests_total', { command: 'Ping', status: '200', eas_status: '2' }), 1);
    assert.ok(valueOf(afterWake, 'carbonio_eas_requests_total', { command: 'FolderSync', status: '200', eas_status: '1' }) >= 1);
    assert.ok(moved('carbonio_eas_requests_total', { command: 'Sync', status: '200' }) === 0);
    assert.ok(valueOf(afterWake, 'carbonio_eas_requests_total', { command: 'FolderSync', status: '200' }) >= 1);

    await ready('m2');
    assert.equal((await ping('m2', 1)).status, 200, 'a Ping that runs out its heartbeat');
    const timeouts = async () => valueOf((await scrape()).samples, 'carbonio_eas_ping_wakeups_total', { reason: 'timeout' }) - valueOf(before, 'carbonio_eas_ping_wakeups_total', { reason: 'timeout' });
    await until(async () => (await timeouts()) >= 1, 'the timeout counted');
    assert.equal(await timeouts(), 1);
  });

  test('requests are labelled by command from the table ("unknown" otherwise), HTTP status and EAS Status', async () => {
    const before = (await scrape()).samples;
    const counted = async (labels: Record<string, string>, n: number) => {
      await until(async () => valueOf((await scrape()).samples, 'carbonio_eas_requests_total', labels) - valueOf(before, 'carbonio_eas_requests_total', labels) === n, JSON.stringify(labels));
    };
    assert.equal((await req('m3', 'Frobnicate')).status, 501);
    await counted({ command: 'unknown', status: '501', eas_status: 'none' }, 1);
    // A body with another root: the command's invalid-request Status (Settings 2).
    assert.equal((await req('m3', 'Settings', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')))).status, 200);
    await counted({ command: 'Settings', status: '200', eas_status: '2' }, 1);
    assert.equal((await easRequest(app, { cmd: 'FolderSync', user: ann.email, password: 'wrong-password', deviceId: 'm3', version: '14.1' })).status, 401);
    await counted({ command: 'unknown', status: '401', eas_status: 'none' }, 1);
  });
});
