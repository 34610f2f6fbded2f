// Push settings (global admin only): how held Ping / Sync requests wait and wake, as `carbonio config
// set global` changes them. Each shows its value, default and allowed values; the server checks them.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Notice, useAction, useList } from '../components.js';
import { t, ta } from '../strings.js';
import { ViewTitle } from './nav.js';
import type { PushSetting } from './types.js';

function PushRow({ s, onSaved }: { s: PushSetting; onSaved: () => Promise<void> }) {
  const [value, setValue] = useState(String(s.value));
  const [ok, setOk] = useState(false);
  const action = useAction();
  useEffect(() => setValue(String(s.value)), [s.value]);
  const id = `push-${s.key}`;
  const save = (ev: Event) => {
    ev.preventDefault();
    setOk(false);
    void action.run(async () => {
      await api('PUT', '/api/admin/config/global', { key: s.key, value });
      await onSaved();
      setOk(true);
    });
  };
  return (
    <form class="setting" onSubmit={save} data-setting={s.key}>
      <label for={id}>{s.key}</label>
      <small id={`${id}-hint`}>{s.description}. {ta.allowedDefault(s.allowed, String(s.default))}</small>
      <div class="inline">
        {typeof s.default === 'boolean' ? (
          <select id={id} value={value} aria-describedby={`${id}-hint`} onChange={(e) => setValue(e.currentTarget.value)}>
            <option value="true">{ta.true}</option>
            <option value="false">{ta.false}</option>
          </select>
        ) : (
          <input id={id} inputMode="numeric" value={value} aria-describedby={`${id}-hint`} onInput={(e) => setValue(e.currentTarget.value)} />
        )}
        <button type="submit" disabled={action.busy || value === String(s.value)} aria-label={ta.saveSetting(s.key)}>{ta.save}</button>
      </div>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {ok && <Notice kind="ok">{ta.settingSaved(s.key)}</Notice>}
    </form>
  );
}

export function Push() {
  const { list, loadError, load } = useList<PushSetting>('/api/admin/config/global', 'settings');
  return (
    <section aria-labelledby="view-title">
      <ViewTitle text={ta.pushTitle} />
      <p>{ta.pushIntro}</p>
      {loadError && <Notice kind="error">{loadError} <button type="button" onClick={() => void load()}>{t.retry}</button></Notice>}
      {!list && !loadError && <p role="status">{t.loading}</p>}
      {list?.map((s) => <PushRow key={s.key} s={s} onSaved={load} />)}
    </section>
  );
}
