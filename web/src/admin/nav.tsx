// The admin page's frame: the navigation between views (links into the hash router, the current one
// marked for screen readers) and each view's title, which also names the browser tab.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { ta } from '../strings.js';
import { href } from './router.js';

type Item = { section: string; label: string; globalOnly?: boolean };
const ITEMS: readonly Item[] = [
  { section: 'accounts', label: ta.navAccounts },
  { section: 'domains', label: ta.navDomains },
  { section: 'devices', label: ta.navDevices },
  { section: 'policy', label: ta.navPolicy },
  { section: 'push', label: ta.navPush, globalOnly: true },
  { section: 'sessions', label: ta.navSessions },
];

export function Nav({ current, isGlobalAdmin }: { current: string; isGlobalAdmin: boolean }) {
  return (
    <nav class="admin-nav" aria-label={ta.navLabel}>
      <ul>
        {ITEMS.filter((i) => isGlobalAdmin || !i.globalOnly).map((i) => (
          <li key={i.section}>
            <a href={href([i.section])} aria-current={current === i.section ? 'page' : undefined}>{i.label}</a>
          </li>
        ))}
      </ul>
      <p class="role">{isGlobalAdmin ? ta.roleGlobal : ta.roleDelegated}</p>
    </nav>
  );
}

/**
 * The view's heading: focusable (tabIndex -1) so the page can move focus to it when the view changes,
 * and the tab's title, so history entries and screen readers name the view.
 */
export function ViewTitle({ children, text }: { children?: ComponentChildren; text: string }) {
  useEffect(() => {
    document.title = `${text} · ${ta.title}`;
  }, [text]);
  return <h1 id="view-title" tabIndex={-1}>{children ?? text}</h1>;
}
