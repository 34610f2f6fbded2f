// Simulated sync (issue 15 part 6, Carbonio's `carbonio mobile doSimulateSync`): what the admin API asks and
// what it gets back. The admin API may not import the ActiveSync front end (ARCHITECTURE.md section 1), so
// this is the contract between them: src/eas/sync/simulate.ts implements it, src/http-server.ts hands the
// implementation to the admin routes (src/admin/routes-simulate-sync.ts).
import type { DeviceId } from '../core/ids.js';
import type { Account } from '../store/types.js';

/** The client profiles the simulation knows (window size, body preferences, protocol version: simulate-profiles.ts). */
export const SIMULATED_DEVICE_TYPES = ['iphone', 'android'] as const;
export type SimulatedDeviceType = (typeof SIMULATED_DEVICE_TYPES)[number];

/** Bounds on `days` and the caps: past them a request is refused (400), not silently clamped. */
export const SIMULATION_LIMITS = {
  /** The longest FilterType window is 6 months (MS-ASCMD 2.2.3.70.2: 7 = 180 days); 0 is "all". */
  maxDays: 180,
  /** MS-ASCMD 2.2.3.199: WindowSize is at most 512. */
  maxWindowSize: 512,
  /** Windows simulated per folder at most (default 200); a folder that needs more is reported capped. */
  maxWindowsPerFolder: 1000,
  defaultWindowsPerFolder: 200,
  /** Wall-clock budget of the whole simulation (default and most); the folders not reached are reported as skipped. */
  maxMs: 10_000,
} as const;

export interface SimulationRequest {
  account: Account;
  /** null: a new device (a scratch one, never stored). */
  deviceId: DeviceId | null;
  /** true: full initial sync from SyncKey 0; false: the device's next incremental Sync from its SyncState. */
  initial: boolean;
  /** 0: no time window; else the FilterType nearest above this many days (simulate-profiles.ts filterTypeFor). */
  days: number;
  deviceType: SimulatedDeviceType;
  /** Overrides the profile's WindowSize (and an existing device's own); null: the profile's / the device's. */
  windowSize: number | null;
  maxWindows: number;
  /** Wall-clock budget in milliseconds, at most SIMULATION_LIMITS.maxMs. */
  maxMs: number;
}

export interface FolderSimulation {
  id: string;
  name: string;
  kind: string;
  /** The Sync Status of the last window (1 ok, 3 invalid key, 12 folder gone...). */
  status: number;
  /** Commands the device would receive: adds + changes + deletes + softDeletes. */
  items: number;
  adds: number;
  changes: number;
  deletes: number;
  softDeletes: number;
  /** Sync answers that carried commands (the SyncKey 0 round trip of an initial sync carries none). */
  windows: number;
  windowSize: number;
  /** WBXML bytes of every Sync answer of the folder, as they would go on the wire (before any HTTP compression). */
  bytes: number;
  ms: number;
  /** Why the folder stopped before the server had nothing more: the window cap or the time budget. */
  capped: 'windows' | 'time' | null;
}

export interface SimulationReport {
  account: string;
  /** The device simulated: its id, or `new`. */
  device: string;
  deviceType: SimulatedDeviceType;
  protocolVersion: string;
  initial: boolean;
  days: number;
  filterType: number;
  bodyPreference: string;
  folders: FolderSimulation[];
  /** Folders the time budget left out entirely. */
  skipped: Array<{ id: string; name: string }>;
  total: { items: number; adds: number; changes: number; deletes: number; softDeletes: number; windows: number; bytes: number; ms: number };
  capped: boolean;
  limits: { windowsPerFolder: number; ms: number };
  /** Always false: the simulation keeps nothing (its SyncState lives in memory, src/eas/sync/simulate-state.ts). */
  persisted: false;
}

export type SyncSimulator = (req: SimulationRequest) => Promise<SimulationReport>;
