// SmartReply (MS-ASCMD 2.2.1.20): like SendMail, plus the original named by Source (14.0+) or by the
// CollectionId/ItemId/LongId query (12.1 and earlier). Without ReplaceMime the server quotes the original
// (src/mail/compose.ts). Success is an empty 200; SmartReply:Status otherwise.
import { defineCommand } from '../command.js';
import { ComposeStatus, parseCompose, type ComposeInput } from '../compose/request.js';
import { submit } from '../compose/submit.js';

export const smartReplyCommand = defineCommand<ComposeInput, null>({
  name: 'SmartReply',
  provisioning: 'required',
  // 14.0 and later send WBXML, earlier versions MIME: parseCompose reads either (and answers 102 for bad WBXML).
  body: { kind: 'raw' },
  invalidRequest: ComposeStatus.invalidWbxml,
  parse: (bytes, ctx) => parseCompose('SmartReply', bytes, ctx),
  execute: (ctx, input) => submit(ctx, input, 'reply'),
  render: () => ({ kind: 'empty' }),
});
