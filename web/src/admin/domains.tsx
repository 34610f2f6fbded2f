// Domains: the ones the admin manages (a delegated admin: his own), each leading to its accounts and
// its device policy; a global admin also creates and deletes them.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Confirm, Notice, useAction, useList } from '../components.js';
import { t, ta, when } from '../strings.js';
import { ViewTitle } from './nav.js';
import { href } from './router.js';
import type { Domain } from './types.js';

export function Domains({ isGlobalAdmin }: { isGlobalAdmin: boolean }) {
  const { list, loadError, load } = useList<Domain>('/api/admin/domains', 'domains');
  const [name, setName] = useState('');
  const [confirm, setConfirm] = useState<Domain | null>(null);
  const action = useAction();
  const create = (ev: Event) => {
    ev.preventDefault();
    void action.run(async () => {
      await api('POST', '/api/admin/domains', { name: name.trim() });
      setName('');
      await load();
    });
  };
  const remove = (d: Domain) => void action.run(async () => {
    await api('DELETE', `/api/admin/domains/${encodeURIComponent(d.name)}`);
    await load();
  });
  return (
    <section aria-labelledby="view-title">
      <ViewTitle text={ta.domainsTitle} />
      {loadError && <Notice kind="error">{loadError} <button type="button" onClick={() => void load()}>{t.retry}</button></Notice>}
      {!list && !loadError && <p role="status">{t.loading}</p>}
      {list && list.length === 0 && <p>{ta.noDomains}</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table aria-label={ta.domainsTitle}>
            <thead><tr><th scope="col">{ta.domain}</th><th scope="col">{t.colCreated}</th><th scope="col">{t.colActions}</th></tr></thead>
            <tbody>
              {list.map((d) => (
                <tr key={d.id} data-domain={d.name}>
                  <th scope="row">{d.name}</th>
                  <td data-label={t.colCreated}>{when(d.createdAt)}</td>
                  <td class="row-actions">
                    <a class="button" href={href(['accounts'], { domain: d.name })} aria-label={ta.accountsOf(d.name)}>{ta.navAccounts}</a>
                    <a class="button" href={href(['policy', 'domain', d.name])} aria-label={ta.policyOf(d.name)}>{ta.navPolicy}</a>
                    {isGlobalAdmin && <button type="button" class="danger" disabled={action.busy} onClick={() => setConfirm(d)} aria-label={`${t.delete} ${d.name}`}>{t.delete}</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {isGlobalAdmin && (
        <form class="create" onSubmit={create}>
          <label for="domain-name">{ta.newDomain}</label>
          <input id="domain-name" required autocomplete="off" placeholder="example.com" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={action.busy}>{ta.createDomain}</button>
        </form>
      )}
      {confirm && (
        <Confirm text={ta.deleteDomainConfirm(confirm.name)} confirmLabel={t.delete} danger onAnswer={(yes) => {
          const d = confirm;
          setConfirm(null);
          if (yes) remove(d);
        }} />
      )}
    </section>
  );
}
