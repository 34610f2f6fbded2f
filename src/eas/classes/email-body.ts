// The body of an Email item. 12.0 and later: MS-ASAIRS 2.2.2.9 Body (Type, 2.2.2.23 EstimatedDataSize,
// 2.2.2.39.1 Truncated, 2.2.2.20.1 Data, 2.2.2.35.1 Preview) chosen from the client's 2.2.2.12
// BodyPreference list (2.2.2.41.4 Type, 2.2.2.40.2 TruncationSize, 2.2.2.3.2 AllOrNone, Preview) and
// MIMESupport (MS-ASCMD 2.2.3.110.3), plus 2.2.2.32 NativeBodyType. Protocol 2.5: MS-ASEMAIL
// email:Body, 2.2.2.12 BodySize, 2.2.2.13 BodyTruncated, or with MIME support 2.2.2.50 MIMEData,
// MIMESize, 2.2.2.52 MIMETruncated, cut per the Truncation and MIMETruncation codes of MS-ASCMD
// 2.2.3.185 and 2.2.3.111.
import { Buffer } from 'node:buffer';
import { previewOf } from '../../mail/parse.js';
import { el, type WbxmlElement } from '../wbxml/index.js';
import { cutBytes, cutUtf8, declareUtf8, firstChars, htmlToPlain, plainToHtml } from './body-text.js';
import type { MimeMessage } from './mime-message.js';

/** One airsyncbase:BodyPreference of the request. Optional fields also take undefined, as intOf() gives. */
export interface BodyPreference {
  type: 1 | 2 | 3 | 4;
  truncationSize?: number | undefined;
  allOrNone?: boolean | undefined;
  preview?: number | undefined;
}

/** What renderEmail needs of the client's options to pick and cut a body (see EmailOptions). */
export interface BodyOptions {
  bodyPreferences: BodyPreference[];
  mimeSupport: 0 | 1 | 2;
  mimeTruncation?: number | undefined;
  truncation?: number | undefined;
  version: number;
  mimeAsText?: boolean | undefined;
}

export interface BodyChoice {
  type: 1 | 2 | 4;
  truncationSize: number | undefined;
  allOrNone: boolean;
  /** Characters of Preview asked for; 0 for none. */
  preview: number;
}

/** AirSync:Truncation codes (2.5) to the byte limit they name; undefined means no limit. */
export function truncationBytes(code: number): number | undefined {
  return [0, 512, 1024, 2048, 5120, 10240, 20480, 51200, 102400][code];
}

/** AirSync:MIMETruncation codes to the byte limit they name; undefined (code 8) means the whole message. */
export function mimeTruncationBytes(code: number): number | undefined {
  return [0, 4096, 5120, 7168, 10240, 20480, 51200, 102400][code];
}

const limit = (n: number | undefined): number | undefined =>
  n === undefined || !Number.isFinite(n) || n < 0 ? undefined : Math.floor(n);

const fromPref = (p: BodyPreference, type: 1 | 2 | 4): BodyChoice => ({
  type,
  truncationSize: limit(p.truncationSize),
  allOrNone: p.allOrNone === true,
  preview: Math.max(0, Math.min(255, Math.floor(p.preview ?? 0) || 0)),
});

/**
 * The bodies the server may send, best first. Preferences are honoured in the client's order. RTF
 * (Type 3) is never produced (grommunio-sync dropped it: no current client needs it), so it is
 * skipped for the next preference, and becomes plain text when nothing else was asked for.
 * MIME (Type 4) is sent when MIMESupport allows it (2, or 1 for S/MIME), and also when Type 4 is
 * all the client listed: a client that can only read MIME gains nothing from a body it cannot use.
 * An S/MIME message goes as MIME whenever MIMESupport is 1 or 2, since its body is unreadable otherwise.
 */
export function bodyCandidates(opts: BodyOptions, smime: boolean): BodyChoice[] {
  const prefs = opts.bodyPreferences.filter((p) => p.type >= 1 && p.type <= 4);
  const mimeAllowed = opts.mimeSupport === 2 || (opts.mimeSupport === 1 && smime);
  const mimePref = prefs.find((p) => p.type === 4);
  if (smime && opts.mimeSupport !== 0) return [fromPref(mimePref ?? { type: 4, ...opt(opts.mimeTruncation) }, 4)];
  const onlyMime = mimePref !== undefined && prefs.every((p) => p.type === 4);
  const out: BodyChoice[] = [];
  for (const p of prefs) {
    if (p.type === 4) {
      if (mimeAllowed || onlyMime) out.push(fromPref(p, 4));
    } else if (p.type !== 3) {
      out.push(fromPref(p, p.type));
    }
  }
  const first = prefs[0];
  if (out.length === 0 && first) out.push(fromPref(first, 1));
  // No BodyPreference at all (12.x clients may omit it): the 2.5-style options decide.
  if (out.length === 0) out.push(mimeAllowed ? fromPref({ type: 4, ...opt(opts.mimeTruncation) }, 4) : fromPref({ type: 1, ...opt(opts.truncation) }, 1));
  return out;
}

const opt = (n: number | undefined): { truncationSize?: number } => (n === undefined ? {} : { truncationSize: n });

/** The message's body in each form, each computed at most once and only when asked for. */
export class Bodies {
  private plainText: string | undefined;
  private htmlText: string | undefined;
  constructor(readonly msg: MimeMessage, readonly raw: Uint8Array) {}
  get plain(): string {
    if (this.plainText === undefined) {
      const { text, html } = this.msg;
      this.plainText = text.trim() !== '' || html === null ? text : htmlToPlain(html);
    }
    return this.plainText;
  }
  get html(): string {
    this.htmlText ??= this.msg.html !== null ? declareUtf8(this.msg.html) : plainToHtml(this.msg.text);
    return this.htmlText;
  }
  /** NativeBodyType (MS-ASAIRS 2.2.2.32): 2 when the message carries HTML, else 1 (never 0: Outlook breaks on it). */
  get nativeType(): 1 | 2 {
    return this.msg.html !== null ? 2 : 1;
  }
}

interface Rendered { size: number; truncated: boolean; data: string | Uint8Array }

function renderAs(bodies: Bodies, choice: BodyChoice, mimeAsText: boolean): Rendered {
  if (choice.type === 4) {
    const cut = cutBytes(bodies.raw, choice.truncationSize);
    // OPAQUE keeps the message byte for byte (8-bit parts, NULs); see EmailOptions.mimeAsText.
    return { size: bodies.raw.byteLength, truncated: cut.truncated, data: mimeAsText ? utf8(cut.data) : cut.data };
  }
  const cut = cutUtf8(choice.type === 2 ? bodies.html : bodies.plain, choice.truncationSize);
  return { size: cut.size, truncated: cut.truncated, data: cut.data };
}

const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/**
 * airsyncbase:Body for protocol 12.0 and later. AllOrNone (MS-ASAIRS 2.2.2.3.2): a body that does not
 * fit whole is not sent truncated; the next preference is tried, and when none fits the first one is
 * answered with Truncated 1 and no Data.
 */
export function airSyncBaseBody(bodies: Bodies, candidates: readonly BodyChoice[], opts: BodyOptions): WbxmlElement {
  let choice: BodyChoice | undefined;
  let body: Rendered | undefined;
  for (const c of candidates) {
    const r = renderAs(bodies, c, opts.mimeAsText === true);
    if (c.allOrNone && r.truncated) continue;
    choice = c;
    body = r;
    break;
  }
  let data: string | Uint8Array | null = null;
  if (choice && body) {
    data = body.data;
  } else {
    choice = candidates[0] ?? { type: 1, truncationSize: undefined, allOrNone: false, preview: 0 };
    body = { ...renderAs(bodies, choice, false), truncated: true };
  }
  const hasData = data !== null && (typeof data === 'string' ? data.length > 0 : data.byteLength > 0);
  // Preview is not sent beside plain text Data: the text is its own preview (MS-ASAIRS 2.2.2.35.1).
  let preview: string | null = null;
  if (opts.version >= 140 && choice.preview > 0 && !(choice.type === 1 && hasData)) {
    preview = firstChars(previewOf(bodies.plain), choice.preview) || null;
  }
  return el('AirSyncBase:Body',
    el('AirSyncBase:Type', choice.type),
    el('AirSyncBase:EstimatedDataSize', body.size),
    el('AirSyncBase:Truncated', body.truncated ? 1 : 0),
    hasData && data !== null ? el('AirSyncBase:Data', data) : null,
    preview !== null ? el('AirSyncBase:Preview', preview) : null);
}

/** The 2.5 body elements: MIME when MIMESupport asks for it, else plain text. */
export function legacyBody(bodies: Bodies, opts: BodyOptions, smime: boolean): WbxmlElement[] {
  if (opts.mimeSupport === 2 || (opts.mimeSupport === 1 && smime)) {
    const raw = bodies.raw;
    const cut = cutBytes(raw, limit(opts.mimeTruncation));
    const data = opts.mimeAsText ? utf8(cut.data) : cut.data;
    return [
      el('Email:MIMEData', data),
      // Sizes are only meaningful, and by MS-ASEMAIL only present, when something was cut.
      ...(cut.truncated ? [el('Email:MIMESize', raw.byteLength)] : []),
      el('Email:MIMETruncated', cut.truncated ? 1 : 0),
    ];
  }
  const cut = cutUtf8(bodies.plain, limit(opts.truncation));
  return [
    el('Email:Body', cut.data),
    ...(cut.truncated ? [el('Email:BodySize', cut.size)] : []),
    el('Email:BodyTruncated', cut.truncated ? 1 : 0),
  ];
}
