// The Email class's entry in the class table (registry.ts; the rendering itself is email.ts, MS-ASEMAIL
// 2.2.2): a message is rendered from the MessageContent kept at delivery (src/mail/content.ts), or
// from its MIME, which the command's blob loader reads, when it has none yet; a server Change
// carries its state only (Read, Flag, Categories, last verb), except a 16.0 draft edited elsewhere, whose
// content changed too; a client Change of a received message changes its state and nothing else; and
// mail is never created by a phone's Add, except the drafts of a 16.0 device (src/eas/sync/draft-import.ts).
import { draftImport } from '../sync/draft-import.js';
import { CONTENT_VERSION, contentOf, usableContent } from '../../mail/content.js';
import { readMessage, renderEmail, renderEmailChange, renderParsedEmail, renderStoredEmail, type EmailOptions } from './email.js';
import { parseEmailChange } from './email-flags.js';
import { ClassError, type ItemClass, type RenderContext } from './registry.js';

function emailOptions(ctx: RenderContext): EmailOptions {
  return {
    bodyPreferences: [...ctx.bodyPreferences], mimeSupport: ctx.mimeSupport ?? 0, version: ctx.version, serverId: ctx.serverId,
    ...(ctx.mailbox ? { mailbox: ctx.mailbox } : {}),
    ...(ctx.mimeTruncation !== undefined ? { mimeTruncation: ctx.mimeTruncation } : {}),
    ...(ctx.truncation !== undefined ? { truncation: ctx.truncation } : {}),
  };
}

export const emailClass: ItemClass = {
  className: 'Email',
  itemKind: 'message',
  folderKind: 'mail',
  minVersion: 25,
  async render(item, ctx) {
    const opts = emailOptions(ctx);
    const blobId = item.blobId;
    if (!blobId) return renderEmail(item, new Uint8Array(), opts);
    // Parsed once at delivery: render from the kept fields, reading the blob only to send the MIME itself.
    const stored = ctx.contents && item.meta ? await ctx.contents.get(blobId) : null;
    if (item.meta && usableContent(stored)) {
      return renderStoredEmail({ ...item, meta: item.meta }, stored, async () => (await ctx.loadBlob(blobId)) ?? new Uint8Array(), opts);
    }
    // Not filled yet (stored before migration 016, or added without it): parse, and keep the parse for next time.
    const raw = await ctx.loadBlob(blobId);
    const msg = await readMessage(raw ?? new Uint8Array());
    if (raw && ctx.contents && stored?.v !== CONTENT_VERSION) ctx.contents.save(blobId, contentOf(msg));
    return renderParsedEmail(item, raw ?? new Uint8Array(), msg, opts);
  },
  renderChange(item, ctx) {
    // A draft edited elsewhere changed its content, not only its flags: the device gets all of it (16.0+).
    if (item.flags.draft && ctx.version >= 160) return emailClass.render(item, ctx);
    return Promise.resolve(renderEmailChange(item, ctx.version));
  },
  parse(appData, _ctx, current) {
    // Mail is created by delivery, not by phones (16.0 drafts come through importDraft).
    if (!current) throw new ClassError('a phone cannot add mail outside the 16.0 Drafts folder');
    // A Flag Status other than 0, 1 or 2 is a conversion error (MS-ASEMAIL 2.2.2.74): parseEmailChange throws.
    return { state: parseEmailChange(appData) };
  },
  importDraft: draftImport,
};
