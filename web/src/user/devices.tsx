// "My devices": the phones that synced with this account, and what their owner may do to them.
import { useEffect, useState } from 'preact/hooks';
import { api, message } from '../api.js';
import { Confirm, Notice, useAction } from '../components.js';
import { t, when } from '../strings.js';

interface Device {
  id: string;
  type: string;
  model: string | null;
  os: string | null;
  ua: string;
  protocol: string;
  status: number;
  firstReqReceived: number | null;
  lastUsedDate: string;
  lastAddress: string;
}

type Act = 'reset' | 'remove' | 'suspend' | 'resume';
const confirmText: Record<Exclude<Act, 'resume'>, (id: string) => string> = {
  reset: t.resyncConfirm, remove: t.removeConfirm, suspend: t.suspendConfirm,
};

export function Devices() {
  const [list, setList] = useState<Device[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [pending, setPending] = useState<{ act: Exclude<Act, 'resume'>; device: Device } | null>(null);
  const action = useAction();

  const load = async () => {
    setLoadError(null);
    try {
      setList((await api<{ devices: Device[] }>('GET', '/api/self/devices')).devices);
    } catch (e) {
      setLoadError(message(e));
    }
  };
  useEffect(() => void load(), []);

  const run = (act: Act, d: Device) => void action.run(async () => {
    const id = encodeURIComponent(d.id);
    await (act === 'remove' ? api('DELETE', `/api/self/devices/${id}`) : api('POST', `/api/self/devices/${id}/${act}`));
    await load();
  });

  return (
    <section aria-labelledby="devices-title">
      <h2 id="devices-title">{t.devicesTitle}</h2>
      {action.error && <Notice kind="error">{action.error}</Notice>}
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
              {list.map((d) => (
                <tr key={d.id} data-device={d.id}>
                  <th scope="row">
                    <span class="device-name">{d.model ?? d.type}</span>
                    <small>{d.id} · EAS {d.protocol}</small>
                    <small class="ua">{d.ua}</small>
                  </th>
                  <td data-label={t.colOs}>{d.os ?? '—'}</td>
                  <td data-label={t.colStatus}>{t.status[d.status] ?? String(d.status)}</td>
                  <td data-label={t.colFirstSeen}>{when(d.firstReqReceived)}</td>
                  <td data-label={t.colLastSeen}>{when(d.lastUsedDate)}</td>
                  <td data-label={t.colAddress}>{d.lastAddress}</td>
                  <td class="row-actions">
                    <button type="button" disabled={action.busy} onClick={() => setPending({ act: 'reset', device: d })}>{t.resync}</button>
                    {d.status === 2
                      ? <button type="button" disabled={action.busy} onClick={() => run('resume', d)}>{t.resume}</button>
                      : <button type="button" disabled={action.busy || d.status >= 3} onClick={() => setPending({ act: 'suspend', device: d })}>{t.suspend}</button>}
                    <button type="button" class="danger" disabled={action.busy} onClick={() => setPending({ act: 'remove', device: d })}>{t.remove}</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pending && (
        <Confirm text={confirmText[pending.act](pending.device.id)} confirmLabel={pending.act === 'reset' ? t.resync : pending.act === 'remove' ? t.remove : t.suspend}
          danger={pending.act === 'remove'} onAnswer={(yes) => {
            const p = pending;
            setPending(null);
            if (yes) run(p.act, p.device);
          }} />
      )}
    </section>
  );
}
