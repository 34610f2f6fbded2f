// The backends the store contract runs on: SQLite always, PostgreSQL when CARBONIO_TEST_PG_URL is set.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqlStore } from '../../src/store/sql/sql-store.js';
import { createTempPgDatabase, pgUrl } from './pg.js';

export interface Backend {
  name: 'sqlite' | 'postgres';
  open: () => Promise<{ store: SqlStore; cleanup: () => Promise<void> }>;
}

export const backends: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-store-'));
      const store = await SqlStore.open({ kind: 'sqlite', file: path.join(dir, 'db.sqlite') });
      return { store, cleanup: async () => { await store.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
    },
  },
  ...(pgUrl
    ? [{
        name: 'postgres' as const,
        async open() {
          const db = await createTempPgDatabase();
          const store = await SqlStore.open({ kind: 'postgres', url: db.url });
          return { store, cleanup: async () => { await store.close(); await db.drop(); } };
        },
      }]
    : []),
];
