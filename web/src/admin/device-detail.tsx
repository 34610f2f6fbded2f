// One device (#/devices/EMAIL/ID): what it told us about itself, its status, the SyncState per folder
// with any items the loop safety net held back (the verbose device view), and the CLI's device
// actions: reset (resync), suspend / resume, remove, wipe / cancel a wipe.
import { useEffect, useState } from 'preact/hooks';
import { api, message } from '../api.js';
import { Notice, useAction } from '../components.js';
import { DeviceActions, type DeviceAct } from '../device-actions.js';
import { t, ta, when } from '../strings.js';
import { SyncTable, type Progress } from '../sync-details.js';
import { ViewTitle } from './nav.js';
import { go, href } from './router.js';
import type { Device } from './types.js';

const doneNotice: Partial<Record<DeviceAct, string>> = {
  reset: ta.resetDone, suspend: ta.suspendDone, resume: ta.resumeDone, wipe: t.wipeRequested, cancelWipe: ta.wipeCancelled,
};

function Facts({ d, email }: { d: Device; email: string }) {
  const rows: Array<[string, string | null]> = [
    [ta.colAccount, email], [ta.colType, d.type], [ta.colModel, d.model], [ta.friendlyName, d.friendly_name], [t.colOs, d.os],
    [ta.osLanguage, d.os_language], [ta.operator, d.operator], [ta.phoneNumber, d.phone_number], [ta.imei, d.imei],
    [ta.protocol, `EAS ${d.protocol}`], [ta.userAgent, d.ua], [ta.policyKey, d.hasPolicyKey ? t.yes : t.no],
    [t.colFirstSeen, when(d.firstReqReceived)], [t.colLastSeen, when(d.lastUsedDate)], [t.colAddress, d.lastAddress],
    [ta.wipeRequestedAt, d.remoteWipeReqTime === null ? null : `${when(d.remoteWipeReqTime)}${d.wipeAccountOnly ? ` (${ta.accountOnly})` : ''}`],
    [ta.wipeDoneAt, d.remoteWipeAckTime === null ? null : when(d.remoteWipeAckTime)],
  ];
  return (
    <dl class="facts">
      {rows.filter(([, v]) => v !== null && v !== '').map(([k, v]) => [<dt key={`${k}-t`}>{k}</dt>, <dd key={`${k}-d`}>{v}</dd>])}
    </dl>
  );
}

export function DeviceDetail({ email, id }: { email: string; id: string }) {
  const base = `/api/admin/accounts/${encodeURIComponent(email)}/devices/${encodeURIComponent(id)}`;
  const [data, setData] = useState<{ device: Device; sync: Progress[] } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();
  const load = async () => {
    setLoadError(null);
    try {
      setData(await api<{ device: Device; sync: Progress[] }>('GET', `${base}?verbose=true`));
    } catch (e) {
      setLoadError(message(e));
    }
  };
  useEffect(() => void load(), [base]);

  const done = async (act: DeviceAct) => {
    if (act === 'remove') {
      // The device is gone: back to the list it was found in.
      go(href(['devices']));
      return;
    }
    setNotice(doneNotice[act] ?? null);
    await load();
  };

  const d = data?.device;
  const held = data?.sync.reduce((n, r) => n + (r.attentionNeeded?.length ?? 0), 0) ?? 0;
  return (
    <section aria-labelledby="view-title">
      <p class="crumbs"><a href={href(['devices'])}>{ta.devicesTitle}</a> › <a href={href(['accounts', email])}>{email}</a></p>
      <ViewTitle text={ta.deviceTitle(d?.model ?? d?.type ?? id, id)} />
      {loadError && <Notice kind="error">{loadError} <button type="button" onClick={() => void load()}>{t.retry}</button></Notice>}
      {!data && !loadError && <p role="status">{t.loading}</p>}
      {d && data && (
        <>
          <p class={`status status-${d.status}`}><strong>{t.colStatus}:</strong> <span data-testid="device-status">{ta.deviceStatus[d.status] ?? d.statusMeaning}</span></p>
          {action.error && <Notice kind="error">{action.error}</Notice>}
          {notice && <Notice kind="ok">{notice}</Notice>}
          <div class="row-actions" role="group" aria-label={ta.deviceActions}>
            <DeviceActions base={base} device={d} action={action} onDone={done} />
          </div>
          <h2>{ta.facts}</h2>
          <Facts d={d} email={email} />
          <h2 id="sync-title">{ta.syncState}</h2>
          {held > 0 && <Notice kind="error">{ta.attentionNeeded(held)}</Notice>}
          <SyncTable rows={data.sync} label={ta.syncState} showKey />
          {d.userAgentHistory.length > 1 && (
            <>
              <h2>{ta.uaHistory}</h2>
              <ul class="plain">{d.userAgentHistory.map((h) => <li key={h.ua}>{h.ua} <small>{ta.since(when(h.firstSeen))}</small></li>)}</ul>
            </>
          )}
        </>
      )}
    </section>
  );
}
