// What the admin API answers (src/admin/views.ts, routes-devices.ts, routes-provisioning.ts,
// routes-config.ts, routes-sessions.ts), as far as the page reads it.
import type { DeviceSummary } from '../api.js';

export interface Domain {
  id: string;
  name: string;
  createdAt: string;
}

export type AccountStatus = 'active' | 'locked' | 'closed';

export interface Account {
  id: string;
  email: string;
  domain: string;
  displayName: string;
  status: AccountStatus;
  mobileSyncEnabled: boolean;
  isGlobalAdmin: boolean;
  delegatedDomains: string[];
  createdAt: string;
}

/** A device as GET /devices and /accounts/:email/devices list it (Carbonio's GetDeviceStatus fields). */
export interface Device extends DeviceSummary {
  account?: string;
  statusMeaning: string;
  friendly_name: string | null;
  imei: string | null;
  phone_number: string | null;
  operator: string | null;
  os_language: string | null;
  provisionable: boolean;
  hasPolicyKey: boolean;
  remoteWipeReqTime: string | null;
  remoteWipeAckTime: string | null;
  wipeAccountOnly: boolean;
  recoveryPasswordSet: boolean;
  userAgentHistory: Array<{ ua: string; firstSeen: string | null }>;
}

/** GET /devices: one page of every device the admin may see (a delegated admin: his domains only). */
export interface DevicePage {
  domains: string[] | null;
  /** How many devices match, of which `devices` is the page from `offset`. */
  total: number;
  offset: number;
  limit: number | null;
  devices: Device[];
}

export interface PolicySetting {
  key: string;
  value: string | null;
  source: 'account' | 'domain' | 'default';
}

export interface PolicyView {
  target: { type: 'account' | 'domain'; name: string };
  enforced: boolean;
  settings: PolicySetting[];
}

export interface PushSetting {
  key: string;
  value: number | boolean;
  default: number | boolean;
  allowed: string;
  aliases: string[];
  description: string;
}

export interface HeldSession {
  account: string;
  device: string;
  command: string;
  since: string;
  heartbeat: number | null;
  endsBy: string | null;
}
