// Device policy (provisioning) of a domain or an account (#/policy/domain/NAME, #/policy/account/EMAIL):
// every setting's effective value and the level it comes from (this account, its domain, or the
// default), changed or removed at the level shown. The server validates values and says what it takes.
import { useEffect, useState } from 'preact/hooks';
import { api, message } from '../api.js';
import { Notice, useAction, useList } from '../components.js';
import { t, ta } from '../strings.js';
import { ViewTitle } from './nav.js';
import { go, href } from './router.js';
import type { Domain, PolicySetting, PolicyView } from './types.js';

type Level = 'domain' | 'account';

function Chooser({ level: initialLevel, name: initialName }: { level: Level; name: string }) {
  const domains = useList<Domain>('/api/admin/domains', 'domains');
  const [level, setLevel] = useState<Level>(initialLevel);
  const [name, setName] = useState(initialName);
  const domainName = level === 'domain' ? name || domains.list?.[0]?.name || '' : name;
  return (
    <form class="toolbar" onSubmit={(ev) => {
      ev.preventDefault();
      if (domainName.trim()) go(href(['policy', level, domainName.trim()]));
    }}>
      <fieldset>
        <legend>{ta.policyLevel}</legend>
        <label class="radio"><input type="radio" name="policy-level" checked={level === 'domain'} onChange={() => { setLevel('domain'); setName(''); }} />{ta.levelDomain}</label>
        <label class="radio"><input type="radio" name="policy-level" checked={level === 'account'} onChange={() => { setLevel('account'); setName(''); }} />{ta.levelAccount}</label>
      </fieldset>
      <div>
        {level === 'domain' ? (
          <>
            <label for="policy-name">{ta.domain}</label>
            <select id="policy-name" value={domainName} onChange={(e) => setName(e.currentTarget.value)}>
              {(domains.list ?? []).map((d) => <option key={d.id} value={d.name}>{d.name}</option>)}
            </select>
          </>
        ) : (
          <>
            <label for="policy-name">{t.email}</label>
            <input id="policy-name" type="email" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </>
        )}
      </div>
      <button type="submit" class="primary">{ta.showPolicy}</button>
    </form>
  );
}

function SettingRow({ s, level, onSave }: { s: PolicySetting; level: Level; onSave: (key: string, value: string | null) => Promise<void> }) {
  const [value, setValue] = useState(s.value ?? '');
  useEffect(() => setValue(s.value ?? ''), [s.value]);
  const here = s.source === level;
  return (
    <tr data-setting={s.key}>
      <th scope="row">{s.key}</th>
      <td data-label={ta.colLevel}>{ta.source[s.source]}</td>
      <td data-label={ta.colValue}>
        <form class="inline" onSubmit={(ev) => {
          ev.preventDefault();
          void onSave(s.key, value);
        }}>
          <input aria-label={ta.valueOf(s.key)} value={value} placeholder={s.value === null ? ta.unset : ''} onInput={(e) => setValue(e.currentTarget.value)} />
          <button type="submit" disabled={value === (s.value ?? '')} aria-label={ta.saveSetting(s.key)}>{ta.save}</button>
          {here && <button type="button" onClick={() => void onSave(s.key, null)} aria-label={ta.removeSetting(s.key)}>{ta.inherit}</button>}
        </form>
      </td>
    </tr>
  );
}

export function Policy({ level, name }: { level: Level | null; name: string }) {
  const [view, setView] = useState<PolicyView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction();
  const base = level ? `/api/admin/provisioning/${level}/${encodeURIComponent(name)}` : null;
  const load = async () => {
    if (!base) return;
    setLoadError(null);
    try {
      setView(await api<PolicyView>('GET', base));
    } catch (e) {
      setLoadError(message(e));
    }
  };
  useEffect(() => {
    setView(null);
    setSaved(null);
    void load();
  }, [base]);
  const save = (key: string, value: string | null) => action.run(async () => {
    setSaved(null);
    if (!base) return;
    await api('PUT', base, { key, value });
    await load();
    setSaved(value === null ? ta.settingRemoved(key) : ta.settingSaved(key));
  });
  return (
    <section aria-labelledby="view-title">
      <ViewTitle text={level ? ta.policyOf(name) : ta.policyTitle} />
      <p>{ta.policyIntro}</p>
      <Chooser key={`${level ?? ''}/${name}`} level={level ?? 'domain'} name={name} />
      {loadError && <Notice kind="error">{loadError}</Notice>}
      {base && !view && !loadError && <p role="status">{t.loading}</p>}
      {view && level && (
        <>
          <Notice kind="info">{view.enforced ? ta.policyEnforced : ta.policyNotEnforced}</Notice>
          {action.error && <Notice kind="error">{action.error}</Notice>}
          {saved && <Notice kind="ok">{saved}</Notice>}
          <div class="table-wrap">
            <table aria-label={ta.policyOf(view.target.name)}>
              <thead><tr><th scope="col">{ta.colSetting}</th><th scope="col">{ta.colLevel}</th><th scope="col">{ta.colValue}</th></tr></thead>
              <tbody>{view.settings.map((s) => <SettingRow key={s.key} s={s} level={level} onSave={save} />)}</tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
