// An account's administrator roles (global admin only may change them): global administrator, and
// delegated administrator of some domains (who then sees and acts on those domains only).
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Notice, useAction, useList } from '../components.js';
import { ta } from '../strings.js';
import type { Account, Domain } from './types.js';

export function AccountRoles({ account: a, self, onChanged }: { account: Account; self: boolean; onChanged: (a: Account) => void }) {
  const domains = useList<Domain>('/api/admin/domains', 'domains');
  const [grant, setGrant] = useState('');
  const action = useAction();
  const base = `/api/admin/accounts/${encodeURIComponent(a.email)}`;
  const call = (method: 'PUT' | 'DELETE', path: string, body?: unknown) => void action.run(async () => {
    onChanged((await api<{ account: Account }>(method, `${base}${path}`, body)).account);
  });
  const grantable = (domains.list ?? []).filter((d) => !a.delegatedDomains.includes(d.name));
  return (
    <section aria-labelledby="roles-title">
      <h2 id="roles-title">{ta.rolesTitle}</h2>
      <label class="radio">
        <input type="checkbox" checked={a.isGlobalAdmin} disabled={action.busy || (self && a.isGlobalAdmin)}
          onChange={(e) => call('PUT', '/global-admin', { value: e.currentTarget.checked })} />
        {ta.roleGlobal}
      </label>
      <h3>{ta.delegatedDomains}</h3>
      {a.delegatedDomains.length === 0 ? <p>{ta.noDelegation}</p> : (
        <ul class="plain">
          {a.delegatedDomains.map((d) => (
            <li key={d}>{d} <button type="button" disabled={action.busy} onClick={() => call('DELETE', `/delegated-domains/${encodeURIComponent(d)}`)} aria-label={ta.revokeDomain(d)}>{ta.revoke}</button></li>
          ))}
        </ul>
      )}
      {grantable.length > 0 && (
        <form onSubmit={(ev) => {
          ev.preventDefault();
          const d = grant || grantable[0]?.name;
          if (d) call('PUT', `/delegated-domains/${encodeURIComponent(d)}`);
        }}>
          <label for="grant-domain">{ta.grantDomain}</label>
          <div class="inline">
            <select id="grant-domain" value={grant || grantable[0]?.name} onChange={(e) => setGrant(e.currentTarget.value)}>
              {grantable.map((d) => <option key={d.id} value={d.name}>{d.name}</option>)}
            </select>
            <button type="submit" disabled={action.busy}>{ta.grant}</button>
          </div>
        </form>
      )}
      {domains.loadError && <Notice kind="error">{domains.loadError}</Notice>}
      {action.error && <Notice kind="error">{action.error}</Notice>}
    </section>
  );
}
