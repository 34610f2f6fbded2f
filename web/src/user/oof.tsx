// Out-of-office: the same setting a phone changes with EAS Settings Oof.
import { useEffect, useState } from 'preact/hooks';
import { api, message } from '../api.js';
import { Notice, useAction } from '../components.js';
import { t } from '../strings.js';

interface Oof {
  state: 0 | 1 | 2;
  start: string | null;
  end: string | null;
  internal: string | null;
  external: string | null;
}

/** ISO (UTC) to the value of a datetime-local input, in the browser's time zone, and back. */
const toLocal = (iso: string | null): string => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocal = (v: string): string | null => (v ? new Date(v).toISOString() : null);

export function OutOfOffice() {
  const [oof, setOof] = useState<Oof | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => {
    api<{ oof: Oof }>('GET', '/api/self/oof').then((r) => setOof(r.oof), (e: unknown) => setLoadError(message(e)));
  }, []);
  if (loadError) return <section><h2>{t.oofTitle}</h2><Notice kind="error">{loadError}</Notice></section>;
  if (!oof) return <section><h2>{t.oofTitle}</h2><p role="status">{t.loading}</p></section>;
  const set = (patch: Partial<Oof>) => {
    setSaved(false);
    setOof({ ...oof, ...patch });
  };
  const save = (ev: Event) => {
    ev.preventDefault();
    void action.run(async () => {
      const body = { state: oof.state, start: oof.start, end: oof.end, internal: oof.internal || null, external: oof.external || null };
      setOof((await api<{ oof: Oof }>('PUT', '/api/self/oof', body)).oof);
      setSaved(true);
    });
  };
  return (
    <section aria-labelledby="oof-title">
      <h2 id="oof-title">{t.oofTitle}</h2>
      <form onSubmit={save}>
        <fieldset>
          <legend class="sr-only">{t.oofTitle}</legend>
          {([[0, t.oofOff], [1, t.oofOn], [2, t.oofScheduled]] as const).map(([v, label]) => (
            <label key={v} class="radio"><input type="radio" name="oof-state" checked={oof.state === v} onChange={() => set({ state: v })} />{label}</label>
          ))}
        </fieldset>
        {oof.state === 2 && (
          <div class="row">
            <div><label for="oof-start">{t.oofStart}</label><input id="oof-start" type="datetime-local" required value={toLocal(oof.start)} onInput={(e) => set({ start: fromLocal(e.currentTarget.value) })} /></div>
            <div><label for="oof-end">{t.oofEnd}</label><input id="oof-end" type="datetime-local" required value={toLocal(oof.end)} onInput={(e) => set({ end: fromLocal(e.currentTarget.value) })} /></div>
          </div>
        )}
        {oof.state !== 0 && (
          <>
            <label for="oof-internal">{t.oofInternal}</label>
            <textarea id="oof-internal" rows={4} value={oof.internal ?? ''} onInput={(e) => set({ internal: e.currentTarget.value })} />
            <label for="oof-external">{t.oofExternal}</label>
            <textarea id="oof-external" rows={4} value={oof.external ?? ''} onInput={(e) => set({ external: e.currentTarget.value })} />
          </>
        )}
        {action.error && <Notice kind="error">{action.error}</Notice>}
        {saved && <Notice kind="ok">{t.oofSaved}</Notice>}
        <button type="submit" class="primary" disabled={action.busy}>{t.oofSave}</button>
      </form>
    </section>
  );
}
