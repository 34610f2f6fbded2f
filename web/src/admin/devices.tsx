// All devices across the admin's domains (getAllDevices): search by account, device id, type or model
// (debounced), sortable columns, 50 a page, so 10,000 devices stay usable. Each row leads to the
// device's own view (device-detail.tsx). The state is in the URL: reload and back/forward keep it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, message } from '../api.js';
import { Notice } from '../components.js';
import { t, ta, when } from '../strings.js';
import { apiPath, queryParams, readQuery, SORTS, type DeviceQuery, type Sort } from './device-query.js';
import { ViewTitle } from './nav.js';
import { Pager, SortHeader, type Order } from './pager.js';
import { go, href, type Route } from './router.js';
import type { Device, DevicePage } from './types.js';

const DEBOUNCE_MS = 250;
const COLUMNS: ReadonlyArray<[Sort, string]> = [
  ['id', t.colDevice], ['account', ta.colAccount], ['type', ta.colType], ['model', ta.colModel], ['os', t.colOs],
  ['status', t.colStatus], ['lastSeen', t.colLastSeen], ['firstSeen', t.colFirstSeen],
];
const sortLabel = (s: Sort): string => COLUMNS.find(([c]) => c === s)?.[1] ?? s;

export const deviceHref = (d: Device): string => href(['devices', d.account ?? '', d.id]);

export function Devices({ route }: { route: Route }) {
  const s = readQuery(route.query);
  const to = (patch: Partial<DeviceQuery>) => href(['devices'], queryParams({ ...s, ...patch }));
  const [text, setText] = useState(s.q);
  const [result, setResult] = useState<{ devices: Device[]; total: number; offset: number; scope: string[] | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const path = apiPath(s);

  // The box follows the URL (back/forward), and the URL follows the box once typing pauses.
  // (Only when they differ beyond spaces: the box must not eat the space just typed before the next word.)
  useEffect(() => {
    if (text.trim() !== s.q) setText(s.q);
  }, [s.q]);
  useEffect(() => {
    if (text.trim() === s.q) return undefined;
    const timer = setTimeout(() => go(to({ q: text.trim(), page: 1 }), true), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const load = async () => {
    const mine = ++seq.current;
    setLoading(true);
    setError(null);
    try {
      const answer = await api<DevicePage>('GET', path);
      // An answer to an older search that arrives late must not replace the newer one.
      if (mine === seq.current) setResult({ devices: answer.devices, total: answer.total, offset: answer.offset, scope: answer.domains });
    } catch (e) {
      if (mine === seq.current) setError(message(e));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  };
  useEffect(() => void load(), [path]);

  return (
    <section aria-labelledby="view-title">
      <ViewTitle text={ta.devicesTitle} />
      {result?.scope && <p>{ta.scopeDomains(result.scope)}</p>}
      <form class="toolbar" role="search" onSubmit={(ev) => {
        ev.preventDefault();
        go(to({ q: text.trim(), page: 1 }), true);
      }}>
        <div>
          <label for="device-search">{ta.searchDevices}</label>
          <input id="device-search" type="search" value={text} aria-describedby="device-search-hint" autocomplete="off"
            onInput={(e) => setText(e.currentTarget.value)} />
          <small id="device-search-hint">{ta.searchDevicesHint}</small>
        </div>
        {/* Phones hide the table's header row: sorting is offered here instead. */}
        <div class="narrow-only">
          <label for="device-sort">{ta.sortBy}</label>
          <select id="device-sort" value={`${s.sort}:${s.order}`} onChange={(e) => {
            const [sort, order] = e.currentTarget.value.split(':') as [Sort, Order];
            go(to({ sort, order, page: 1 }));
          }}>
            {SORTS.flatMap((c) => (['asc', 'desc'] as const).map((o) => <option key={`${c}:${o}`} value={`${c}:${o}`}>{ta.sortOption(sortLabel(c), o)}</option>))}
          </select>
        </div>
      </form>
      {error && <Notice kind="error">{error} <button type="button" onClick={() => void load()}>{t.retry}</button></Notice>}
      {loading && <p role="status" class="busy">{t.loading}</p>}
      {result && result.total === 0 && !loading && <p>{s.q ? ta.noDeviceMatches(s.q) : ta.noDevicesAtAll}</p>}
      {result && result.total > 0 && (
        <>
          <div class="table-wrap">
            <table aria-label={ta.devicesTitle} aria-busy={loading}>
              <thead>
                <tr>{COLUMNS.map(([c, label]) => <SortHeader key={c} col={c} label={label} sort={s.sort} order={s.order} hrefFor={(sort, order) => to({ sort: sort as Sort, order, page: 1 })} />)}</tr>
              </thead>
              <tbody>
                {result.devices.map((d) => (
                  <tr key={`${d.account ?? ''}/${d.id}`} data-device={d.id}>
                    <th scope="row"><a href={deviceHref(d)}>{d.id}</a></th>
                    <td data-label={ta.colAccount}><a href={href(['accounts', d.account ?? ''])}>{d.account}</a></td>
                    <td data-label={ta.colType}>{d.type}</td>
                    <td data-label={ta.colModel}>{d.model ?? '—'}</td>
                    <td data-label={t.colOs}>{d.os ?? '—'}</td>
                    <td data-label={t.colStatus}>{ta.deviceStatus[d.status] ?? d.statusMeaning}</td>
                    <td data-label={t.colLastSeen}>{when(d.lastUsedDate)}</td>
                    <td data-label={t.colFirstSeen}>{when(d.firstReqReceived)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={result.offset} shown={result.devices.length} total={result.total} page={s.page} hrefFor={(page) => to({ page })} />
        </>
      )}
    </section>
  );
}
