// The EASProvisionDoc elements (MS-ASPROV 2.2.2.2 to 2.2.2.52) as the server renders them: token
// order (Exchange's order), the lowest protocol version that has each, and the permissive value sent
// when nobody set it. Values are validated where they are set (src/admin/routes-provisioning.ts, which
// src/eas may not import and which repeats these names and defaults; a test keeps the two in step).
import type { TagOf } from '../wbxml/index.js';

export interface SettingDef {
  name: TagOf<'Provision'>;
  /** Lowest protocol version (times ten) whose EASProvisionDoc has the element. */
  since: 120 | 121;
  /** Sent when unset: '' means an empty element, "no such rule" for the ...OrEmpty types. */
  permissive: string;
  /** For the application lists: the child element of each comma-separated item. */
  item?: 'ApplicationName' | 'Hash';
}

const v120 = (name: SettingDef['name'], permissive: string): SettingDef => ({ name, since: 120, permissive });
const v121 = (name: SettingDef['name'], permissive: string): SettingDef => ({ name, since: 121, permissive });

/**
 * The 12.0 set is Exchange 2007 RTM's (password rules and attachments); the rest came with 12.1.
 * Defaults follow the spec's "a missing element means" rules, so an unmanaged device is restricted
 * in nothing: passwords off, everything allowed, no age filters (0), no truncation (-1).
 */
export const SETTINGS: readonly SettingDef[] = [
  v120('DevicePasswordEnabled', '0'), v120('AlphanumericDevicePasswordRequired', '0'), v121('RequireStorageCardEncryption', '0'),
  v120('PasswordRecoveryEnabled', '0'), v120('AttachmentsEnabled', '1'), v120('MinDevicePasswordLength', ''),
  v120('MaxInactivityTimeDeviceLock', ''), v120('MaxDevicePasswordFailedAttempts', ''), v120('MaxAttachmentSize', ''),
  v120('AllowSimpleDevicePassword', '1'), v120('DevicePasswordExpiration', ''), v120('DevicePasswordHistory', '0'),
  v121('AllowStorageCard', '1'), v121('AllowCamera', '1'), v121('RequireDeviceEncryption', '0'), v121('AllowUnsignedApplications', '1'),
  v121('AllowUnsignedInstallationPackages', '1'), v121('MinDevicePasswordComplexCharacters', '1'), v121('AllowWiFi', '1'),
  v121('AllowTextMessaging', '1'), v121('AllowPOPIMAPEmail', '1'), v121('AllowBluetooth', '2'), v121('AllowIrDA', '1'),
  v121('RequireManualSyncWhenRoaming', '0'), v121('AllowDesktopSync', '1'), v121('MaxCalendarAgeFilter', '0'), v121('AllowHTMLEmail', '1'),
  v121('MaxEmailAgeFilter', '0'), v121('MaxEmailBodyTruncationSize', '-1'), v121('MaxEmailHTMLBodyTruncationSize', '-1'),
  v121('RequireSignedSMIMEMessages', '0'), v121('RequireEncryptedSMIMEMessages', '0'), v121('RequireSignedSMIMEAlgorithm', '0'),
  v121('RequireEncryptionSMIMEAlgorithm', '0'), v121('AllowSMIMEEncryptionAlgorithmNegotiation', '2'), v121('AllowSMIMESoftCerts', '1'),
  v121('AllowBrowser', '1'), v121('AllowConsumerEmail', '1'), v121('AllowRemoteDesktop', '1'), v121('AllowInternetSharing', '1'),
  // Lists are never sent empty: an empty ApprovedApplicationList would forbid every application.
  { ...v121('UnapprovedInROMApplicationList', ''), item: 'ApplicationName' },
  { ...v121('ApprovedApplicationList', ''), item: 'Hash' },
];
