// Many devices at once, for the admin device list's tests and bench (issue 14): `domains` domains,
// `accounts` accounts spread over them, and `devices` devices spread over the accounts, of five kinds
// (iPhone, iPad, Pixel, Samsung, Outlook), some without DeviceInformation (no model, no OS), statuses
// and times varied but deterministic. Accounts and devices are inserted 500 rows a statement in one
// transaction (through the repositories, an account costs 22 statements: 5 ms each on SQLite), the
// devices' search columns computed by the function the repository uses (src/store/sql/device-columns.ts).
// The accounts only hold devices: no folders, and a password hash nothing matches (make one through the
// API to log in with). Returns what it made, so a test can compute the expected answer itself.
import { randomUUID } from 'node:crypto';
import type { Account, DeviceInfo, DeviceSort, DeviceStatus, Store } from '../../src/store/types.js';
import { deviceSearchColumns } from '../../src/store/sql/device-columns.js';
import { toAccount } from '../../src/store/sql/directory.js';
import { SqlStore } from '../../src/store/sql/sql-store.js';
import type { AccountsTable, DevicesTable } from '../../src/store/sql/schema.js';

export interface FixtureDevice {
  account: string;
  deviceId: string;
  deviceType: string;
  model: string;
  os: string;
  friendlyName: string;
  status: DeviceStatus;
  firstSeen: number;
  lastSeen: number;
}

export interface DeviceFixture {
  domains: string[];
  accounts: Account[];
  devices: FixtureDevice[];
  /** How long it took, in ms. */
  ms: number;
}

export interface FixtureOptions {
  devices: number;
  accounts: number;
  domains: number;
  /** Names are `<prefix>user<n>@<prefix>dom<n>.test`, so two fixtures can share a store. */
  prefix?: string;
  /** The newest lastSeen; the others are spread over the 200 days before it. */
  now?: number;
}

const DAY = 86_400_000;
const BATCH = 500;

const KINDS = [
  { id: 'Appl', type: 'iPhone', model: (n: number) => `iPhone${12 + (n % 5)},${1 + (n % 3)}`, os: (n: number) => `iOS 17.${n % 6}` },
  { id: 'ApplIPAD', type: 'iPad', model: (n: number) => `iPad${13 + (n % 3)},1`, os: (n: number) => `iPadOS 17.${n % 4}` },
  { id: 'androidc', type: 'Android', model: (n: number) => `Pixel ${6 + (n % 3)}`, os: (n: number) => `Android ${12 + (n % 3)}` },
  { id: 'SEC', type: 'SAMSUNGSMG991B', model: () => 'SM-G991B', os: () => 'Android 13' },
  { id: 'OUTLOOK', type: 'Outlook', model: () => 'Outlook for iOS and Android', os: () => '' },
] as const;

/** A fixed pseudo-random sequence (the same devices on every run). */
function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
}

export async function createDevices(store: Store, o: FixtureOptions): Promise<DeviceFixture> {
  if (!(store instanceof SqlStore)) throw new Error('createDevices needs the SQL store');
  const start = performance.now();
  const prefix = o.prefix ?? '';
  const now = o.now ?? Date.now();
  const domains = Array.from({ length: o.domains }, (_, d) => `${prefix}dom${d}.test`);
  const domainIds: string[] = [];
  for (const d of domains) domainIds.push((await store.domains.create(d)).id);
  const accountRows: AccountsTable[] = Array.from({ length: o.accounts }, (_, a) => ({
    id: randomUUID(), domain_id: domainIds[a % o.domains]!, email: `${prefix}user${a}@${domains[a % o.domains]!}`, display_name: `User ${a}`,
    password_hash: '!fixture', status: 'active', mobile_sync_enabled: 1, is_global_admin: 0, created_at: now, auth_version: 1, modseq: 0, profile: '{}',
  }));
  const accounts: Account[] = accountRows.map(toAccount);

  const rand = rng(7);
  const devices: FixtureDevice[] = [];
  const rows: DevicesTable[] = [];
  for (let i = 0; i < o.devices; i++) {
    const account = accounts[i % o.accounts]!;
    const kind = KINDS[i % KINDS.length]!;
    const bare = i % 7 === 3; // a device that never sent Settings DeviceInformation
    const info: DeviceInfo = bare ? {} : { model: kind.model(i), os: kind.os(i), friendlyName: `${kind.type} ${i} of ${account.email.split('@')[0]!}` };
    const firstSeen = now - Math.floor(rand() * 200 * DAY);
    const lastSeen = firstSeen + Math.floor(rand() * (now - firstSeen));
    const d: FixtureDevice = {
      account: account.email, deviceId: `${kind.id}${i.toString(16).toUpperCase().padStart(8, '0')}`, deviceType: kind.type,
      model: info.model ?? '', os: info.os ?? '', friendlyName: info.friendlyName ?? '', status: ((i * 7) % 5) as DeviceStatus, firstSeen, lastSeen,
    };
    devices.push(d);
    rows.push({
      account_id: account.id, device_id: d.deviceId, device_type: d.deviceType, user_agent: `${kind.type}/1.0`, protocol_version: '16.1',
      info: JSON.stringify(info), status: d.status, policy_key: d.status === 0 ? 0 : 1000 + i, first_seen: firstSeen, last_seen: lastSeen,
      last_address: `10.0.${(i >> 8) & 255}.${i & 255}`, pending_policy_key: 0, policy_hash: '', wipe_account_only: 0,
      wipe_requested_at: d.status >= 3 ? lastSeen : null, wipe_done_at: d.status === 4 ? lastSeen : null,
      ...deviceSearchColumns(d.deviceId, d.deviceType, info),
    });
  }
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < accountRows.length; i += BATCH) await trx.insertInto('accounts').values(accountRows.slice(i, i + BATCH)).execute();
    for (let i = 0; i < rows.length; i += BATCH) await trx.insertInto('devices').values(rows.slice(i, i + BATCH)).execute();
  });
  return { domains, accounts, devices, ms: performance.now() - start };
}

/**
 * The store's order, computed here as the expected answer (DeviceSearch): text keys lower-cased in code
 * point order, numbers as numbers, then account address and device id ascending.
 */
export function expectedOrder(devices: readonly FixtureDevice[], sort: DeviceSort, order: 'asc' | 'desc'): FixtureDevice[] {
  const key = (d: FixtureDevice): string | number => {
    switch (sort) {
      case 'account': return d.account;
      case 'id': return d.deviceId.toLowerCase();
      case 'type': return d.deviceType.toLowerCase();
      case 'model': return d.model.toLowerCase();
      case 'os': return d.os.toLowerCase();
      case 'status': return d.status;
      case 'lastSeen': return d.lastSeen;
      case 'firstSeen': return d.firstSeen;
    }
  };
  const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);
  const dir = order === 'asc' ? 1 : -1;
  return [...devices].sort((a, b) => dir * cmp(key(a), key(b)) || cmp(a.account, b.account) || cmp(a.deviceId, b.deviceId));
}

/** Whether the store's search text `q` finds the device (a substring of address, id, type, model or friendly name). */
export const expectedMatch = (d: FixtureDevice, q: string): boolean =>
  [d.account, d.deviceId, d.deviceType, d.model, d.friendlyName].some((f) => f.toLowerCase().includes(q.trim().toLowerCase()));
