// `npm test` runs the suite as two shards, each one Node process that imports a share of the test
// files and runs them one after another, instead of one process per file: loading the server's modules
// (fastify, kysely, mailparser...) and warming V8 up cost about 1.5 s of CPU per process, which over
// 70 files was a third of the suite's CPU on a 2-core machine. Node 20 has no --test-isolation=none,
// hence this. Two shards, one per core, beside ESLint: measured on the 2-core machine, the tests and
// lint took 129 s with two shards, 144 s with three, 163 s with four (more processes than cores spend
// CPU on contention: 199, 234 and 290 s of CPU). With 1,191 tests (IMAP, POP3 and their real clients spend
// most of their time waiting on sockets and child processes) three shards beside lint took 174 s against
// 201 s for two, so there are three now. A single file still runs alone as before:
// `node --test dist/test/<name>.test.js`.
//
// The files are dealt to the shards longest first (each to the shard with the least work so far), by
// the rough wall time each took alone; a file not in the table counts as DEFAULT_SECONDS. The deal
// depends only on the file names, so a failure reproduces with the same shard.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Seconds each file took alone on the 2-core machine (rounded; only the order of magnitude matters). */
const SECONDS: Record<string, number> = {
  'imap-server': 15, 'imap-pg': 8, 'imap-polish': 6, 'imap-protocol-reader': 1, 'imap-protocol-parser': 2, 'imap-protocol-writer': 1,
  'imap-protocol-clients': 2, 'imap-fetch-bodystructure': 2, 'imap-fetch-envelope': 1, 'imap-fetch-section': 2, 'imap-fetch-imapflow': 2,
  'web-admin': 25, 'auth-lockout': 18, 'eas-sync': 5, 'web-console': 7, serve: 10, 'mailbox-transfer': 5, 'eas-find': 6,
  'smtp-submission': 9, 'eas-ping': 10, 'eas-calendar': 12, 'smtp-inbound': 11, 'cli-prov-roles': 11, tls: 10,
  'push-config': 10, 'eas-contacts-fileas': 10, 'cli-auth': 10, 'multi-node': 9, 'eas-settings-oof': 9,
  'eas-estimate': 9, 'eas-contacts': 9, 'cli-prov': 9, 'eas-search': 8, 'eas-autodiscover': 8, 'web-session': 7,
  metrics: 7, 'mailbox-contacts-reimport': 7, 'eas-tasks': 7, 'eas-email-flags': 7, 'pim-ical': 4,
  'eas-itemops-schema': 4, 'wbxml-fuzz': 3, 'mail-parse': 3, 'lint-layers': 3, 'bus-pg': 3, 'store-migration': 2,
  'pim-timezone': 2, 'eas-email-class': 2, 'wbxml-tree': 1, 'wbxml-codec': 1, 'pim-recurrence': 1, 'cli-format': 1,
  'wbxml-libwbxml': 1, 'pim-vcard': 1, 'build-swap': 1, 'json-keys': 3, 'bench-sync-scan': 1,
  pop3: 14, access: 2, 'pop3-output': 1, 'imap-interop': 10, 'pop3-interop': 5,
  openapi: 7,
  'mail-import': 5,
  startup: 6,
  'cli-anywhere': 7,
  'simulate-state': 4,
  backup: 8,
  'eas-sendmail-large': 10,
  'abq-multi-node': 11,
  'eas-filters': 11,
  'eas-account-logger-nodes': 13,
  'mobile-simulate-sync': 6,
  'eas-antidos': 17,
  'body-cut': 1,
};
const DEFAULT_SECONDS = 6;

/** The test files of `dir` (compiled), dealt to `count` shards: the list for each shard. */
export function deal(dir: string, count: number): string[][] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort();
  const weight = (f: string) => SECONDS[f.slice(0, -'.test.js'.length)] ?? DEFAULT_SECONDS;
  const shards = Array.from({ length: count }, () => ({ files: [] as string[], seconds: 0 }));
  for (const f of [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
    const lightest = shards.reduce((m, s) => (s.seconds < m.seconds ? s : m));
    lightest.files.push(path.join(dir, f));
    lightest.seconds += weight(f);
  }
  return shards.map((s) => s.files);
}

/**
 * Imports this shard's test files; node:test then runs their tests in this process. `entry` is the
 * shard file's import.meta.url: its name says which shard it is, `shard-<i>-of-<n>.js`.
 */
export async function runShard(entry: string): Promise<void> {
  const file = fileURLToPath(entry);
  const m = /^shard-(\d+)-of-(\d+)\.js$/.exec(path.basename(file));
  if (!m) throw new Error(`a shard file is named shard-<i>-of-<n>.js, not ${path.basename(file)}`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  const mine = deal(path.resolve(path.dirname(file), '..'), count)[index - 1] ?? [];
  for (const f of mine) await import(pathToFileURL(f).href);
}
