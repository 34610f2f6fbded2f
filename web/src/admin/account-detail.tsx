// One account (#/accounts/EMAIL): its status (active, locked, closed), mobile sync, a new password,
// deletion; its roles (global admin only); its mobile and app passwords, created on the user's behalf
// and shown once (../credentials.tsx); and its devices, each leading to the device's view.
import { useEffect, useState } from 'preact/hooks';
import { api, message } from '../api.js';
import { Confirm, Notice, useAction, useList } from '../components.js';
import { Credentials } from '../credentials.js';
import { t, ta, when } from '../strings.js';
import { AccountRoles } from './account-roles.js';
import { roleOf } from './accounts.js';
import { ViewTitle } from './nav.js';
import { go, href } from './router.js';
import type { Account, AccountStatus, Device } from './types.js';

const STATUSES: readonly AccountStatus[] = ['active', 'locked', 'closed'];

function Manage({ account: a, self, onChanged }: { account: Account; self: boolean; onChanged: (a: Account) => void }) {
  const base = `/api/admin/accounts/${encodeURIComponent(a.email)}`;
  const [status, setStatus] = useState<AccountStatus>(a.status);
  const [password, setPassword] = useState('');
  const [ok, setOk] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const action = useAction();
  useEffect(() => setStatus(a.status), [a.status]);
  const patch = (body: Record<string, unknown>, done: string) => void action.run(async () => {
    setOk(null);
    onChanged((await api<{ account: Account }>('PATCH', base, body)).account);
    setOk(done);
  });
  return (
    <section aria-labelledby="manage-title">
      <h2 id="manage-title">{ta.manageTitle}</h2>
      <form onSubmit={(ev) => {
        ev.preventDefault();
        patch({ status }, ta.statusSaved(ta.accountStatus[status]));
      }}>
        <label for="acc-status">{t.colStatus}</label>
        <div class="inline">
          <select id="acc-status" value={status} disabled={self} aria-describedby="acc-status-hint" onChange={(e) => setStatus(e.currentTarget.value as AccountStatus)}>
            {STATUSES.map((s) => <option key={s} value={s}>{ta.accountStatus[s]}</option>)}
          </select>
          <button type="submit" disabled={action.busy || self || status === a.status}>{ta.saveStatus}</button>
        </div>
        <small id="acc-status-hint">{self ? ta.cannotLockSelf : ta.statusHint}</small>
      </form>
      <label class="radio">
        <input type="checkbox" checked={a.mobileSyncEnabled} disabled={action.busy}
          onChange={(e) => patch({ mobileSyncEnabled: e.currentTarget.checked }, e.currentTarget.checked ? ta.mobileOn : ta.mobileOff)} />
        {ta.mobileSync}
      </label>
      <form onSubmit={(ev) => {
        ev.preventDefault();
        void action.run(async () => {
          setOk(null);
          await api('PUT', `${base}/password`, { password });
          setPassword('');
          setOk(ta.passwordSet);
        });
      }}>
        <label for="acc-new-password">{ta.newAccountPassword}</label>
        <div class="inline">
          <input id="acc-new-password" type="password" required autocomplete="new-password" value={password} aria-describedby="acc-new-password-hint" onInput={(e) => setPassword(e.currentTarget.value)} />
          <button type="submit" disabled={action.busy}>{ta.setPassword}</button>
        </div>
        <small id="acc-new-password-hint">{ta.passwordHint} {ta.passwordSignsOut}</small>
      </form>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {ok && <Notice kind="ok">{ok}</Notice>}
      {!self && (
        <div class="actions">
          <button type="button" class="danger" disabled={action.busy} onClick={() => setConfirmDelete(true)}>{ta.deleteAccount}</button>
        </div>
      )}
      {confirmDelete && (
        <Confirm text={ta.deleteAccountConfirm(a.email)} confirmLabel={ta.deleteAccount} danger onAnswer={(yes) => {
          setConfirmDelete(false);
          if (yes) {
            void action.run(async () => {
              await api('DELETE', base);
              go(href(['accounts']));
            });
          }
        }} />
      )}
    </section>
  );
}

function AccountDevices({ email }: { email: string }) {
  const { list, loadError, load } = useList<Device>(`/api/admin/accounts/${encodeURIComponent(email)}/devices`, 'devices');
  return (
    <section aria-labelledby="acc-devices-title">
      <h2 id="acc-devices-title">{ta.accountDevices}</h2>
      {loadError && <Notice kind="error">{loadError} <button type="button" onClick={() => void load()}>{t.retry}</button></Notice>}
      {!list && !loadError && <p role="status">{t.loading}</p>}
      {list && list.length === 0 && <p>{ta.accountNoDevices}</p>}
      {list && list.length > 0 && (
        <ul class="plain">
          {list.map((d) => (
            <li key={d.id}>
              <a href={href(['devices', email, d.id])}>{d.model ?? d.type} ({d.id})</a> — {ta.deviceStatus[d.status] ?? d.statusMeaning}, {ta.lastContact(when(d.lastUsedDate))}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function AccountDetail({ email, me }: { email: string; me: { email: string; isGlobalAdmin: boolean } }) {
  const [account, setAccount] = useState<Account | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    setAccount(null);
    setLoadError(null);
    api<{ account: Account }>('GET', `/api/admin/accounts/${encodeURIComponent(email)}`).then((r) => setAccount(r.account), (e: unknown) => setLoadError(message(e)));
  }, [email]);
  const self = account?.email === me.email;
  return (
    <>
      <section aria-labelledby="view-title">
        <p class="crumbs"><a href={href(['accounts'])}>{ta.accountsTitle}</a></p>
        <ViewTitle text={email} />
        {loadError && <Notice kind="error">{loadError}</Notice>}
        {!account && !loadError && <p role="status">{t.loading}</p>}
        {account && (
          <dl class="facts">
            <dt>{ta.displayName}</dt><dd>{account.displayName || '—'}</dd>
            <dt>{t.colStatus}</dt><dd data-testid="account-status">{ta.accountStatus[account.status]}</dd>
            <dt>{ta.colRole}</dt><dd>{roleOf(account)}</dd>
            <dt>{ta.mobileSync}</dt><dd>{account.mobileSyncEnabled ? t.yes : t.no}</dd>
            <dt>{t.colCreated}</dt><dd>{when(account.createdAt)}</dd>
            <dt>{ta.navPolicy}</dt><dd><a href={href(['policy', 'account', account.email])}>{ta.policyOf(account.email)}</a></dd>
          </dl>
        )}
      </section>
      {account && (
        <>
          <Manage account={account} self={self} onChanged={setAccount} />
          {me.isGlobalAdmin && <AccountRoles account={account} self={self} onChanged={setAccount} />}
          <Credentials base={`/api/admin/accounts/${encodeURIComponent(account.email)}/credentials`} owner={account.email} />
          <AccountDevices email={account.email} />
        </>
      )}
    </>
  );
}
