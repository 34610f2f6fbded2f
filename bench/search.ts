// EAS Search (Store Mailbox) and Find (16.1, MailBoxSearchCriterion) over 100,000 messages of one account:
// median and p99 ms per query, over HTTP with real WBXML (the whole path: parse, full-text index, count,
// render 10 results: Search with bodies, Find with its summary properties), and Find's ratio to Search.
// Queries mix a rare word (a handful of hits), a common word (a third of the mailbox), two words, and
// a prefix. SQLite always; PostgreSQL too when CARBONIO_TEST_PG_URL is set. BENCH_SEARCH_COUNT overrides
// the mailbox size; BENCH_SEARCH_ONLY one backend.
import pg from 'pg';
import { startTestApp } from '../test/helpers/app.js';
import { easRequest } from '../test/helpers/eas-client.js';
import { child, el, intOf, ns } from '../src/eas/wbxml/index.js';
import { parseMessage } from '../src/mail/parse.js';
import { percentile, printMeasured, report } from './lib.js';

const s = ns('Search');
const f = ns('Find');
const COUNT = Number(process.env.BENCH_SEARCH_COUNT ?? 100_000);
const QUERIES = 200;
const BATCH = 2_000;

// A vocabulary with a long tail: word i appears with probability ~ 1/(i+1).
const VOCAB = Array.from({ length: 5_000 }, (_, i) => `w${i.toString(36)}x${(i * 7919 % 1000).toString(36)}`);
function words(rand: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(VOCAB[Math.min(VOCAB.length - 1, Math.floor(1 / (rand() + 1e-4)) - 1)]!);
  return out.join(' ');
}

function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
}

async function run(backend: 'sqlite' | 'postgres'): Promise<void> {
  const app = await startTestApp({ postgres: backend === 'postgres' });
  try {
    const account = await app.directory.createAccount({ email: 'user@example.com', password: 'bench-password-1' });
    const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
    const rand = rng(42);
    const loadStart = performance.now();
    for (let done = 0; done < COUNT; done += BATCH) {
      const batch: Array<{ raw: Buffer; parsed: Awaited<ReturnType<typeof parseMessage>> }> = [];
      for (let i = done; i < Math.min(COUNT, done + BATCH); i++) {
        const raw = Buffer.from([
          `From: Sender ${i % 300} <s${i % 300}@example.net>`, 'To: user@example.com', `Subject: ${words(rand, 5)} report ${i}`,
          `Message-ID: <m${i}@example.net>`, 'Date: Tue, 24 Nov 2026 10:00:00 +0000', 'Content-Type: text/plain; charset=utf-8', '',
          `${words(rand, 150)}${i % 3 === 0 ? ' quarterly' : ''}${i % 20_000 === 7 ? ' zanzibar' : ''}`, '',
        ].join('\r\n'));
        batch.push({ raw, parsed: await parseMessage(raw) });
      }
      await app.store.transaction(async (tx) => {
        for (const [j, m] of batch.entries()) await tx.mailbox.addMessage(account.id, inbox.id, { raw: m.raw, meta: m.parsed.meta, text: m.parsed.text, receivedAt: 1_700_000_000_000 + done + j });
      });
    }
    console.log(`${backend}: ${COUNT} messages stored and indexed in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
    if (app.config.db.kind === 'postgres') {
      // A bulk load outruns autovacuum: measure with the statistics a live server has, as after ANALYZE.
      const client = new pg.Client({ connectionString: app.config.db.url });
      await client.connect();
      await client.query('ANALYZE');
      await client.end();
    }

    const queries = ['zanzibar', 'quarterly', 'quarterly report', 'zanzi', VOCAB[3]!, `${VOCAB[10]!} ${VOCAB[40]!}`, 'sender 17', VOCAB[2000]!];
    const search = (q: string) => easRequest(app, {
      cmd: 'Search', user: account.email, password: 'bench-password-1', deviceId: 'bench', version: '14.1',
      body: s('Search', s('Store', s('Name', 'Mailbox'), s('Query', s('And', s('FreeText', q))),
        s('Options', s('Range', '0-9'), el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1), el('AirSyncBase:TruncationSize', 512))))),
    });
    const totals: Record<string, number> = {};
    for (const q of queries) totals[q] = intOf(child(child((await search(q)).root!, 'Search:Response'), 'Search:Store'), 'Search:Total') ?? -1;
    console.log(`${backend}: hits per query ${JSON.stringify(totals)}`);
    const find = (q: string) => easRequest(app, {
      cmd: 'Find', user: account.email, password: 'bench-password-1', deviceId: 'bench', version: '16.1',
      body: f('Find', f('SearchId', '0b0e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4'), f('ExecuteSearch', f('MailBoxSearchCriterion',
        f('Query', el('AirSync:Class', 'Email'), f('FreeText', q)), f('Options', f('Range', '0-9'))))),
    });
    for (const q of queries) {
      const total = intOf(child((await find(q)).root!, 'Find:Response'), 'Find:Total') ?? -1;
      if (total !== totals[q]) throw new Error(`Find and Search disagree on "${q}": ${total} vs ${totals[q]}`);
    }
    const measure = async (run: (q: string) => Promise<{ status: number }>): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < QUERIES; i++) {
        const q = queries[i % queries.length]!;
        const t = performance.now();
        const r = await run(q);
        times.push(performance.now() - t);
        if (r.status !== 200) throw new Error(`query failed: ${r.status}`);
      }
      return times.sort((a, b) => a - b);
    };
    const searchTimes = await measure(search);
    const findTimes = await measure(find);
    report(`search ${COUNT / 1000}k ${backend} median`, percentile(searchTimes, 50), 'ms');
    report(`search ${COUNT / 1000}k ${backend} p99`, percentile(searchTimes, 99), 'ms');
    report(`find ${COUNT / 1000}k ${backend} median`, percentile(findTimes, 50), 'ms');
    report(`find ${COUNT / 1000}k ${backend} p99`, percentile(findTimes, 99), 'ms');
    console.log(`find/search ${backend}: median ${(percentile(findTimes, 50) / percentile(searchTimes, 50)).toFixed(2)}x, p99 ${(percentile(findTimes, 99) / percentile(searchTimes, 99)).toFixed(2)}x`);
  } finally {
    await app.stop();
  }
}

// BENCH_SEARCH_ONLY=sqlite|postgres runs one backend (the PostgreSQL load alone takes minutes).
const only = process.env.BENCH_SEARCH_ONLY;
if (only !== 'postgres') await run('sqlite');
if (process.env.CARBONIO_TEST_PG_URL && only !== 'sqlite') await run('postgres');
printMeasured();
