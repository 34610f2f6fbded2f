// SmartForward (MS-ASCMD 2.2.1.19): like SendMail, plus the original named by Source (14.0+) or by the
// CollectionId/ItemId/LongId query (12.1 and earlier). Without ReplaceMime the server adds the original and keeps its attachments
// (src/mail/compose.ts). Success is an empty 200; SmartForward:Status otherwise.
import { defineCommand } from '../command.js';
import { parseCompose, type ComposeInput } from '../compose/request.js';
import { submit } from '../compose/submit.js';

export const smartForwardCommand = defineCommand<ComposeInput, null>({
  name: 'SmartForward',
  provisioning: 'required',
  body: 'raw',
  parse: (body, ctx) => parseCompose('SmartForward', body.kind === 'raw' ? body.bytes : Buffer.alloc(0), ctx),
  execute: (ctx, input) => submit(ctx, input, 'forward'),
  render: () => ({ kind: 'empty' }),
});
