// "Mobile and app passwords": an account's credentials (never their secrets), a new one shown once
// with a copy button (and a QR code for the mobile apps), and enable / disable / delete. The user page
// shows the signed-in account's own (/api/self/credentials); the admin page an account's, created on
// the user's behalf (/api/admin/accounts/EMAIL/credentials): the same routes and answers under each.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { Confirm, Notice, useAction, useList } from './components.js';
import { t, when } from './strings.js';

interface Credential {
  id: string;
  label: string;
  services: string[];
  enabled: boolean;
  qrcode: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

interface Created {
  credential: Credential;
  text_data: { password: string; user: string };
  qr?: { payload: string; pngDataUrl: string };
}

type Kind = 'mobile' | 'app' | 'qr';
const requestFor: Record<Kind, { services?: string[]; qrcode?: boolean }> = {
  mobile: { services: ['EAS'] },
  app: { services: ['IMAP', 'POP3', 'SMTP'] },
  qr: { qrcode: true },
};

function CreatedPanel({ created, owner, onDone }: { created: Created; owner: string | null; onDone: () => void }) {
  const [copy, setCopy] = useState<'idle' | 'ok' | 'failed'>('idle');
  const doCopy = async () => {
    try {
      await navigator.clipboard.writeText(created.text_data.password);
      setCopy('ok');
    } catch {
      setCopy('failed');
    }
  };
  return (
    <section class="created" aria-labelledby="created-title">
      <h3 id="created-title">{owner === null ? t.createdTitle : t.createdFor(owner)}: {created.credential.label}</h3>
      <Notice kind="info">{t.createdWarning}</Notice>
      <p>{t.forAccount(created.text_data.user)}</p>
      <p class="secret"><code data-testid="new-password">{created.text_data.password}</code></p>
      {created.qr && (
        <figure>
          <img src={created.qr.pngDataUrl} width={220} height={220} alt={t.qrHint} />
          <figcaption>{t.qrHint}</figcaption>
          <details><summary>{t.qrPayload}</summary><code>{created.qr.payload}</code></details>
        </figure>
      )}
      <div class="actions">
        <button type="button" onClick={() => void doCopy()}>{copy === 'ok' ? t.copied : t.copy}</button>
        <button type="button" class="primary" onClick={onDone}>{t.done}</button>
      </div>
      {copy === 'failed' && <Notice kind="error">{t.copyFailed}</Notice>}
    </section>
  );
}

/** `base`: the credentials' URL in the API; `owner`: the account's address when an admin acts for it, null for one's own. */
export function Credentials({ base, owner }: { base: string; owner: string | null }) {
  const { list, loadError, load } = useList<Credential>(base, 'credentials');
  const [label, setLabel] = useState('');
  const [kind, setKind] = useState<Kind>('mobile');
  const [created, setCreated] = useState<Created | null>(null);
  const [confirm, setConfirm] = useState<Credential | null>(null);
  const action = useAction();

  const create = (ev: Event) => {
    ev.preventDefault();
    void action.run(async () => {
      setCreated(await api<Created>('POST', base, { label, ...requestFor[kind] }));
      setLabel('');
      await load();
    });
  };
  const setEnabled = (c: Credential, enabled: boolean) => void action.run(async () => {
    await api('PATCH', `${base}/${encodeURIComponent(c.id)}`, { enabled });
    await load();
  });
  const remove = (c: Credential) => void action.run(async () => {
    await api('DELETE', `${base}/${encodeURIComponent(c.id)}`);
    await load();
  });

  const mobileActive = list?.some((c) => c.enabled && c.services.includes('EAS')) ?? false;
  return (
    <section aria-labelledby="passwords-title">
      <h2 id="passwords-title">{t.passwordsTitle}</h2>
      <p>{owner === null ? t.passwordsIntro : t.passwordsIntroAdmin}</p>
      {list && <Notice kind="info">{owner === null ? (mobileActive ? t.mobilePasswordActive : t.noMobilePassword) : (mobileActive ? t.ownerMobileActive : t.ownerNoMobile)}</Notice>}
      {created ? <CreatedPanel created={created} owner={owner} onDone={() => setCreated(null)} /> : (
        <form class="create" onSubmit={create}>
          <h3>{t.newPassword}</h3>
          <label for="cred-label">{t.label}</label>
          <input id="cred-label" required maxLength={128} value={label} aria-describedby="cred-label-hint" onInput={(e) => setLabel(e.currentTarget.value)} />
          <small id="cred-label-hint">{t.labelHint}</small>
          <fieldset>
            <legend>{t.kind}</legend>
            {(['mobile', 'app', 'qr'] as const).map((k) => (
              <label key={k} class="radio">
                <input type="radio" name="cred-kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
                {k === 'mobile' ? t.kindMobile : k === 'app' ? t.kindApp : t.kindQr}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="primary" disabled={action.busy}>{action.busy ? t.creating : t.create}</button>
        </form>
      )}
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {loadError && <Notice kind="error">{loadError} <button type="button" onClick={() => void load()}>{t.retry}</button></Notice>}
      {!list && !loadError && <p role="status">{t.loading}</p>}
      {list && list.length === 0 && <p>{t.noCredentials}</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr><th scope="col">{t.colLabel}</th><th scope="col">{t.colServices}</th><th scope="col">{t.colStatus}</th><th scope="col">{t.colCreated}</th><th scope="col">{t.colLastUsed}</th><th scope="col">{t.colActions}</th></tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id} data-credential={c.label}>
                  <th scope="row">{c.label || c.id}</th>
                  <td data-label={t.colServices}>{c.services.join(', ')}</td>
                  <td data-label={t.colStatus}>{c.enabled ? t.enabled : t.disabled}</td>
                  <td data-label={t.colCreated}>{when(c.createdAt)}</td>
                  <td data-label={t.colLastUsed}>{when(c.lastUsedAt)}</td>
                  <td class="row-actions">
                    <button type="button" disabled={action.busy} onClick={() => setEnabled(c, !c.enabled)} aria-label={`${c.enabled ? t.disable : t.enable} ${c.label}`}>{c.enabled ? t.disable : t.enable}</button>
                    <button type="button" class="danger" disabled={action.busy} onClick={() => setConfirm(c)} aria-label={`${t.delete} ${c.label}`}>{t.delete}</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirm && (
        <Confirm text={t.deleteConfirm(confirm.label)} confirmLabel={t.delete} danger onAnswer={(yes) => {
          const c = confirm;
          setConfirm(null);
          if (yes) remove(c);
        }} />
      )}
    </section>
  );
}
