// One device's SyncState per folder: how much of each folder the phone holds, and when it last synced.
import { useEffect, useState } from 'preact/hooks';
import { api, message } from '../api.js';
import { Notice } from '../components.js';
import { t, when } from '../strings.js';

interface Progress {
  collectionId: string;
  folder: string | null;
  progress: string | null;
  lastSync: string;
  attentionNeeded?: boolean;
}

export function SyncDetails({ deviceId }: { deviceId: string }) {
  const [rows, setRows] = useState<Progress[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ sync: Progress[] }>('GET', `/api/self/devices/${encodeURIComponent(deviceId)}?verbose=true`)
      .then((r) => setRows(r.sync), (e: unknown) => setError(message(e)));
  }, [deviceId]);
  if (error) return <Notice kind="error">{error}</Notice>;
  if (!rows) return <p role="status">{t.loading}</p>;
  if (rows.length === 0) return <p>{t.noSyncYet}</p>;
  return (
    <table class="details" aria-label={`${t.details}: ${deviceId}`}>
      <thead><tr><th scope="col">{t.colFolder}</th><th scope="col">{t.colProgress}</th><th scope="col">{t.colLastSync}</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.collectionId}>
            <th scope="row">{r.folder ?? r.collectionId}</th>
            <td data-label={t.colProgress}>{r.progress ?? '—'}</td>
            <td data-label={t.colLastSync}>{when(r.lastSync)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
