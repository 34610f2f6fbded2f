// `carbonio backup create|verify|restore` (issue 17 part 1).
// create:  a server-side operation, as in Carbonio: the server copies its own live SQLite store with the
//          online backup API into CARBONIO_BACKUP_DIR (POST /api/admin/backup) and this command draws its
//          progress (pages done / total) by polling. Server-side because only the server's connection can
//          copy without restarting under writes, and the file is written by the server's user (0600).
// verify:  local and read-only: opens the file, SQLite's integrity check, schema version, counts.
// restore: local, server stopped: the store named by CARBONIO_DATA_DIR / CARBONIO_DB_URL is replaced
//          atomically; a non-empty store only with `force true` (it is kept as <store>.<time>.bak).
// verify and restore load src/backup-local.ts (the store's backup files) only when run, as `serve` loads the
// server: every other command stays a light HTTP client that never opens the store.
import path from 'node:path';
import type { BackupReport } from '../backup-local.js';
import { parseBool, positional } from './args.js';
import { seg, type AdminClient } from './client.js';
import { defineCommand, type Command, type CommandIo } from './command.js';
import { joinLines, scalarText } from './format.js';
import { objectField, type JsonObject } from './json.js';

const POLL_MS = 200;

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? scalarText(v) : '-');

/** The progress line: redrawn in place on a terminal, else one line per tenth so a log stays short. */
function progressPrinter(io: CommandIo): { update(done: number, total: number): void; end(): void } {
  let lastTenth = -1;
  let drawn = false;
  return {
    update(done, total) {
      if (total === 0) return;
      const pct = Math.floor((done / total) * 100);
      const line = `backup: ${done}/${total} pages (${pct}%)`;
      if (io.stderrIsTTY) {
        io.stderr(`\r\x1b[2K${line}`);
        drawn = true;
      } else if (Math.floor(pct / 10) > lastTenth) {
        lastTenth = Math.floor(pct / 10);
        io.stderr(`${line}\n`);
      }
    },
    end() {
      if (drawn) io.stderr('\n');
    },
  };
}

async function createBackup(api: AdminClient, file: string, io: CommandIo): Promise<JsonObject> {
  // A bare name goes inside the server's CARBONIO_BACKUP_DIR; a path is the server's, not this machine's.
  let job = objectField(await api.call('POST', '/backup', { file }), 'backup');
  const progress = progressPrinter(io);
  try {
    for (;;) {
      progress.update(num(job.pagesDone), num(job.pagesTotal));
      if (job.state !== 'running') break;
      await new Promise((r) => setTimeout(r, POLL_MS));
      job = objectField(await api.call('GET', `/backup/${seg(text(job.id))}`), 'backup');
    }
  } finally {
    progress.end();
  }
  if (job.state !== 'done') throw new Error(`backup to ${text(job.file)} failed: ${text(job.error)}`);
  return job;
}

function reportLines(r: BackupReport): string[] {
  const c = r.counts;
  return [
    `    integrity ${r.integrity.join('; ')}`,
    `    schema ${r.schema.backup ?? '-'} (${r.schema.status}; this version: ${r.schema.code})`,
    `    bytes ${r.bytes}`,
    `    pages ${r.pages}`,
    ...Object.entries(c).map(([k, v]) => `    ${k} ${v}`),
  ];
}

export const backupCommands: readonly Command[] = [
  defineCommand('backup', {
    name: 'create', positionals: ['file'],
    summary: 'online copy of the whole SQLite store (mail included) by the running server, into CARBONIO_BACKUP_DIR (a name, or an absolute path inside it)',
  }, async (api, a, _usage, io) => {
    const job = await createBackup(api, positional(a, 'file'), io);
    return {
      json: { backup: job },
      text: joinLines([`backup ${text(job.file)}`, `    pages ${text(job.pagesTotal)}`, `    bytes ${text(job.bytes)}`, `    started ${text(job.started)}`, `    finished ${text(job.finished)}`]),
    };
  }),

  defineCommand('backup', {
    name: 'verify', positionals: ['file'],
    summary: "check a backup file on this machine, read-only: SQLite's integrity check, schema version, counts",
  }, async (_api, a) => {
    const { isHealthy, verifyBackup } = await import('../backup-local.js');
    const r = await verifyBackup(path.resolve(positional(a, 'file')));
    if (!isHealthy(r)) {
      const why = r.schema.status === 'newer' ? `made by a newer version (schema ${r.schema.backup ?? '?'}, this one knows up to ${r.schema.code})` : `integrity check: ${r.integrity.join('; ')}`;
      throw new Error(`${r.file} failed verification: ${why}`);
    }
    return { json: { backup: r }, text: joinLines([`backup ${r.file}`, ...reportLines(r)]) };
  }),

  defineCommand('backup', {
    name: 'restore', positionals: ['file'], keys: [{ name: 'force', value: 'true|false' }],
    summary: 'replace the store of CARBONIO_DATA_DIR with a backup, server stopped (force true: replace a non-empty store, kept as .bak)',
  }, async (_api, a, usage, io) => {
    const force = parseBool(a.options.get('force') ?? 'false', 'force', usage);
    const { restoreIntoConfiguredStore } = await import('../backup-local.js');
    const r = await restoreIntoConfiguredStore(io.env, path.resolve(positional(a, 'file')), force);
    return {
      json: { restore: { store: r.store, previous: r.previous, ms: r.ms, backup: r.report } },
      text: joinLines([
        `restored ${r.report.file} into ${r.store}`,
        ...(r.previous ? [`    previous store kept as ${r.previous}`] : []),
        ...reportLines(r.report),
        'start the server now (carbonio serve); phones continue with their SyncKeys',
      ]),
    };
  }),
];
