// One device's SyncState per folder: how much of each folder the phone holds, when it last synced,
// and the items the sync loop's safety net held back (`attentionNeeded`). Both pages show it: the user
// page loads it on demand (SyncDetails), the admin page has it in the device's verbose view (SyncTable).
import { useEffect, useState } from 'preact/hooks';
import { api, message } from './api.js';
import { Notice } from './components.js';
import { t, when } from './strings.js';

export interface Progress {
  collectionId: string;
  folder: string | null;
  syncKey?: number | null;
  progress: string | null;
  lastSync: string;
  attentionNeeded?: string[];
}

export function SyncTable({ rows, label, showKey = false }: { rows: Progress[]; label: string; showKey?: boolean }) {
  if (rows.length === 0) return <p>{t.noSyncYet}</p>;
  const held = rows.some((r) => (r.attentionNeeded?.length ?? 0) > 0);
  return (
    <div class="table-wrap">
      <table class="details" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">{t.colFolder}</th>
            {showKey && <th scope="col">{t.colSyncKey}</th>}
            <th scope="col">{t.colProgress}</th>
            <th scope="col">{t.colLastSync}</th>
            {held && <th scope="col">{t.colAttention}</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.collectionId} data-collection={r.collectionId}>
              <th scope="row">{r.folder ?? r.collectionId}</th>
              {showKey && <td data-label={t.colSyncKey}>{r.syncKey ?? '—'}</td>}
              <td data-label={t.colProgress}>{r.progress ?? '—'}</td>
              <td data-label={t.colLastSync}>{when(r.lastSync)}</td>
              {held && (
                <td data-label={t.colAttention}>
                  {(r.attentionNeeded?.length ?? 0) > 0 ? <span class="warn">{t.attentionItems(r.attentionNeeded ?? [])}</span> : '—'}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Loads and shows the SyncState of one of the signed-in user's own devices. */
export function SyncDetails({ deviceId }: { deviceId: string }) {
  const [rows, setRows] = useState<Progress[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ sync: Progress[] }>('GET', `/api/self/devices/${encodeURIComponent(deviceId)}?verbose=true`)
      .then((r) => setRows(r.sync), (e: unknown) => setError(message(e)));
  }, [deviceId]);
  if (error) return <Notice kind="error">{error}</Notice>;
  if (!rows) return <p role="status">{t.loading}</p>;
  return <SyncTable rows={rows} label={`${t.details}: ${deviceId}`} />;
}
