// Benchmark of the WBXML codec (WBXML 1.3 / MS-ASWBXML): decode and encode throughput on a 1 MiB Sync
// response and on a stream of 10,000 small requests, side by side with libwbxml's wbxml2xml on the
// same bytes. Run: node dist/bench/wbxml.js. MB = 10^6 bytes. Prints ratios to bench/baselines.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decode, encode, ns, toXml } from '../src/eas/wbxml/index.js';
import type { WbxmlElement } from '../src/eas/wbxml/index.js';

const as = ns('AirSync');
const asb = ns('AirSyncBase');
const em = ns('Email');
const fh = ns('FolderHierarchy');
const pg = ns('Ping');

const emailItem = (i: number): WbxmlElement =>
  as('Add', as('ServerId', `5:${1000 + i}`), as('ApplicationData',
    em('To', '"Alice Example" <alice@example.org>'), em('Cc', '"Carol" <carol@example.org>'),
    em('From', `"Sender ${i}" <sender${i}@example.net>`), em('Subject', `Re: project status update #${i} – näïve café`),
    em('DateReceived', '2024-05-01T08:30:00.000Z'), em('DisplayTo', 'Alice Example'), em('ThreadTopic', 'project status update'),
    em('Importance', 1), em('Read', i % 2), asb('Body', asb('Type', 2), asb('EstimatedDataSize', 2048), asb('Truncated', 0),
      asb('Data', `<html><body><p>${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(36)}</p></body></html>`.slice(0, 2048))),
    em('MessageClass', 'IPM.Note'), em('InternetCPID', '65001'),
    em('Flag', em('Status', 2), em('FlagType', 'Flag for follow up')), em('ContentClass', 'urn:content-classes:message'),
    asb('NativeBodyType', 2), ns('Email2')('ConversationId', new Uint8Array(16).fill(i & 0xff))));

/** A Sync response of about 1 MiB: enough e-mail items with a 2 KB HTML body each. */
const syncResponse1MiB = (): WbxmlElement => {
  const items: WbxmlElement[] = [];
  const doc = (): WbxmlElement => as('Sync', as('Collections', as('Collection', as('SyncKey', '{8a3f2c1e-0001}2'),
    as('CollectionId', '5'), as('Status', 1), as('Commands', ...items), as('MoreAvailable'))));
  while (encode(doc()).length < 1024 * 1024) for (let k = 0; k < 25; k++) items.push(emailItem(items.length));
  return doc();
};

const smallRequests = (count: number): Buffer[] => {
  const kinds = [
    (i: number) => pg('Ping', pg('HeartbeatInterval', 480 + (i % 60)), pg('Folders',
      pg('Folder', pg('Id', '5'), pg('Class', 'Email')), pg('Folder', pg('Id', '9'), pg('Class', 'Calendar')))),
    (i: number) => as('Sync', as('Collections',
      as('Collection', as('SyncKey', `${1000 + i}`), as('CollectionId', '5'), as('GetChanges'), as('WindowSize', 50),
        as('Options', as('FilterType', 3), asb('BodyPreference', asb('Type', 2), asb('TruncationSize', 32768)))),
      as('Collection', as('SyncKey', `${2000 + i}`), as('CollectionId', '9'), as('Commands',
        as('Change', as('ServerId', `9:${i}`), as('ApplicationData', em('Read', 1))))))),
    (i: number) => fh('FolderSync', fh('SyncKey', `${i}`)),
  ];
  return Array.from({ length: count }, (_, i) => encode((kinds[i % kinds.length] ?? kinds[0])!(i)));
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/** Median seconds of fn over runs after warm-up runs. */
const time = (fn: () => void, runs: number, warmup = 3): number => {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push((performance.now() - t0) / 1000);
  }
  return median(t);
};

const mbps = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

export const main = (): Record<string, number> => {
  const figures: Record<string, number> = {};
  const report = (metric: string, value: number, unit: string): void => {
    figures[metric] = Number(value.toPrecision(4));
    console.log(`${metric}: ${fmt(value)} ${unit}`);
  };

  const big = syncResponse1MiB();
  const bigBytes = encode(big);
  const items = JSON.stringify(toXml(big, { indent: '' })).split('<Add>').length - 1;
  console.log(`1MiB Sync response: ${bigBytes.length} bytes, ${items} e-mail items`);
  report('wbxml decode 1MiB sync', mbps(bigBytes.length, time(() => decode(bigBytes), 30)), 'MB/s');
  report('wbxml encode 1MiB sync', mbps(bigBytes.length, time(() => encode(big), 30)), 'MB/s');
  const decodeXmlS = time(() => toXml(decode(bigBytes), { indent: '' }), 15);
  report('wbxml decode+toXml 1MiB sync', mbps(bigBytes.length, decodeXmlS), 'MB/s');

  const small = smallRequests(10_000);
  const smallTotal = small.reduce((n, b) => n + b.length, 0);
  const trees = small.map((b) => decode(b));
  const decSmall = time(() => { for (const b of small) decode(b); }, 15);
  const encSmall = time(() => { for (const t of trees) encode(t); }, 15);
  console.log(`small requests: ${small.length}, ${smallTotal} bytes, ${(smallTotal / small.length).toFixed(0)} bytes each`);
  report('wbxml decode small requests', mbps(smallTotal, decSmall), 'MB/s');
  report('wbxml decode small requests rate', small.length / decSmall, 'requests/s');
  report('wbxml encode small requests', mbps(smallTotal, encSmall), 'MB/s');
  report('wbxml encode small requests rate', small.length / encSmall, 'requests/s');

  compareWithLibwbxml(bigBytes, small, decodeXmlS, decSmall / small.length, report);
  printBaselines(figures);
  return figures;
};

const compareWithLibwbxml = (
  bigBytes: Buffer, small: Buffer[], oursDecodeXmlS: number, oursPerSmallS: number,
  report: (metric: string, value: number, unit: string) => void,
): void => {
  if (spawnSync('wbxml2xml', ['-h'], { timeout: 5000 }).error) {
    console.log('wbxml2xml: not found, comparison skipped (apt-get install libwbxml2-utils)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'wbxml-bench-'));
  try {
    const bigFile = join(dir, 'big.wbxml');
    const tinyFile = join(dir, 'tiny.wbxml');
    writeFileSync(bigFile, bigBytes);
    writeFileSync(tinyFile, small[2] ?? bigBytes);
    const once = (file: string): void => {
      const r = spawnSync('wbxml2xml', ['-l', 'ACTIVESYNC', '-m', '0', '-o', join(dir, 'out.xml'), file], { timeout: 60_000 });
      if (r.status !== 0) throw new Error(`wbxml2xml failed: ${String(r.stderr)}`);
    };
    const perRun = time(() => once(bigFile), 9, 2);
    const startOnly = time(() => once(tinyFile), 9, 2);
    // A shell loop: process start without Node's spawn overhead in the measurement.
    const loops = 20;
    const t0 = performance.now();
    const loop = spawnSync('sh', ['-c', `i=0; while [ $i -lt ${loops} ]; do wbxml2xml -l ACTIVESYNC -m 0 -o "$1" "$2" >/dev/null 2>&1 || exit 1; i=$((i+1)); done`,
      'sh', join(dir, 'out.xml'), bigFile], { timeout: 120_000 });
    const loopPerRun = (performance.now() - t0) / 1000 / loops;
    if (loop.status !== 0) throw new Error('wbxml2xml loop failed');
    const libMBps = mbps(bigBytes.length, perRun);
    const libNetMBps = mbps(bigBytes.length, Math.max(perRun - startOnly, 1e-6));
    report('wbxml2xml 1MiB sync, per process', libMBps, 'MB/s');
    report('wbxml2xml 1MiB sync, shell loop', mbps(bigBytes.length, loopPerRun), 'MB/s');
    report('wbxml2xml 1MiB sync, minus process start', libNetMBps, 'MB/s');
    report('wbxml2xml process start', startOnly * 1000, 'ms');
    const ours = mbps(bigBytes.length, oursDecodeXmlS);
    console.log(`ratio ours decode+toXml / wbxml2xml (per process): ${fmt(ours / libMBps)}x`);
    console.log(`ratio ours decode+toXml / wbxml2xml (minus process start): ${fmt(ours / libNetMBps)}x`);
    console.log(`ratio small request: wbxml2xml ${fmt(startOnly * 1e6)} us per request vs ours ${fmt(oursPerSmallS * 1e6)} us: ${fmt(startOnly / oursPerSmallS)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const printBaselines = (figures: Record<string, number>): void => {
  // dist/bench/wbxml.js -> bench/baselines.json in the source tree.
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'baselines.json');
  if (existsSync(file)) {
    const base = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const [metric, value] of Object.entries(figures)) {
      const b = base[metric];
      if (typeof b === 'number' && b > 0) console.log(`ratio to baseline, ${metric}: ${(value / b).toFixed(2)}`);
    }
  } else {
    console.log('no bench/baselines.json: no ratio to baseline');
  }
  console.log('suggested baselines.json entries:');
  console.log(JSON.stringify(figures, null, 2));
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
