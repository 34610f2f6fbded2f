// Where a command carries its Status (MS-ASCMD 2.2.3.177), so the dispatcher can answer any command
// with a common status (MS-ASCMD 2.2.2: 129 blocked, 140-144 provisioning) in that command's own root.
import { el, type QName, type WbxmlElement } from './wbxml/index.js';

const roots: Record<string, QName> = {
  Sync: 'AirSync:Sync',
  FolderSync: 'FolderHierarchy:FolderSync',
  FolderCreate: 'FolderHierarchy:FolderCreate',
  FolderUpdate: 'FolderHierarchy:FolderUpdate',
  FolderDelete: 'FolderHierarchy:FolderDelete',
  GetItemEstimate: 'GetItemEstimate:GetItemEstimate',
  MoveItems: 'Move:MoveItems',
  MeetingResponse: 'MeetingResponse:MeetingResponse',
  Search: 'Search:Search',
  Settings: 'Settings:Settings',
  Ping: 'Ping:Ping',
  ItemOperations: 'ItemOperations:ItemOperations',
  Provision: 'Provision:Provision',
  ResolveRecipients: 'ResolveRecipients:ResolveRecipients',
  ValidateCert: 'ValidateCert:ValidateCert',
  SendMail: 'ComposeMail:SendMail',
  SmartReply: 'ComposeMail:SmartReply',
  SmartForward: 'ComposeMail:SmartForward',
  Find: 'Find:Find',
};

/** `<Command><Status>n</Status></Command>` in the command's namespace, or null for commands without one. */
export function commandStatus(command: string, status: number): WbxmlElement | null {
  const root = roots[command];
  if (!root) return null;
  const ns = root.slice(0, root.indexOf(':'));
  return el(root, el(`${ns}:Status` as QName, status));
}

/** Common status codes the dispatcher uses (MS-ASCMD 2.2.2). */
export const Common = {
  serverError: 110,
  serverErrorRetryLater: 111,
  userDisabledForSync: 126,
  deviceBlocked: 129,
  commandNotSupported: 137,
  remoteWipeRequested: 140,
  deviceNotProvisioned: 142,
  policyRefresh: 143,
  invalidPolicyKey: 144,
} as const;

/** Picture Status in Search (GAL) and ResolveRecipients answers (MS-ASCMD 2.2.3.177.12, 2.2.3.177.13). */
export const PictureStatus = { ok: 1, noPhoto: 173, tooLarge: 174, limitReached: 175 } as const;
