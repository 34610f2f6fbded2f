// Simulated sync (issue 15 part 6, Carbonio's `doSimulateSync`; MS-ASCMD 2.2.1.21 Sync): the real Sync engine
// (syncCollections, the same code a phone's Sync runs, and renderSync, the same answer it gets) driven
// server-side, window after window, for every folder a device would sync, to tell an admin how many items,
// windows, bytes and milliseconds a phone would cost.
//
// Nothing it does is kept: the device's SyncState is a scratch copy-on-write layer over the stored one
// (simulate-state.ts) and every other repository is read-only, so no SyncState, held-item, device or record row
// is written; no database transaction is held, so no other request waits for a simulation; nothing is
// committed, so the store announces no change; the bus it is given refuses any use, so no Ping is woken; the
// device's held requests are not ended (it is not the device asking).
//   initial (or `new`)  a scratch device (a random id, never stored) syncs every folder from SyncKey 0 with the
//                       profile's options (simulate-profiles.ts);
//   incremental         the device's own collections, from the keys it holds, with the options they hold:
//                       what its next Sync would carry.
// Excluded folders are left out as FolderSync leaves them out (the store seen through syncedStore).
//
// Cost is bounded: at most `maxWindows` windows per folder and `maxMs` milliseconds in all, the report
// saying which folder was capped and which were not reached; one simulation at a time per server process. An incremental simulation holds the device's lock
// (src/devices/device-lock.ts) so it never reads a state halfway through a Sync of the same device on this
// node; that Sync waits for it (at most the time budget).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { StoreError } from '../../core/errors.js';
import { asDeviceId, type DeviceId } from '../../core/ids.js';
import { lockDevice } from '../../devices/device-lock.js';
import { DeviceSessions } from '../../devices/sessions.js';
import {
  SIMULATION_LIMITS, type FolderSimulation, type SimulationReport, type SimulationRequest, type SyncSimulator,
} from '../../devices/sync-simulation.js';
import type { Bus } from '../../bus/types.js';
import { DeviceStatus, type Device, type Folder, type Store } from '../../store/types.js';
import type { EasContext, EasDeps } from '../command.js';
import { renderSync, syncCollections } from '../commands/sync.js';
import { versionNumber } from '../query.js';
import { syncedStore } from '../synced-store.js';
import { decode, encode, ns, type WbxmlElement } from '../wbxml/index.js';
import { readRecord } from './device-records.js';
import { ScratchDeviceState, simulationStore } from './simulate-state.js';
import { folderIdOf } from './hierarchy.js';
import { describeBody, filterTypeFor, optionsFor, PROFILES, SIMULATED_KINDS, versionFor, type ClientProfile } from './simulate-profiles.js';
import { parseSyncRequest, SyncStatus } from './sync-request.js';

const as = ns('AirSync');

/** The engine waits on the bus only for Sync with Wait, which the simulation never sends: any use is a bug. */
const sealedBus: Bus = {
  publish() { throw new Error('the simulated sync must not publish change notices'); },
  subscribe() { throw new Error('the simulated sync must not wait for changes'); },
  close: () => Promise.resolve(),
};

interface FolderPlan {
  folder: Folder;
  collectionId: string;
  key: string;
  windowSize: number;
  /** Options of the SyncKey 0 request (initial only; an incremental Sync keeps the state's). */
  options: WbxmlElement | null;
}

type Counts = Pick<FolderSimulation, 'items' | 'adds' | 'changes' | 'deletes' | 'softDeletes' | 'windows' | 'bytes' | 'ms'>;
const zero = (): Counts => ({ items: 0, adds: 0, changes: 0, deletes: 0, softDeletes: 0, windows: 0, bytes: 0, ms: 0 });

/** Runs one folder's Syncs until the server has nothing more, the window cap or the deadline. */
async function simulateFolder(ctx: EasContext, plan: FolderPlan, maxWindows: number, deadline: number): Promise<FolderSimulation> {
  const c = zero();
  const started = performance.now();
  let key = plan.key;
  let status: number = SyncStatus.ok;
  let capped: FolderSimulation['capped'] = null;
  // One more round than windows: the SyncKey 0 round trip of an initial sync carries no items.
  for (let round = 0; ; round++) {
    if (Date.now() >= deadline) { capped = 'time'; break; }
    if (c.windows >= maxWindows || round > maxWindows) { capped = 'windows'; break; }
    const request = as('Sync', as('Collections', as('Collection',
      as('SyncKey', key), as('CollectionId', plan.collectionId), as('WindowSize', plan.windowSize), key === '0' && plan.options)));
    // Through the codec and the parser a phone's request takes, so the options are checked as a phone's are.
    const parsed = parseSyncRequest(decode(encode(request)));
    const [r] = await syncCollections(ctx, parsed);
    if (!r) break;
    const answer = await renderSync({ kind: 'collections', results: [r] }, ctx);
    if (answer.kind === 'wbxml') c.bytes += encode(answer.root).length;
    status = r.status;
    if (r.status !== SyncStatus.ok) break;
    const fromZero = key === '0';
    key = r.key;
    if (r.commands.length > 0) c.windows++;
    for (const cmd of r.commands) {
      if (cmd.kind === 'add') c.adds++;
      else if (cmd.kind === 'change') c.changes++;
      else if (cmd.kind === 'delete') c.deletes++;
      else c.softDeletes++;
    }
    if (!r.more && !fromZero) break;
  }
  c.items = c.adds + c.changes + c.deletes + c.softDeletes;
  c.ms = Math.round(performance.now() - started);
  const { folder } = plan;
  return { id: plan.collectionId, name: folder.name, kind: folder.kind, status, ...c, windowSize: plan.windowSize, capped };
}

/** Every folder of a kind phones sync, as FolderSync lists them (excluded ones left out), from key 0. */
async function initialPlans(ctx: EasContext, profile: ClientProfile, req: SimulationRequest, filterType: number): Promise<FolderPlan[]> {
  const folders = await ctx.deps.store.mailbox.listFolders(ctx.account.id);
  return folders.filter((f) => SIMULATED_KINDS.has(f.kind)).map((folder) => ({
    folder, collectionId: String(folder.id), key: '0', windowSize: req.windowSize ?? profile.windowSize, options: optionsFor(profile, folder.kind, filterType),
  }));
}

/** The collections the device holds, from its keys, with the WindowSize of its last Sync request when it left one. */
async function incrementalPlans(ctx: EasContext, profile: ClientProfile, req: SimulationRequest): Promise<FolderPlan[]> {
  const { store } = ctx.deps;
  const cached = await readRecord(ctx, 'sync-request');
  const plans: FolderPlan[] = [];
  for (const state of await store.deviceState.listCollections(ctx.account.id, ctx.device.deviceId)) {
    const id = folderIdOf(state.collectionId);
    // A folder gone or excluded since: the device's next FolderSync removes it; no Sync of it follows.
    const folder = id === null ? null : await store.mailbox.getFolder(ctx.account.id, id);
    if (!folder) continue;
    const own = cached?.collections.find((x) => x.collectionId === state.collectionId)?.windowSize ?? cached?.windowSize ?? null;
    plans.push({ folder, collectionId: state.collectionId, key: state.key, windowSize: req.windowSize ?? own ?? profile.windowSize, options: null });
  }
  return plans.sort((a, b) => a.folder.id - b.folder.id);
}

function contextFor(deps: EasDeps, store: Store, req: SimulationRequest, device: Device, version: string, profile: ClientProfile): EasContext {
  return {
    deps: { ...deps, store: syncedStore(store), bus: sealedBus, sessions: new DeviceSessions() },
    account: req.account,
    device,
    persistentDevice: true,
    query: {
      form: 'plain', cmd: 'Sync', user: req.account.email, deviceId: device.deviceId, deviceType: device.deviceType, protocolVersion: version,
      policyKey: null, locale: null, attachmentName: null, collectionId: null, itemId: null, longId: null, occurrence: null, saveInSent: null, acceptMultiPart: false,
    },
    version: versionNumber(version),
    remoteAddress: '127.0.0.1',
    userAgent: profile.userAgent,
    log: deps.log.child({ svc: 'eas-simulate', account: req.account.email, deviceId: device.deviceId }),
    signal: new AbortController().signal,
  };
}

async function run(deps: EasDeps, req: SimulationRequest, scratchId: DeviceId | null): Promise<SimulationReport> {
  const started = Date.now();
  const deadline = started + Math.min(req.maxMs, SIMULATION_LIMITS.maxMs);
  const profile = PROFILES[req.deviceType];
  const offered = deps.config.easVersions;
  const real = req.deviceId === null ? null : await deps.store.devices.get(req.account.id, req.deviceId);
  if (req.deviceId !== null && !real) throw new StoreError('not-found', `device ${req.deviceId} of ${req.account.email}`);
  // An existing device speaks its own version (when still offered); a new one its profile's.
  const version = real && offered.includes(real.protocolVersion) ? real.protocolVersion : versionFor(profile, offered);
  const device = scratchId === null ? real : scratchDevice(req, scratchId, profile, version, started);
  if (!device) throw new StoreError('invalid', 'an incremental simulation needs an existing device');
  const store = simulationStore(deps.store, new ScratchDeviceState(deps.store.deviceState, deps.store.mailbox, req.account.id, device.deviceId));
  const ctx = contextFor(deps, store, req, device, version, profile);
  const filterType = filterTypeFor(req.days);
  const plans = req.initial ? await initialPlans(ctx, profile, req, filterType) : await incrementalPlans(ctx, profile, req);
  const folders: FolderSimulation[] = [];
  const skipped: SimulationReport['skipped'] = [];
  for (const plan of plans) {
    if (Date.now() >= deadline) skipped.push({ id: plan.collectionId, name: plan.folder.name });
    else folders.push(await simulateFolder(ctx, plan, req.maxWindows, deadline));
  }
  const total = zero();
  for (const f of folders) for (const k of Object.keys(total) as Array<keyof Counts>) total[k] += f[k];
  total.ms = Date.now() - started;
  return {
    account: req.account.email, device: req.deviceId ?? 'new', deviceType: req.deviceType, protocolVersion: version, initial: req.initial,
    days: req.days, filterType, bodyPreference: req.initial ? describeBody(profile) : "each collection's own (from its SyncState)",
    folders, skipped, total, capped: skipped.length > 0 || folders.some((f) => f.capped !== null),
    limits: { windowsPerFolder: req.maxWindows, ms: Math.min(req.maxMs, SIMULATION_LIMITS.maxMs) }, persisted: false,
  };
}

/** The device record of a `new` simulation: in memory only, as a phone's first request would create it. */
function scratchDevice(req: SimulationRequest, deviceId: DeviceId, profile: ClientProfile, version: string, at: number): Device {
  return {
    accountId: req.account.id, deviceId, deviceType: profile.deviceType, userAgent: profile.userAgent, protocolVersion: version, info: {},
    status: DeviceStatus.ok, policyKey: 0, pendingPolicyKey: 0, policyHash: '', wipeAccountOnly: false, wipeRequestedAt: null, wipeDoneAt: null,
    firstSeen: at, lastSeen: at, lastAddress: '127.0.0.1',
  };
}

/**
 * Simulations run at once per server process: each may take the whole time budget of CPU, so a few admins (or a
 * script) asking together must not take the server from the phones. The others get a `temporary` refusal (503).
 */
const MAX_RUNNING = 1;

/** The simulator the admin API is given (src/http-server.ts). */
export function syncSimulator(deps: EasDeps): SyncSimulator {
  let running = 0;
  const simulate = async (req: SimulationRequest): Promise<SimulationReport> => {
    const scratchId = req.initial ? asDeviceId(`SIMULATE${randomBytes(8).toString('hex').toUpperCase()}`) : null;
    if (scratchId !== null) return run(deps, req, scratchId);
    if (req.deviceId === null) throw new StoreError('invalid', 'an incremental simulation needs an existing device');
    const release = await lockDevice(req.account.id, req.deviceId);
    try {
      return await run(deps, req, null);
    } finally {
      release();
    }
  };
  return async (req) => {
    if (running >= MAX_RUNNING) throw new StoreError('temporary', 'another simulated sync is running on this server: try again in a few seconds');
    running++;
    try {
      return await simulate(req);
    } finally {
      running--;
    }
  };
}
