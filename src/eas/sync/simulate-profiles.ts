// Client profiles of the simulated sync (src/eas/sync/simulate.ts): what a typical phone of each type puts in
// its Sync request (MS-ASCMD 2.2.3.199 WindowSize, 2.2.3.118 Options; MS-ASAIRS 2.2.2.7 BodyPreference), and
// how `days N` becomes a FilterType (MS-ASCMD 2.2.3.70.2).
//
// The choices, and why:
//   iphone   EAS 16.1; WindowSize 25 (iOS Mail asks 25 to 50, shared/reference/eas-protocol.md 4.3, we take the
//            low end: more windows, the cautious estimate); mail bodies as MIME (BodyPreference Type 4,
//            TruncationSize 200000, MIMESupport 2: iOS prefers MIME, eas-protocol.md 4.5, Z-Push ZP-1555).
//   android  EAS 14.1 (the AOSP Exchange client's highest); WindowSize 10 (AOSP EasMailboxSyncHandler's
//            EMAIL_WINDOW_SIZE; older AOSP asked 5); mail bodies as HTML truncated at 200000 bytes (Type 2,
//            AOSP's EAS12_TRUNCATION_SIZE), no MIME.
//   both     calendar, contacts and tasks: plain text bodies (Type 1) truncated at 32768 bytes (16.x allows
//            only Type 1 or 2 for calendar bodies, MS-ASAIRS R1400).
// `window_size N` overrides the WindowSize; an existing device's incremental sync uses the WindowSize of its
// own last Sync request when it left one.
import type { SimulatedDeviceType } from '../../devices/sync-simulation.js';
import type { FolderKind } from '../../store/types.js';
import { ns, type WbxmlElement } from '../wbxml/index.js';

const as = ns('AirSync');
const asb = ns('AirSyncBase');

interface BodyPref { type: 1 | 2 | 4; truncationSize: number }

export interface ClientProfile {
  /** The device type of the scratch (in-memory) device of a `new` simulation. */
  deviceType: string;
  userAgent: string;
  protocolVersion: string;
  windowSize: number;
  mail: { body: BodyPref; mimeSupport: 0 | 2 };
  pim: { body: BodyPref };
}

export const PROFILES: Readonly<Record<SimulatedDeviceType, ClientProfile>> = {
  iphone: {
    deviceType: 'iPhone', userAgent: 'Apple-iPhone15C2/2101.5 (simulated)', protocolVersion: '16.1', windowSize: 25,
    mail: { body: { type: 4, truncationSize: 200_000 }, mimeSupport: 2 },
    pim: { body: { type: 1, truncationSize: 32_768 } },
  },
  android: {
    deviceType: 'Android', userAgent: 'Android-Mail/2024.1 (simulated)', protocolVersion: '14.1', windowSize: 10,
    mail: { body: { type: 2, truncationSize: 200_000 }, mimeSupport: 0 },
    pim: { body: { type: 1, truncationSize: 32_768 } },
  },
};

/** The folder kinds a phone syncs through Sync (notes are left out: neither profile's client syncs them). */
export const SIMULATED_KINDS: ReadonlySet<FolderKind> = new Set(['mail', 'calendar', 'contacts', 'tasks']);

/** FilterType day spans (MS-ASCMD 2.2.3.70.2), shortest first. */
const SPANS: ReadonlyArray<[filterType: number, days: number]> = [[1, 1], [2, 3], [3, 7], [4, 14], [5, 30], [6, 90], [7, 180]];

/**
 * The FilterType for `days`: the shortest window that still holds `days` days (3 days for 2, 2 weeks for 10),
 * since EAS has no other cut-offs and a phone gets at least what the admin asked about; 0 is "all".
 * Days above 180 have no FilterType: the caller refuses them (SIMULATION_LIMITS.maxDays).
 */
export function filterTypeFor(days: number): number {
  if (days === 0) return 0;
  return SPANS.find(([, d]) => d >= days)?.[0] ?? 0;
}

/** The protocol version to speak: the profile's when the server offers it, else the highest offered. */
export function versionFor(profile: ClientProfile, offered: readonly string[]): string {
  if (offered.includes(profile.protocolVersion)) return profile.protocolVersion;
  const sorted = [...offered].sort((a, b) => Number(a) - Number(b));
  return sorted[sorted.length - 1] ?? profile.protocolVersion;
}

/** Options of a SyncKey 0 request for a folder of this kind: FilterType for dated folders, the body preference. */
export function optionsFor(profile: ClientProfile, kind: FolderKind, filterType: number): WbxmlElement {
  const mail = kind === 'mail';
  const body = mail ? profile.mail.body : profile.pim.body;
  return as('Options',
    // Contacts are always whole; tasks' FilterType means "incomplete only" (8), which days never gives.
    (kind === 'mail' || kind === 'calendar') && as('FilterType', filterType),
    asb('BodyPreference', asb('Type', body.type), asb('TruncationSize', body.truncationSize)),
    mail && profile.mail.mimeSupport > 0 && as('MIMESupport', profile.mail.mimeSupport));
}

/** How the report names the mail body preference, e.g. `Type 4 (MIME) TruncationSize 200000, MIMESupport 2`. */
export function describeBody(profile: ClientProfile): string {
  const names = { 1: 'plain', 2: 'HTML', 4: 'MIME' } as const;
  const b = profile.mail.body;
  const mime = profile.mail.mimeSupport > 0 ? `, MIMESupport ${profile.mail.mimeSupport}` : '';
  return `mail Type ${b.type} (${names[b.type]}) TruncationSize ${b.truncationSize}${mime}; others Type ${profile.pim.body.type} TruncationSize ${profile.pim.body.truncationSize}`;
}
