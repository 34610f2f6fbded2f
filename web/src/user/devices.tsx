// "My devices": the phones that synced with this account, and what their owner may do to them.
import { useState } from 'preact/hooks';
import type { DeviceSummary } from '../api.js';
import { Notice, useAction, useList } from '../components.js';
import { DeviceActions, type DeviceAct } from '../device-actions.js';
import { t, when } from '../strings.js';
import { SyncDetails } from '../sync-details.js';

type Device = DeviceSummary;

export function Devices() {
  const { list, answer, loadError, load } = useList<Device>('/api/self/devices', 'devices');
  // Without an enforced policy a device that never ran Provision syncs normally: it is not waiting for anything.
  const statusOf = (d: Device): string => (d.status === 0 && answer?.policyEnforced !== true ? t.status[1]! : t.status[d.status] ?? String(d.status));
  const [open, setOpen] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();
  const done = async (act: DeviceAct) => {
    setNotice(act === 'wipe' ? t.wipeRequested : null);
    await load();
  };

  return (
    <section aria-labelledby="devices-title">
      <h2 id="devices-title">{t.devicesTitle}</h2>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {notice && <Notice kind="ok">{notice}</Notice>}
      {loadError && <Notice kind="error">{loadError} <button type="button" onClick={() => void load()}>{t.retry}</button></Notice>}
      {!list && !loadError && <p role="status">{t.loading}</p>}
      {list && list.length === 0 && <p>{t.noDevices}</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr><th scope="col">{t.colDevice}</th><th scope="col">{t.colOs}</th><th scope="col">{t.colStatus}</th><th scope="col">{t.colFirstSeen}</th><th scope="col">{t.colLastSeen}</th><th scope="col">{t.colAddress}</th><th scope="col">{t.colActions}</th></tr>
            </thead>
            <tbody>
              {list.map((d) => [
                <tr key={d.id} data-device={d.id}>
                  <th scope="row">
                    <span class="device-name">{d.model ?? d.type}</span>
                    <small>{d.id} · EAS {d.protocol}</small>
                    <small class="ua">{d.ua}</small>
                  </th>
                  <td data-label={t.colOs}>{d.os ?? '—'}</td>
                  <td data-label={t.colStatus}>{statusOf(d)}</td>
                  <td data-label={t.colFirstSeen}>{when(d.firstReqReceived)}</td>
                  <td data-label={t.colLastSeen}>{when(d.lastUsedDate)}</td>
                  <td data-label={t.colAddress}>{d.lastAddress}</td>
                  <td class="row-actions">
                    <DeviceActions base={`/api/self/devices/${encodeURIComponent(d.id)}`} device={d} action={action} onDone={done} />
                    <button type="button" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>{open === d.id ? t.hideDetails : t.details}</button>
                  </td>
                </tr>,
                open === d.id && (
                  <tr key={`${d.id}-details`} class="details-row">
                    <td colSpan={7}><SyncDetails deviceId={d.id} /></td>
                  </tr>
                ),
              ])}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
