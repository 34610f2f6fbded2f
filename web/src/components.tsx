// Pieces both pages share: the sign-in form, the page frame, confirmation dialogs and notices.
// Native elements first (form, button, dialog) for keyboard and screen-reader behaviour for free.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, message, session, useSessionHandlers, type Scope, type SessionInfo } from './api.js';
import { t } from './strings.js';

export function Notice({ kind, children }: { kind: 'error' | 'info' | 'ok'; children: ComponentChildren }) {
  return <p class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>{children}</p>;
}

function LoginForm({ scope, onSignedIn }: { scope: Scope; onSignedIn: (s: SessionInfo) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await session.login(scope, email, password));
    } catch (e) {
      setError(message(e));
      setPassword('');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>{scope === 'admin' ? t.adminTitle : t.passwordsTitle}</h1>
      <form onSubmit={(ev) => void submit(ev)} aria-describedby="login-hint">
        <p id="login-hint">{scope === 'admin' ? t.adminSignInHint : t.userSignInHint}</p>
        <label for="login-email">{t.email}</label>
        <input id="login-email" name="email" type="email" autocomplete="username" required value={email}
          onInput={(e) => setEmail(e.currentTarget.value)} />
        <label for="login-password">{t.password}</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required value={password}
          onInput={(e) => setPassword(e.currentTarget.value)} />
        {error && <Notice kind="error">{error}</Notice>}
        <button type="submit" class="primary" disabled={busy}>{busy ? t.signingIn : t.signIn}</button>
      </form>
    </main>
  );
}

/** Restores the session (if the cookie is still good) or shows the sign-in form; then the page. */
export function SignedIn({ scope, children }: { scope: Scope; children: (s: SessionInfo) => ComponentChildren }) {
  const [state, setState] = useState<{ kind: 'loading' } | { kind: 'out' } | { kind: 'in'; session: SessionInfo }>({ kind: 'loading' });
  const signedIn = (s: SessionInfo) => {
    useSessionHandlers(s.csrfToken, () => setState({ kind: 'out' }));
    setState({ kind: 'in', session: s });
  };
  useEffect(() => {
    session.current(scope).then(signedIn, () => setState({ kind: 'out' }));
  }, [scope]);
  if (state.kind === 'loading') return <p class="loading" role="status">{t.loading}</p>;
  if (state.kind === 'out') return <LoginForm scope={scope} onSignedIn={signedIn} />;
  const signOut = async () => {
    try {
      await session.logout(scope);
    } finally {
      setState({ kind: 'out' });
    }
  };
  return (
    <>
      <header class="bar">
        <span class="brand">{t.product}</span>
        <span class="who">{t.signedInAs(state.session.account.email)}</span>
        <button type="button" onClick={() => void signOut()}>{t.signOut}</button>
      </header>
      <main>{children(state.session)}</main>
    </>
  );
}

/** A modal question with a confirm and a cancel button; resolves with the answer. */
export function Confirm({ text, confirmLabel, danger, onAnswer }: { text: string; confirmLabel: string; danger?: boolean; onAnswer: (yes: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-text" onCancel={() => onAnswer(false)}>
      <p id="confirm-text">{text}</p>
      <div class="actions">
        <button type="button" onClick={() => onAnswer(false)}>{t.cancel}</button>
        <button type="button" class={danger ? 'danger' : 'primary'} onClick={() => onAnswer(true)}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}

/** Runs an action with a busy flag and an error in words. */
export function useAction(): { busy: boolean; error: string | null; run: (fn: () => Promise<void>) => Promise<void>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return {
    busy,
    error,
    clear: () => setError(null),
    run: async (fn) => {
      setBusy(true);
      setError(null);
      try {
        await fn();
      } catch (e) {
        setError(message(e));
      } finally {
        setBusy(false);
      }
    },
  };
}

/** A list read from the API at first render (with the rest of the answer), its error in words, and a way to read it again. */
export function useList<T>(path: string, key: string): { list: T[] | null; answer: Record<string, unknown> | null; loadError: string | null; load: () => Promise<void> } {
  const [answer, setAnswer] = useState<Record<string, unknown> | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const load = async () => {
    setLoadError(null);
    try {
      setAnswer(await api<Record<string, unknown>>('GET', path));
    } catch (e) {
      setLoadError(message(e));
    }
  };
  useEffect(() => void load(), [path]);
  const list = answer ? ((answer[key] as T[] | undefined) ?? []) : null;
  return { list, answer, loadError, load };
}
