// Remote wipe of a lost phone: full or account-only (EAS 16.1), confirmed by typing a word. Both pages
// use it (the user's own phone, an admin's device view).
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from './strings.js';

export function WipeDialog({ name, accountOnlyPossible, onAnswer }: { name: string; accountOnlyPossible: boolean; onAnswer: (choice: { accountOnly: boolean } | null) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [accountOnly, setAccountOnly] = useState(accountOnlyPossible);
  const [typed, setTyped] = useState('');
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const confirmed = typed.trim().toUpperCase() === t.wipeConfirmWord;
  return (
    <dialog ref={ref} aria-labelledby="wipe-title" aria-describedby="wipe-intro" onCancel={() => onAnswer(null)}>
      <form method="dialog" onSubmit={(ev) => {
        ev.preventDefault();
        if (confirmed) onAnswer({ accountOnly });
      }}>
        <h3 id="wipe-title">{t.wipeTitle(name)}</h3>
        <p id="wipe-intro">{t.wipeIntro}</p>
        <fieldset>
          <label class="radio">
            <input type="radio" name="wipe-kind" checked={accountOnly} disabled={!accountOnlyPossible} onChange={() => setAccountOnly(true)} />
            {t.wipeAccountOnly}
          </label>
          {!accountOnlyPossible && <small>{t.wipeAccountOnlyNeeds}</small>}
          <label class="radio">
            <input type="radio" name="wipe-kind" checked={!accountOnly} onChange={() => setAccountOnly(false)} />
            {t.wipeFull}
          </label>
        </fieldset>
        <label for="wipe-confirm">{t.wipeTypeToConfirm}</label>
        <input id="wipe-confirm" autocomplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
        <div class="actions">
          <button type="button" onClick={() => onAnswer(null)}>{t.cancel}</button>
          <button type="submit" class="danger" disabled={!confirmed}>{t.wipeNow}</button>
        </div>
      </form>
    </dialog>
  );
}
