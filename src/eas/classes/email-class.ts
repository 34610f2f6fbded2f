// The Email class's entry in the class table (registry.ts; the rendering itself is email.ts, MS-ASEMAIL
// 2.2.2): a message is rendered from its MIME, which the command's blob loader reads; a server Change
// carries its state only (Read, Flag, Categories, last verb), except a 16.0 draft edited elsewhere, whose
// content changed too; a client Change of a received message changes its state and nothing else; and
// mail is never created by a phone's Add, except the drafts of a 16.0 device (src/eas/sync/draft-import.ts).
import { draftImport } from '../sync/draft-import.js';
import { renderEmail, renderEmailChange, type EmailOptions } from './email.js';
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
    const raw = item.blobId ? await ctx.loadBlob(item.blobId) : null;
    return renderEmail(item, raw ?? new Uint8Array(), emailOptions(ctx));
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
