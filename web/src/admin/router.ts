// A tiny hash router for the admin page: the view and its state live in the URL hash
// (#/devices?q=..., #/accounts/joe@x, #/devices/joe@x/ID), so back/forward, reload and links work without
// a router library. A search box updates the hash with `replace` so typing does not flood the history.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The path's segments, decoded: ['devices', 'joe@x', 'ID']. */
  path: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const segments = pathPart.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { path: segments, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

/** '@' stays readable in links (#/accounts/joe@x); everything else a segment cannot hold is escaped. */
const segment = (s: string): string => encodeURIComponent(s).replace(/%40/g, '@');

/** A link to a view: `href(['devices', email, id], {q: 'abc'})`; empty or undefined query values are left out. */
export function href(path: readonly string[], query: Record<string, string | number | undefined> = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `#/${path.map(segment).join('/')}${s ? `?${s}` : ''}`;
}

const listeners = new Set<() => void>();
window.addEventListener('hashchange', () => listeners.forEach((l) => l()));

/** Goes to a view; `replace` changes the current history entry instead of adding one. */
export function go(to: string, replace = false): void {
  if (to === location.hash) return;
  if (!replace) {
    location.hash = to;
    return;
  }
  // replaceState fires no hashchange event: tell the listeners ourselves.
  history.replaceState(history.state, '', to);
  listeners.forEach((l) => l());
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const l = () => setHash(location.hash);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return parseHash(hash);
}
