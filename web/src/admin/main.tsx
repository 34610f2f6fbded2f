// The admin page at `/admin` (issue 14): sign-in for global and delegated admins. The device, account
// and policy views are the next slice of the issue; today the page confirms the session and roles.
import { render } from 'preact';
import { SignedIn } from '../components.js';
import { t } from '../strings.js';

render(
  <SignedIn scope="admin">{(s) => (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">{t.adminTitle}</h1>
      <p>{t.adminWelcome}</p>
      <p>{s.account.isGlobalAdmin ? t.globalAdmin : t.delegatedAdmin}</p>
    </section>
  )}</SignedIn>,
  document.getElementById('app')!,
);
