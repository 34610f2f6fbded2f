// Active sessions: the requests devices hold open now (Ping, Sync with a wait) on the server process
// that answered, as the old CLI's getActiveSessions listed them. Read again on demand.
import { t, ta, when } from '../strings.js';
import { Notice, useList } from '../components.js';
import { ViewTitle } from './nav.js';
import { href } from './router.js';
import type { HeldSession } from './types.js';

export function Sessions() {
  const { list, answer, loadError, load } = useList<HeldSession>('/api/admin/sessions', 'sessions');
  const server = answer?.server as { hostname?: string; pid?: number } | undefined;
  return (
    <section aria-labelledby="view-title">
      <ViewTitle text={ta.sessionsTitle} />
      <p>{ta.sessionsIntro}{server?.hostname ? ` ${ta.sessionsServer(server.hostname, server.pid ?? 0)}` : ''}</p>
      <button type="button" onClick={() => void load()}>{ta.refresh}</button>
      {loadError && <Notice kind="error">{loadError}</Notice>}
      {!list && !loadError && <p role="status">{t.loading}</p>}
      {list && list.length === 0 && <p>{ta.noSessions}</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table aria-label={ta.sessionsTitle}>
            <thead><tr><th scope="col">{ta.colAccount}</th><th scope="col">{t.colDevice}</th><th scope="col">{ta.colCommand}</th><th scope="col">{ta.colSince}</th><th scope="col">{ta.colHeartbeat}</th><th scope="col">{ta.colEndsBy}</th></tr></thead>
            <tbody>
              {list.map((s) => (
                <tr key={`${s.account}/${s.device}/${s.since}`} data-session={s.device}>
                  <th scope="row"><a href={href(['accounts', s.account])}>{s.account}</a></th>
                  <td data-label={t.colDevice}><a href={href(['devices', s.account, s.device])}>{s.device}</a></td>
                  <td data-label={ta.colCommand}>{s.command}</td>
                  <td data-label={ta.colSince}>{when(s.since)}</td>
                  <td data-label={ta.colHeartbeat}>{s.heartbeat === null ? '—' : ta.seconds(s.heartbeat)}</td>
                  <td data-label={ta.colEndsBy}>{s.endsBy === null ? '—' : when(s.endsBy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
