// The request line of an ActiveSync request (MS-ASHTTP 2.2.1.1.1): the plain form
// `Cmd=Sync&User=u&DeviceId=d&DeviceType=t` with MS-ASProtocolVersion / X-MS-PolicyKey headers, or the
// base64 form (2.2.1.1.1.1) that packs the same fields in bytes. A binary DeviceId becomes lower-case
// hex, as the peers do, so one device keeps one identity.
import { DEVICE_ID_RE } from '../devices/management.js';

/** Command codes of the base64 form (MS-ASHTTP 2.2.1.1.1.1.2). */
const commandCodes: Record<number, string> = {
  0: 'Sync', 1: 'SendMail', 2: 'SmartForward', 3: 'SmartReply', 4: 'GetAttachment', 9: 'FolderSync', 10: 'FolderCreate',
  11: 'FolderDelete', 12: 'FolderUpdate', 13: 'MoveItems', 14: 'GetItemEstimate', 15: 'MeetingResponse', 16: 'Search',
  17: 'Settings', 18: 'Ping', 19: 'ItemOperations', 20: 'Provision', 21: 'ResolveRecipients', 22: 'ValidateCert', 23: 'Find',
};

export interface EasQuery {
  form: 'plain' | 'base64';
  cmd: string;
  user: string | null;
  deviceId: string;
  deviceType: string;
  /** e.g. "14.1"; null when absent. */
  protocolVersion: string | null;
  policyKey: number | null;
  locale: number | null;
  attachmentName: string | null;
  collectionId: string | null;
  itemId: string | null;
  longId: string | null;
  occurrence: string | null;
  saveInSent: boolean | null;
  acceptMultiPart: boolean;
}

export class QueryError extends Error {
  override readonly name = 'QueryError';
}

// DeviceType is a label, not an identity, but it reaches logs and the admin views: the same characters.
const DEVICE_TYPE_RE = DEVICE_ID_RE;

function checkDevice(deviceId: string, deviceType: string): void {
  if (!DEVICE_ID_RE.test(deviceId)) throw new QueryError('DeviceId missing or invalid');
  if (!DEVICE_TYPE_RE.test(deviceType)) throw new QueryError('DeviceType missing or invalid');
}

function parsePolicyKey(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return null;
  if (!/^\d{1,10}$/.test(raw.trim())) throw new QueryError('X-MS-PolicyKey is not a number');
  const n = Number(raw.trim());
  if (n > 0xffffffff) throw new QueryError('X-MS-PolicyKey out of range');
  return n;
}

export function parsePlainQuery(search: URLSearchParams, headers: { version?: string | undefined; policyKey?: string | undefined; acceptMultiPart?: string | undefined }): EasQuery {
  const cmd = search.get('Cmd') ?? '';
  if (!/^[A-Za-z]{1,32}$/.test(cmd)) throw new QueryError('Cmd missing or invalid');
  const deviceId = search.get('DeviceId') ?? '';
  const deviceType = search.get('DeviceType') ?? '';
  checkDevice(deviceId, deviceType);
  const sis = search.get('SaveInSent');
  return {
    form: 'plain',
    cmd,
    user: search.get('User'),
    deviceId,
    deviceType,
    protocolVersion: headers.version?.trim() || null,
    policyKey: parsePolicyKey(headers.policyKey),
    locale: null,
    attachmentName: search.get('AttachmentName'),
    collectionId: search.get('CollectionId'),
    itemId: search.get('ItemId'),
    longId: search.get('LongId'),
    occurrence: search.get('Occurrence'),
    saveInSent: sis === null ? null : sis.toUpperCase() === 'T',
    acceptMultiPart: headers.acceptMultiPart?.trim().toUpperCase() === 'T',
  };
}

/** Decodes the base64 form. Every length is checked against what is left, so a bad query cannot read past the end. */
export function parseBase64Query(encoded: string): EasQuery {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    // A malformed percent escape is the client's fault, not ours: 400, never a 500 with a stack.
    throw new QueryError('query is not URL-encoded');
  }
  const b64 = decoded.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new QueryError('query is not base64');
  const buf = Buffer.from(b64, 'base64');
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > buf.length) throw new QueryError('base64 query truncated');
  };
  const byte = (): number => {
    need(1);
    return buf[pos++]!;
  };
  const take = (n: number): Buffer => {
    need(n);
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const versionByte = byte();
  const code = byte();
  const cmd = commandCodes[code];
  if (!cmd) throw new QueryError(`unknown command code ${code}`);
  const locale = take(2).readUInt16LE(0);
  const idLen = byte();
  if (idLen === 0) throw new QueryError('DeviceId missing or invalid');
  const idBytes = take(idLen);
  const idText = idBytes.toString('latin1');
  const deviceId = DEVICE_ID_RE.test(idText) ? idText : idBytes.toString('hex');
  const keyLen = byte();
  if (keyLen !== 0 && keyLen !== 4) throw new QueryError('PolicyKey length must be 0 or 4');
  const policyKey = keyLen === 4 ? take(4).readUInt32LE(0) : null;
  const deviceType = take(byte()).toString('latin1');
  checkDevice(deviceId, deviceType);
  const q: EasQuery = {
    form: 'base64', cmd, user: null, deviceId, deviceType,
    protocolVersion: `${Math.floor(versionByte / 10)}.${versionByte % 10}`,
    policyKey, locale, attachmentName: null, collectionId: null, itemId: null, longId: null, occurrence: null,
    saveInSent: null, acceptMultiPart: false,
  };
  while (pos < buf.length) {
    const tag = byte();
    const value = take(byte());
    const s = value.toString('utf8');
    switch (tag) {
      case 0: q.attachmentName = s; break;
      case 1: q.collectionId = s; break;
      case 3: q.itemId = s; break;
      case 4: q.longId = s; break;
      case 6: q.occurrence = s; break;
      case 7: {
        const bits = value[0] ?? 0;
        q.saveInSent = (bits & 0x01) !== 0;
        q.acceptMultiPart = (bits & 0x02) !== 0;
        break;
      }
      case 8: q.user = s; break;
      default: break; // tags 2 and 5 are reserved; unknown ones are skipped, not fatal
    }
  }
  return q;
}

/** Picks the form: the plain form names its command (`Cmd=`); anything else is one base64 token. */
export function parseEasQuery(rawQuery: string, headers: { version?: string | undefined; policyKey?: string | undefined; acceptMultiPart?: string | undefined }): EasQuery {
  if (rawQuery === '') throw new QueryError('missing query');
  if (/(^|&)Cmd=/i.test(rawQuery)) return parsePlainQuery(new URLSearchParams(rawQuery), headers);
  const q = parseBase64Query(rawQuery);
  // MS-ASAcceptMultiPart (MS-ASHTTP 2.2.1.1.2.5) may be sent as a header with either query form.
  if (headers.acceptMultiPart?.trim().toUpperCase() === 'T') q.acceptMultiPart = true;
  return q;
}

/** "14.1" -> 141, for comparisons; NaN when malformed. */
export const versionNumber = (v: string): number => {
  const m = /^(\d{1,2})\.(\d)$/.exec(v);
  return m ? Number(m[1]) * 10 + Number(m[2]) : NaN;
};
