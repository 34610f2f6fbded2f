// What may be done to one device, on both pages: resync (reset), suspend / resume, remove, wipe /
// cancel a wipe. `base` is the device's URL in the API (/api/self/devices/ID for the user's own,
// /api/admin/accounts/EMAIL/devices/ID for an admin): both APIs share the action routes.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { Confirm } from './components.js';
import { t } from './strings.js';
import { WipeDialog } from './wipe-dialog.js';

export interface ActionDevice {
  id: string;
  type: string;
  model: string | null;
  protocol: string;
  status: number;
}

export type DeviceAct = 'reset' | 'remove' | 'suspend' | 'resume' | 'wipe' | 'cancelWipe';
type Confirmed = 'reset' | 'remove' | 'suspend';

const confirmText: Record<Confirmed, (id: string) => string> = { reset: t.resyncConfirm, remove: t.removeConfirm, suspend: t.suspendConfirm };
const confirmLabel: Record<Confirmed, string> = { reset: t.resync, remove: t.remove, suspend: t.suspend };

interface Props {
  base: string;
  device: ActionDevice;
  /** The page's action runner (components.tsx useAction): one busy flag and one error line for the view. */
  action: { busy: boolean; run: (fn: () => Promise<void>) => Promise<void> };
  /** Called after a change the server accepted, to read the device again (or leave a removed one). */
  onDone: (act: DeviceAct) => Promise<void> | void;
}

export function DeviceActions({ base, device: d, action, onDone }: Props) {
  const [pending, setPending] = useState<Confirmed | null>(null);
  const [wiping, setWiping] = useState(false);
  const name = d.model ?? d.id;

  const act = (what: DeviceAct, fn: () => Promise<unknown>) => void action.run(async () => {
    await fn();
    await onDone(what);
  });
  const run = (what: Confirmed | 'resume') => act(what, () => (what === 'remove' ? api('DELETE', base) : api('POST', `${base}/${what}`)));

  return (
    <>
      <button type="button" disabled={action.busy} onClick={() => setPending('reset')} aria-label={`${t.resync} ${name}`}>{t.resync}</button>
      {d.status === 2
        ? <button type="button" disabled={action.busy} onClick={() => run('resume')} aria-label={`${t.resume} ${name}`}>{t.resume}</button>
        : <button type="button" disabled={action.busy || d.status >= 3} onClick={() => setPending('suspend')} aria-label={`${t.suspend} ${name}`}>{t.suspend}</button>}
      <button type="button" class="danger" disabled={action.busy} onClick={() => setPending('remove')} aria-label={`${t.remove} ${name}`}>{t.remove}</button>
      {d.status === 3
        ? <button type="button" disabled={action.busy} onClick={() => act('cancelWipe', () => api('DELETE', `${base}/wipe`))} aria-label={`${t.cancelWipe} ${name}`}>{t.cancelWipe}</button>
        : <button type="button" class="danger" disabled={action.busy || d.status === 4} onClick={() => setWiping(true)} aria-label={`${t.wipe} ${name}`}>{t.wipe}</button>}
      {wiping && (
        <WipeDialog name={name} accountOnlyPossible={d.protocol === '16.1'} onAnswer={(choice) => {
          setWiping(false);
          if (choice) act('wipe', () => api('POST', `${base}/wipe`, { confirm: true, accountOnly: choice.accountOnly }));
        }} />
      )}
      {pending && (
        <Confirm text={confirmText[pending](d.id)} confirmLabel={confirmLabel[pending]} danger={pending === 'remove'} onAnswer={(yes) => {
          const p = pending;
          setPending(null);
          if (yes) run(p);
        }} />
      )}
    </>
  );
}
