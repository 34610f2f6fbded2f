// SendMail (MS-ASCMD 2.2.1.17): 14.0 and later send ComposeMail:SendMail {ClientId, SaveInSentItems, Mime};
// 12.1 and earlier send the raw MIME as the body with SaveInSent=T in the query. Success is an empty 200;
// the rules (ClientId memory, statuses) are in ../compose/submit.ts.
import { defineCommand } from '../command.js';
import { ComposeStatus, parseCompose, type ComposeInput } from '../compose/request.js';
import { submit } from '../compose/submit.js';

export const sendMailCommand = defineCommand<ComposeInput, null>({
  name: 'SendMail',
  provisioning: 'required',
  // 14.0 and later send WBXML, earlier versions MIME: parseCompose reads either (and answers 102 for bad WBXML).
  body: { kind: 'raw' },
  invalidRequest: ComposeStatus.invalidWbxml,
  parse: (bytes, ctx) => parseCompose('SendMail', bytes, ctx),
  execute: (ctx, input) => submit(ctx, input, null),
  render: () => ({ kind: 'empty' }),
});
