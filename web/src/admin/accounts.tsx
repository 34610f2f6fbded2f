// Accounts of the admin's domains: filter by domain and by text, 50 a page, and a new account (its
// domain must be one the admin manages: the server says so in words otherwise).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Notice, useAction, useList } from '../components.js';
import { t, ta, when } from '../strings.js';
import { ViewTitle } from './nav.js';
import { Pager } from './pager.js';
import { go, href, type Route } from './router.js';
import type { Account, Domain } from './types.js';

const PAGE = 50;

export const roleOf = (a: Account): string =>
  a.isGlobalAdmin ? ta.roleGlobal : a.delegatedDomains.length > 0 ? ta.delegatedFor(a.delegatedDomains) : ta.roleUser;

function CreateAccount({ domains, onCreated }: { domains: Domain[]; onCreated: (email: string) => void }) {
  const [local, setLocal] = useState('');
  const [domain, setDomain] = useState(domains[0]?.name ?? '');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  useEffect(() => {
    if (!domain && domains[0]) setDomain(domains[0].name);
  }, [domains]);
  const submit = (ev: Event) => {
    ev.preventDefault();
    void action.run(async () => {
      const r = await api<{ account: Account }>('POST', '/api/admin/accounts', { email: `${local.trim()}@${domain}`, password, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) });
      onCreated(r.account.email);
    });
  };
  return (
    <form class="create" onSubmit={submit} aria-labelledby="new-account-title">
      <h2 id="new-account-title">{ta.newAccount}</h2>
      <div class="row">
        <div><label for="acc-local">{ta.userName}</label><input id="acc-local" required autocomplete="off" value={local} onInput={(e) => setLocal(e.currentTarget.value)} /></div>
        <div><label for="acc-domain">{ta.domain}</label>
          <select id="acc-domain" required value={domain} onChange={(e) => setDomain(e.currentTarget.value)}>
            {domains.map((d) => <option key={d.id} value={d.name}>@{d.name}</option>)}
          </select>
        </div>
      </div>
      <label for="acc-name">{ta.displayName}</label>
      <input id="acc-name" autocomplete="off" value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
      <label for="acc-password">{ta.initialPassword}</label>
      <input id="acc-password" type="password" required autocomplete="new-password" value={password} aria-describedby="acc-password-hint" onInput={(e) => setPassword(e.currentTarget.value)} />
      <small id="acc-password-hint">{ta.passwordHint}</small>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      <button type="submit" class="primary" disabled={action.busy || domains.length === 0}>{action.busy ? t.creating : ta.createAccount}</button>
    </form>
  );
}

export function Accounts({ route }: { route: Route }) {
  const domain = route.query.get('domain') ?? '';
  const q = (route.query.get('q') ?? '').trim().toLowerCase();
  const page = Math.max(1, Number(route.query.get('page') ?? '1') || 1);
  const to = (patch: Record<string, string | number | undefined>) => href(['accounts'], { domain, q, page: page > 1 ? page : undefined, ...patch });
  const { list, loadError, load } = useList<Account>(`/api/admin/accounts${domain ? `?domain=${encodeURIComponent(domain)}` : ''}`, 'accounts');
  const domains = useList<Domain>('/api/admin/domains', 'domains');
  const [text, setText] = useState(q);
  useEffect(() => {
    if (text.trim().toLowerCase() !== q) setText(q);
  }, [q]);
  useEffect(() => {
    if (text.trim().toLowerCase() === q) return undefined;
    const timer = setTimeout(() => go(to({ q: text.trim(), page: undefined }), true), 250);
    return () => clearTimeout(timer);
  }, [text]);

  const found = (list ?? []).filter((a) => !q || a.email.includes(q) || a.displayName.toLowerCase().includes(q));
  const offset = (page - 1) * PAGE;
  const shown = found.slice(offset, offset + PAGE);
  return (
    <section aria-labelledby="view-title">
      <ViewTitle text={ta.accountsTitle} />
      <form class="toolbar" role="search" onSubmit={(ev) => ev.preventDefault()}>
        <div>
          <label for="acc-filter-domain">{ta.domain}</label>
          <select id="acc-filter-domain" value={domain} onChange={(e) => go(to({ domain: e.currentTarget.value, page: undefined }))}>
            <option value="">{ta.allDomains}</option>
            {(domains.list ?? []).map((d) => <option key={d.id} value={d.name}>{d.name}</option>)}
          </select>
        </div>
        <div>
          <label for="acc-filter">{ta.searchAccounts}</label>
          <input id="acc-filter" type="search" autocomplete="off" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
      </form>
      {loadError && <Notice kind="error">{loadError} <button type="button" onClick={() => void load()}>{t.retry}</button></Notice>}
      {!list && !loadError && <p role="status">{t.loading}</p>}
      {list && found.length === 0 && <p>{q ? ta.noAccountMatches(q) : ta.noAccounts}</p>}
      {shown.length > 0 && (
        <>
          <div class="table-wrap">
            <table aria-label={ta.accountsTitle}>
              <thead><tr><th scope="col">{ta.colEmail}</th><th scope="col">{ta.displayName}</th><th scope="col">{t.colStatus}</th><th scope="col">{ta.colRole}</th><th scope="col">{t.colCreated}</th></tr></thead>
              <tbody>
                {shown.map((a) => (
                  <tr key={a.id} data-account={a.email}>
                    <th scope="row"><a href={href(['accounts', a.email])}>{a.email}</a></th>
                    <td data-label={ta.displayName}>{a.displayName || '—'}</td>
                    <td data-label={t.colStatus}>{ta.accountStatus[a.status]}</td>
                    <td data-label={ta.colRole}>{roleOf(a)}</td>
                    <td data-label={t.colCreated}>{when(a.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} shown={shown.length} total={found.length} page={page} hrefFor={(p) => to({ page: p })} />
        </>
      )}
      {domains.loadError && <Notice kind="error">{domains.loadError}</Notice>}
      {domains.list && <CreateAccount domains={domains.list} onCreated={(email) => go(href(['accounts', email]))} />}
    </section>
  );
}
