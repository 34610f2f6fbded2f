// The admin page at `/admin` (issue 14), for global and delegated admins: accounts, domains, all
// devices and each device, device policy per domain and account, push settings and active sessions.
// The view is chosen by the URL hash (router.ts); each view is its own module. A delegated admin sees
// his domains only: the server enforces it, the page only leaves out what he may not use.
import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { SessionInfo } from '../api.js';
import { Notice, SignedIn } from '../components.js';
import { ta } from '../strings.js';
import { AccountDetail } from './account-detail.js';
import { Accounts } from './accounts.js';
import { DeviceDetail } from './device-detail.js';
import { Devices } from './devices.js';
import { Domains } from './domains.js';
import { Nav, ViewTitle } from './nav.js';
import { Policy } from './policy.js';
import { Push } from './push.js';
import { useRoute, type Route } from './router.js';
import { Sessions } from './sessions.js';

function View({ route, me }: { route: Route; me: SessionInfo['account'] }) {
  const [section = 'accounts', a, b] = route.path;
  if (section === 'accounts') return a ? <AccountDetail key={a} email={a} me={me} /> : <Accounts route={route} />;
  if (section === 'devices') return a && b ? <DeviceDetail key={`${a}/${b}`} email={a} id={b} /> : <Devices route={route} />;
  if (section === 'domains') return <Domains isGlobalAdmin={me.isGlobalAdmin} />;
  if (section === 'policy') return <Policy level={a === 'account' || a === 'domain' ? a : null} name={b ?? ''} />;
  if (section === 'push') return <Push />;
  if (section === 'sessions') return <Sessions />;
  return (
    <section aria-labelledby="view-title">
      <ViewTitle text={ta.notFound} />
      <Notice kind="error">{ta.noSuchView}</Notice>
    </section>
  );
}

function Admin({ session }: { session: SessionInfo }) {
  const route = useRoute();
  const where = route.path.join('/');
  const first = useRef(true);
  // A new view moves focus to its heading, so keyboard and screen-reader users start there (a change of
  // search or page within a view keeps focus where it is).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('view-title')?.focus();
  }, [where]);
  return (
    <div class="admin">
      <Nav current={route.path[0] ?? 'accounts'} isGlobalAdmin={session.account.isGlobalAdmin} />
      <div class="view"><View route={route} me={session.account} /></div>
    </div>
  );
}

render(<SignedIn scope="admin">{(s) => <Admin session={s} />}</SignedIn>, document.getElementById('app')!);
